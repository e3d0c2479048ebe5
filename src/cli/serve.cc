// `lanterne serve`: the HTTP server with the embedded store.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string_view>

#include <signal.h>

#include "api/public_api.h"
#include "auth/api_keys.h"
#include "auth/provisioning.h"
#include "cli/commands.h"
#include "core/log.h"
#include "http/server.h"
#include "ingest/cost_finalizer.h"
#include "ingest/write_pipeline.h"
#include "pricing/builtin_models.h"
#include "pricing/model_catalog.h"
#include "storage/data_dir_lock.h"
#include "storage/store.h"

namespace lanterne {
namespace {

// The built-in price list. Without it the server still runs: prices are an enrichment,
// and traces must not be refused for want of them. Project definitions still apply.
BuiltinModels LoadBuiltinModelsOrNone() {
  std::string path = BuiltinModelsPath();
  auto builtins = LoadBuiltinModels(path);
  if (!builtins.ok()) {
    LogError("built-in model prices not loaded (" + builtins.status().message() +
             "); only projects' own model definitions will price observations. Set "
             "LANTERNE_SHARE_DIR to the folder holding models.json.");
    return BuiltinModels{};
  }
  for (const auto& problem : builtins->problems) {
    LogError(path + ": " + problem + " (entry skipped)");
  }
  LogInfo("built-in model prices: " + std::to_string(builtins->models.size()) +
          " models, prices as of " + builtins->prices_as_of + ", from " + path);
  return std::move(builtins).value();
}

int Serve(const ServeOptions& options) {
  // Signals are taken by sigwait below; every thread started from here inherits the mask,
  // so no worker is interrupted mid-write.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  if (options.port < 1 || options.port > 65535) {
    LogError("--port: must be between 1 and 65535");
    return 2;
  }
  auto lock = DataDirLock::Acquire(options.data_dir);
  if (!lock.ok()) {
    LogError(lock.status().message());
    return 1;
  }
  SqliteOptions store_options;
  // Benchmarks time the first dashboard load after a start with and without it.
  if (const char* warm = std::getenv("LANTERNE_WARM_ROLLUP_READS")) {
    store_options.warm_rollup_reads = std::string_view(warm) != "off";
  }
  auto store = OpenSqliteStore(options.data_dir, store_options);
  if (!store.ok()) {
    LogError(store.status().message());
    return 1;
  }
  Status init = ApplyHeadlessInit(**store, ProcessEnvironment());
  if (!init.ok()) {
    LogError("headless initialization: " + init.message());
    return 1;
  }
  ModelCatalog models(store->get(), LoadBuiltinModelsOrNone());
  WritePipelineOptions pipeline_options;
  if (options.cost_inference) pipeline_options.finalize_observation = MakeCostFinalizer(models);
  WritePipeline pipeline(**store, pipeline_options);
  ApiKeyAuthenticator auth(**store);
  PublicApi api(**store, pipeline, auth, models);
  ServerOptions server_options;
  server_options.host = options.host;
  server_options.port = static_cast<uint16_t>(options.port);
  // Langfuse streams OTLP exports without a limit; a BatchSpanProcessor's 512 spans of
  // LLM input and output can be tens of megabytes.
  constexpr size_t kTraceExportLimit = 48u << 20;
  server_options.path_body_limits = {{"/api/public/otel/v1/traces", kTraceExportLimit},
                                     {"/v1/traces", kTraceExportLimit}};
  HttpServer server(server_options, [&api](Request& request) { return api.Handle(request); });
  Status started = server.Start();
  if (!started.ok()) {
    LogError(started.message());
    return 1;
  }
  std::string shown_host =
      options.host == "0.0.0.0" || options.host == "::" ? "localhost" : options.host;
  std::printf("Lanterne ready on http://%s:%u\n", shown_host.c_str(), server.port());
  std::fflush(stdout);

  int received = 0;
  sigwait(&signals, &received);
  LogInfo(received == SIGTERM ? "SIGTERM: finishing requests in flight, then stopping"
                              : "SIGINT: finishing requests in flight, then stopping");
  server.Stop();
  pipeline.Shutdown();
  Status flushed = auth.FlushLastUsed();
  if (!flushed.ok()) LogError("could not record API keys' last use: " + flushed.message());
  LogInfo("stopped cleanly");
  return 0;
}

}  // namespace

void AddServeCommand(CLI::App& app, std::function<int()>& run) {
  auto options = std::make_shared<ServeOptions>();
  CLI::App* serve = app.add_subcommand(
      "serve", "Start the server: web API on --host:--port, data in --data-dir.");
  serve->add_option("--host", options->host, "Address to listen on")
      ->envname("LANTERNE_HOST")
      ->capture_default_str();
  serve->add_option("--port", options->port, "TCP port to listen on")
      ->envname("LANTERNE_PORT")
      ->capture_default_str();
  serve
      ->add_option("--data-dir", options->data_dir,
                   "Directory of the embedded store (created when missing)")
      ->envname("LANTERNE_DATA_DIR")
      ->capture_default_str();
  serve
      ->add_option("--cost-inference", options->cost_inference,
                   "Price observations from model definitions and tokenize missing usage "
                   "(false: keep only what clients send)")
      ->envname("LANTERNE_COST_INFERENCE")
      ->capture_default_str();
  serve->footer(
      "Headless initialization (read at every start, idempotent):\n"
      "  LANGFUSE_INIT_ORG_ID, LANGFUSE_INIT_ORG_NAME, LANGFUSE_INIT_PROJECT_ID,\n"
      "  LANGFUSE_INIT_PROJECT_NAME, LANGFUSE_INIT_PROJECT_PUBLIC_KEY,\n"
      "  LANGFUSE_INIT_PROJECT_SECRET_KEY, LANGFUSE_INIT_USER_EMAIL,\n"
      "  LANGFUSE_INIT_USER_NAME, LANGFUSE_INIT_USER_PASSWORD\n"
      "Built-in model prices: $LANTERNE_SHARE_DIR/models.json, read at start\n"
      "  (default share dir: " LANTERNE_DEFAULT_SHARE_DIR "); see `lanterne admin models`.\n");
  serve->callback([&run, options] { run = [options] { return Serve(*options); }; });
}

}  // namespace lanterne
