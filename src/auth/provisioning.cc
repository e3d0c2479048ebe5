#include "auth/provisioning.h"

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include <sodium.h>

#include "core/ids.h"
#include "core/text.h"
#include "core/time.h"

namespace lanterne {

EnvLookup ProcessEnvironment() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());
    if (!value || !*value) return std::nullopt;
    return std::string(value);
  };
}

Result<std::string> HashPassword(const std::string& password) {
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                        crypto_pwhash_MEMLIMIT_INTERACTIVE) != 0) {
    return Status::Internal("out of memory while hashing a password");
  }
  return std::string(hash);
}

Status ApplyHeadlessInit(Store& store, const EnvLookup& env) {
  auto org_id = env("LANGFUSE_INIT_ORG_ID");
  if (!org_id) return Status::Ok();
  Organization org{*org_id, env("LANGFUSE_INIT_ORG_NAME").value_or("Provisioned Org")};
  std::optional<Project> project;
  if (auto project_id = env("LANGFUSE_INIT_PROJECT_ID")) {
    project =
        Project{*project_id, org.id,
                env("LANGFUSE_INIT_PROJECT_NAME").value_or("Provisioned Project"), NowMicros()};
  }
  std::optional<NewApiKey> key;
  auto public_key = env("LANGFUSE_INIT_PROJECT_PUBLIC_KEY");
  auto secret_key = env("LANGFUSE_INIT_PROJECT_SECRET_KEY");
  if (project && public_key && secret_key) {
    key = MakeApiKey(project->id, public_key, secret_key, std::string("Provisioned API Key"));
  } else if (public_key || secret_key) {
    return Status::InvalidArgument(
        "LANGFUSE_INIT_PROJECT_PUBLIC_KEY and LANGFUSE_INIT_PROJECT_SECRET_KEY need each other "
        "and LANGFUSE_INIT_PROJECT_ID");
  }
  std::optional<User> user;
  auto email = env("LANGFUSE_INIT_USER_EMAIL");
  auto password = env("LANGFUSE_INIT_USER_PASSWORD");
  if (email && password) {
    std::string lower = AsciiLower(*email);
    auto exists = store.HasUser(lower);
    if (!exists.ok()) return exists.status();
    // argon2id is slow on purpose: hash only for a user that will actually be created, so
    // restarts stay fast. An existing user keeps its password, as in Langfuse.
    std::string hash;
    if (!*exists) {
      auto hashed = HashPassword(*password);
      if (!hashed.ok()) return hashed.status();
      hash = *hashed;
    }
    user = User{RandomUuid(), lower, env("LANGFUSE_INIT_USER_NAME").value_or("Provisioned User"),
                hash, NowMicros()};
  }
  return store.RunWrite([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.UpsertOrganization(org));
    if (project) LANTERNE_RETURN_IF_ERROR(txn.UpsertProject(*project));
    if (key) {
      // The project may have existed under another id's key: the init key always points at
      // the init project.
      LANTERNE_RETURN_IF_ERROR(txn.PutApiKey(key->key));
    }
    if (user) LANTERNE_RETURN_IF_ERROR(txn.UpsertUser(*user, org.id, "OWNER"));
    return Status::Ok();
  });
}

Result<CreatedProject> CreateProject(Store& store, const std::string& name,
                                     const std::string& org_id) {
  CreatedProject created;
  created.project = Project{RandomUuid(), org_id, name, NowMicros()};
  created.key = MakeApiKey(created.project.id, std::nullopt, std::nullopt, std::nullopt);
  Status status = store.RunWrite([&](WriteTxn& txn) -> Status {
    LANTERNE_RETURN_IF_ERROR(txn.UpsertOrganization(Organization{org_id, org_id}));
    LANTERNE_RETURN_IF_ERROR(txn.UpsertProject(created.project));
    return txn.PutApiKey(created.key.key);
  });
  if (!status.ok()) return status;
  return created;
}

Result<NewApiKey> CreateApiKey(Store& store, const std::string& project_id,
                               std::optional<std::string> note) {
  auto project = store.GetProject(project_id);
  if (!project.ok()) return project.status();
  if (!project->has_value()) return Status::NotFound("no project with id " + project_id);
  NewApiKey key = MakeApiKey(project_id, std::nullopt, std::nullopt, std::move(note));
  Status status = store.RunWrite([&](WriteTxn& txn) { return txn.PutApiKey(key.key); });
  if (!status.ok()) return status;
  return key;
}

}  // namespace lanterne
