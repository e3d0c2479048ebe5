// The `lanterne` subcommands. Each returns the process exit code.
#pragma once

#include <functional>
#include <string>

#include <CLI/CLI.hpp>

namespace lanterne {

struct ServeOptions {
  std::string host = "0.0.0.0";
  int port = 3000;
  std::string data_dir = "./lanterne-data";
  // Infer usage and cost from model prices at ingestion (off: store what clients send).
  bool cost_inference = true;
};

// Registers `serve` on `app`; `run` is set to the command's action when it is chosen.
void AddServeCommand(CLI::App& app, std::function<int()>& run);
void AddAdminCommands(CLI::App& app, std::function<int()>& run);
// `admin models`, registered on the `admin` subcommand by AddAdminCommands.
void AddAdminModelsCommand(CLI::App& admin, std::function<int()>& run);

}  // namespace lanterne
