// Sessions: list, and one session with its traces.
#include "api/api_context.h"
#include "api/query_params.h"
#include "api/render.h"
#include "api/responses.h"

namespace lanterne {
namespace {

Response ListSessions(ApiContext& ctx, Request& request, const AuthContext& auth) {
  SessionQuery q;
  auto page = ReadPage(request);
  if (!page.ok()) return ErrorResponse(page.status());
  q.page = *page;
  auto from = ReadTimestamp(request, "fromTimestamp");
  if (!from.ok()) return ErrorResponse(from.status());
  auto to = ReadTimestamp(request, "toTimestamp");
  if (!to.ok()) return ErrorResponse(to.status());
  q.from_us = *from;
  q.to_us = *to;
  q.environments = ReadList(request, "environment", true);
  auto sessions = ctx.store.ListSessions(auth.project_id, q);
  if (!sessions.ok()) return ErrorResponse(sessions.status());
  return PagedResponse(q.page.page, q.page.limit, sessions->total_items, sessions->items,
                       [](JsonWriter& w, const auto& s) {
                         w.StartObject();
                         WriteSession(w, s);
                         w.EndObject();
                       });
}

Response GetSession(ApiContext& ctx, Request& request, const AuthContext& auth) {
  const std::string& id = request.path_params[0];
  auto session = ctx.store.GetSession(auth.project_id, id);
  if (!session.ok()) return ErrorResponse(session.status());
  if (!session->has_value()) {
    return ErrorResponse(
        Status::NotFound("Session " + id + " not found within authorized project"));
  }
  auto traces = ctx.store.TracesOfSession(auth.project_id, id);
  if (!traces.ok()) return ErrorResponse(traces.status());
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  WriteSession(w, **session);
  w.Key("traces");
  w.StartArray();
  for (const auto& t : *traces) {
    w.StartObject();
    WriteTraceFields(w, t);
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, buffer);
}

}  // namespace

void RegisterSessionRoutes(Router& router, ApiContext& ctx) {
  router.Add("GET", "/api/public/sessions", Authed(ctx, false, ListSessions));
  router.Add("GET", "/api/public/sessions/{sessionId}", Authed(ctx, false, GetSession));
}

void ExportSessionHandlers(DataHandlers& out) {
  out.list_sessions = ListSessions;
  out.get_session = GetSession;
}

}  // namespace lanterne
