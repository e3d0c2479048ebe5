// `lanterne admin`: projects and API keys for people without the headless-init variables.
#include <cstdio>
#include <memory>

#include "auth/provisioning.h"
#include "cli/commands.h"
#include "core/log.h"
#include "storage/store.h"

namespace lanterne {
namespace {

struct AdminOptions {
  std::string data_dir = "./lanterne-data";
  std::string name;
  std::string org_id = "default";
  std::string project_id;
  std::string note;
};

void PrintKey(const NewApiKey& key) {
  std::printf("public_key: %s\nsecret_key: %s\n", key.key.public_key.c_str(), key.secret.c_str());
  std::printf("(the secret key is shown only now; store it safely)\n");
}

int CreateProjectCommand(const AdminOptions& o) {
  auto store = OpenSqliteStore(o.data_dir);
  if (!store.ok()) {
    LogError(store.status().message());
    return 1;
  }
  auto created = CreateProject(**store, o.name, o.org_id);
  if (!created.ok()) {
    LogError(created.status().message());
    return 1;
  }
  std::printf("project_id: %s\nproject_name: %s\n", created->project.id.c_str(),
              created->project.name.c_str());
  PrintKey(created->key);
  return 0;
}

int CreateApiKeyCommand(const AdminOptions& o) {
  auto store = OpenSqliteStore(o.data_dir);
  if (!store.ok()) {
    LogError(store.status().message());
    return 1;
  }
  auto key = CreateApiKey(**store, o.project_id,
                          o.note.empty() ? std::nullopt : std::optional<std::string>(o.note));
  if (!key.ok()) {
    LogError(key.status().message());
    return 1;
  }
  std::printf("project_id: %s\n", o.project_id.c_str());
  PrintKey(*key);
  return 0;
}

}  // namespace

void AddAdminCommands(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<AdminOptions>();
  CLI::App* admin =
      app.add_subcommand("admin", "Administration: projects, API keys, built-in model prices.");
  admin->require_subcommand(1);
  auto add_data_dir = [&](CLI::App* cmd) {
    cmd->add_option("--data-dir", options->data_dir, "Directory of the embedded store")
        ->envname("LANTERNE_DATA_DIR")
        ->capture_default_str();
  };

  CLI::App* create_project = admin->add_subcommand(
      "create-project", "Create a project with a new API key pair and print the keys once.");
  add_data_dir(create_project);
  create_project->add_option("--name", options->name, "Project name")->required();
  create_project->add_option("--org", options->org_id, "Organization id (created when missing)")
      ->capture_default_str();
  create_project->callback(
      [&run, options] { run = [options] { return CreateProjectCommand(*options); }; });

  CLI::App* create_key = admin->add_subcommand(
      "create-api-key", "Create a new API key pair for a project and print it once.");
  add_data_dir(create_key);
  create_key->add_option("--project-id", options->project_id, "Project id")->required();
  create_key->add_option("--note", options->note, "A note to recognise the key by");
  create_key->callback(
      [&run, options] { run = [options] { return CreateApiKeyCommand(*options); }; });

  AddAdminModelsCommand(*admin, run);
}

}  // namespace lanterne
