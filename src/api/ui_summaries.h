// The web UI's sessions and users pages (docs/ui-api.md, "Sessions and users"): sessions
// with their trace count, duration, cost and users; one session with its traces in order;
// a project's end users (trace userId) with first/last seen, traces, tokens and cost. UI
// only: the public API has no such aggregates. Registered in ui_project.cc behind
// `project:read`, like the project-data routes.
#pragma once

#include "api/api_context.h"

namespace lanterne {

Response ListUiSessions(ApiContext& ctx, Request& request, const AuthContext& auth);
Response GetUiSession(ApiContext& ctx, Request& request, const AuthContext& auth);
Response ListUiUsers(ApiContext& ctx, Request& request, const AuthContext& auth);
Response GetUiUser(ApiContext& ctx, Request& request, const AuthContext& auth);

}  // namespace lanterne
