// `lanterne`: one binary for the server and its administration.
#include <functional>
#include <iostream>

#include <sodium.h>

#include "cli/commands.h"

int main(int argc, char** argv) {
  if (sodium_init() < 0) {
    std::cerr << "lanterne: error: libsodium failed to initialize\n";
    return 1;
  }
  CLI::App app{
      "Lanterne: an LLM engineering platform. Receives traces from the Langfuse SDKs and "
      "OpenTelemetry, and serves them back through a Langfuse-compatible API.",
      "lanterne"};
  app.set_version_flag("--version", std::string("lanterne ") + LANTERNE_VERSION);
  app.require_subcommand(1);
  std::function<int()> run;
  lanterne::AddServeCommand(app, run);
  lanterne::AddAdminCommands(app, run);
  CLI11_PARSE(app, argc, argv);
  return run ? run() : 0;
}
