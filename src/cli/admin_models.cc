// `lanterne admin models`: the built-in price list as the server will load it. Doubles as
// a check after editing share/models.json: skipped entries are reported and exit 1.
#include <cstdio>
#include <memory>

#include "cli/commands.h"
#include "core/json.h"
#include "core/log.h"
#include "pricing/builtin_models.h"
#include "pricing/model_json.h"

namespace lanterne {
namespace {

struct ModelsOptions {
  bool json = false;
};

// Prices per million units read better than 2.5e-06 per token.
std::string PerMillion(const std::map<std::string, double>& prices) {
  std::string text;
  for (const auto& [type, price] : prices) {
    char number[32];
    std::snprintf(number, sizeof(number), "%.6g", price * 1e6);
    text += (text.empty() ? "" : ", ") + type + " " + number;
  }
  return text;
}

void PrintText(const BuiltinModels& list) {
  std::printf("Built-in model prices from %s\n", list.path.c_str());
  std::printf("Prices as of %s: public list prices in USD, shown per 1M units\n",
              list.prices_as_of.c_str());
  for (const auto& source : list.sources) std::printf("  source: %s\n", source.c_str());
  for (const auto& model : list.models) {
    std::printf("\n%s  [%s]  %s", model->model_name.c_str(), model->id.c_str(),
                model->unit.value_or("TOKENS").c_str());
    if (model->tokenizer_id) std::printf("  tokenizer %s", model->tokenizer_id->c_str());
    std::printf("\n  match   %s\n", model->match_pattern.c_str());
    for (const auto& tier : model->pricing_tiers) {
      std::printf("  %-7s %s%s\n", tier.is_default ? "prices" : "tier",
                  PerMillion(tier.prices).c_str(),
                  tier.is_default ? "" : ("  (" + tier.name + ")").c_str());
    }
  }
  std::printf("\n%zu models\n", list.models.size());
}

void PrintJson(const BuiltinModels& list) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("path");
  WriteString(w, list.path);
  w.Key("prices_as_of");
  WriteString(w, list.prices_as_of);
  w.Key("sources");
  w.StartArray();
  for (const auto& source : list.sources) WriteString(w, source);
  w.EndArray();
  w.Key("problems");
  w.StartArray();
  for (const auto& problem : list.problems) WriteString(w, problem);
  w.EndArray();
  w.Key("models");
  w.StartArray();
  for (const auto& model : list.models) WriteModelJson(w, *model);
  w.EndArray();
  w.EndObject();
  std::printf("%s\n", buffer.GetString());
}

int ModelsCommand(const ModelsOptions& o) {
  auto list = LoadBuiltinModels(BuiltinModelsPath());
  if (!list.ok()) {
    LogError(list.status().message() + " (set LANTERNE_SHARE_DIR to the folder of models.json)");
    return 1;
  }
  if (o.json) {
    PrintJson(*list);
  } else {
    PrintText(*list);
  }
  for (const auto& problem : list->problems) LogError("skipped " + problem);
  return list->problems.empty() ? 0 : 1;
}

}  // namespace

void AddAdminModelsCommand(CLI::App& admin, std::function<int()>& run) {
  auto options = std::make_shared<ModelsOptions>();
  CLI::App* models = admin.add_subcommand(
      "models",
      "List the built-in model prices ($LANTERNE_SHARE_DIR/models.json) as the server loads "
      "them; exits 1 when entries are invalid.");
  models->add_flag("--json", options->json, "Print JSON (Langfuse's model objects)");
  models->callback([&run, options] { run = [options] { return ModelsCommand(*options); }; });
}

}  // namespace lanterne
