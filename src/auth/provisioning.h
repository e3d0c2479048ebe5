// Creating organizations, projects, users and keys: from Langfuse's headless-init
// environment variables at startup, and from `lanterne admin`.
#pragma once

#include <functional>
#include <optional>
#include <string>

#include "auth/api_keys.h"
#include "core/status.h"
#include "storage/store.h"

namespace lanterne {

// Reads one environment variable; a seam so tests can pass their own.
using EnvLookup = std::function<std::optional<std::string>(const std::string&)>;
EnvLookup ProcessEnvironment();

// Applies LANGFUSE_INIT_* (see docs/configuration.md). Idempotent: existing organizations,
// projects and users are left as they are; the init key pair is (re)written with exactly
// the given values. Does nothing without LANGFUSE_INIT_ORG_ID.
Status ApplyHeadlessInit(Store& store, const EnvLookup& env);

struct CreatedProject {
  Project project;
  NewApiKey key;
};

// Creates a project (in `org_id`, created when missing) with a fresh key pair.
Result<CreatedProject> CreateProject(Store& store, const std::string& name,
                                     const std::string& org_id);

// Creates a key pair for an existing project.
Result<NewApiKey> CreateApiKey(Store& store, const std::string& project_id,
                               std::optional<std::string> note);

// argon2id, via libsodium.
Result<std::string> HashPassword(const std::string& password);

}  // namespace lanterne
