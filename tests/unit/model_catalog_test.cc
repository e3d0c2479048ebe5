// Matching observation model names to definitions (pricing/model_catalog.h), and the
// built-in list in share/models.json.
#include "pricing/model_catalog.h"

#include <filesystem>
#include <random>
#include <sstream>
#include <thread>

#include <gtest/gtest.h>

#include "temp_dir.h"

#include "pricing/builtin_models.h"
#include "pricing/cost.h"

namespace lanterne {
namespace {

constexpr int64_t kDay = 86'400'000'000;

ModelDefinition Def(std::string id, std::string pattern, double input_price,
                    std::optional<std::string> project = std::nullopt,
                    std::optional<int64_t> start = std::nullopt, int64_t created = 0) {
  ModelDefinition m;
  m.id = std::move(id);
  m.project_id = std::move(project);
  m.model_name = m.id;
  m.match_pattern = std::move(pattern);
  m.start_date_us = start;
  m.unit = "TOKENS";
  m.created_at_us = created;
  PricingTier tier;
  tier.id = m.id + ":standard";
  tier.name = "Standard";
  tier.is_default = true;
  tier.prices = {{"input", input_price}};
  m.pricing_tiers.push_back(tier);
  EXPECT_TRUE(CompileModel(m).ok()) << m.match_pattern;
  return m;
}

BuiltinModels Builtins(std::vector<ModelDefinition> defs) {
  BuiltinModels list;
  list.prices_as_of = "2025-01-01";
  for (auto& d : defs) list.models.push_back(std::make_shared<const ModelDefinition>(std::move(d)));
  return list;
}

std::string IdOf(const Result<std::shared_ptr<const ModelDefinition>>& match) {
  EXPECT_TRUE(match.ok()) << match.status().message();
  if (!match.ok() || !match.value()) return "";
  return match.value()->id;
}

class ModelCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = OpenSqliteStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
  }
  void Put(const ModelDefinition& m) {
    ASSERT_TRUE(store_->RunWrite([&](WriteTxn& txn) { return txn.PutModel(m); }).ok());
  }
  void Delete(const std::string& project, const std::string& id) {
    ASSERT_TRUE(store_
                    ->RunWrite([&](WriteTxn& txn) -> Status {
                      auto deleted = txn.DeleteModel(project, id);
                      return deleted.ok() ? Status::Ok() : deleted.status();
                    })
                    .ok());
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ModelCatalogTest, PatternsAreAnchoredOnlyWhenTheySaySo) {
  ModelCatalog catalog(
      nullptr, Builtins({Def("exact", "(?i)^(openai/)?(gpt-4o)$", 1), Def("loose", "claude", 2)}));
  EXPECT_EQ(IdOf(catalog.Match("p", "gpt-4o")), "exact");
  EXPECT_EQ(IdOf(catalog.Match("p", "openai/gpt-4o")), "exact");
  EXPECT_EQ(IdOf(catalog.Match("p", "gpt-4o-mini")), "");
  EXPECT_EQ(IdOf(catalog.Match("p", "my-gpt-4o")), "");
  // Postgres `~` searches: an unanchored pattern matches anywhere.
  EXPECT_EQ(IdOf(catalog.Match("p", "anthropic/claude-x")), "loose");
}

TEST_F(ModelCatalogTest, MatchingIsCaseInsensitiveUnlessThePatternSaysOtherwise) {
  ModelCatalog catalog(nullptr,
                       Builtins({Def("plain", "^gpt-4o$", 1), Def("strict", "(?-i)^Llama$", 1)}));
  EXPECT_EQ(IdOf(catalog.Match("p", "GPT-4o")), "plain");
  EXPECT_EQ(IdOf(catalog.Match("p", "Llama")), "strict");
  EXPECT_EQ(IdOf(catalog.Match("p", "llama")), "");
}

TEST_F(ModelCatalogTest, ProjectModelsBeatBuiltInOnes) {
  ModelCatalog catalog(store_.get(), Builtins({Def("builtin", "^gpt-4o$", 1)}));
  EXPECT_EQ(IdOf(catalog.Match("p1", "gpt-4o")), "builtin");
  // Even an older project definition wins over a newer built-in one.
  Put(Def("own", "^gpt-4o$", 9, "p1", 1 * kDay));
  catalog.InvalidateProject("p1");
  EXPECT_EQ(IdOf(catalog.Match("p1", "gpt-4o")), "own");
  // Another project is not affected.
  EXPECT_EQ(IdOf(catalog.Match("p2", "gpt-4o")), "builtin");
}

TEST_F(ModelCatalogTest, NewestStartDateFirstAndNoStartDateLast) {
  Put(Def("undated", "^m$", 1, "p", std::nullopt, 50 * kDay));
  Put(Def("old", "^m$", 1, "p", 10 * kDay, 1 * kDay));
  Put(Def("new", "^m$", 1, "p", 20 * kDay, 2 * kDay));
  ModelCatalog catalog(store_.get(), Builtins({}));
  EXPECT_EQ(IdOf(catalog.Match("p", "m")), "new");
  Delete("p", "new");
  catalog.InvalidateProject("p");
  EXPECT_EQ(IdOf(catalog.Match("p", "m")), "old");
  Delete("p", "old");
  catalog.InvalidateProject("p");
  EXPECT_EQ(IdOf(catalog.Match("p", "m")), "undated");
}

TEST_F(ModelCatalogTest, AmongEqualStartDatesTheNewestDefinitionWins) {
  Put(Def("first", "^m$", 1, "p", std::nullopt, 1 * kDay));
  Put(Def("second", "^m$", 2, "p", std::nullopt, 2 * kDay));
  ModelCatalog catalog(store_.get(), Builtins({}));
  EXPECT_EQ(IdOf(catalog.Match("p", "m")), "second");
}

TEST_F(ModelCatalogTest, BuiltInsByStartDateThenFileOrder) {
  ModelCatalog catalog(nullptr, Builtins({Def("a", "^m$", 1), Def("b", "^m$", 2),
                                          Def("dated", "^m$", 3, std::nullopt, 5 * kDay)}));
  EXPECT_EQ(IdOf(catalog.Match("p", "m")), "dated");
  ModelCatalog undated(nullptr, Builtins({Def("a", "^m$", 1), Def("b", "^m$", 2)}));
  EXPECT_EQ(IdOf(undated.Match("p", "m")), "a");
}

TEST_F(ModelCatalogTest, AnswersAreRememberedUntilInvalidated) {
  ModelCatalog catalog(store_.get(), Builtins({Def("builtin", "^gpt-4o$", 1)}));
  EXPECT_EQ(IdOf(catalog.Match("p", "gpt-4o")), "builtin");
  Put(Def("own", "^gpt-4o$", 9, "p"));
  // Not yet invalidated: the remembered answer stands (the API invalidates after commit).
  EXPECT_EQ(IdOf(catalog.Match("p", "gpt-4o")), "builtin");
  catalog.InvalidateProject("p");
  EXPECT_EQ(IdOf(catalog.Match("p", "gpt-4o")), "own");
  Delete("p", "own");
  catalog.InvalidateProject("p");
  EXPECT_EQ(IdOf(catalog.Match("p", "gpt-4o")), "builtin");
}

TEST_F(ModelCatalogTest, ConcurrentMatchesAgree) {
  Put(Def("own", "^gpt-4o$", 9, "p"));
  ModelCatalog catalog(store_.get(), Builtins({Def("builtin", "^gpt-4o(-mini)?$", 1)}));
  std::vector<std::thread> threads;
  std::atomic<int> wrong{0};
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 500; ++i) {
        auto own = catalog.Match("p", "gpt-4o");
        auto builtin = catalog.Match(t % 2 ? "p" : "q", "gpt-4o-mini");
        if (!own.ok() || !*own || (*own)->id != "own") ++wrong;
        if (!builtin.ok() || !*builtin || (*builtin)->id != "builtin") ++wrong;
        if (i % 100 == 0) catalog.InvalidateProject("p");
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(wrong.load(), 0);
}

// The shipped price list: loads without problems, and matches what clients report.
class BuiltinListTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto list = LoadBuiltinModels(std::string(LANTERNE_SOURCE_DIR) + "/share/models.json");
    ASSERT_TRUE(list.ok()) << list.status().message();
    list_ = new BuiltinModels(std::move(list).value());
  }
  static void TearDownTestSuite() { delete list_; }

  std::string Match(std::string_view name) {
    static ModelCatalog catalog(nullptr, *list_);
    return IdOf(catalog.Match("p", name));
  }

  static BuiltinModels* list_;
};
BuiltinModels* BuiltinListTest::list_ = nullptr;

TEST_F(BuiltinListTest, LoadsCleanly) {
  EXPECT_TRUE(list_->problems.empty()) << list_->problems.front();
  EXPECT_EQ(list_->prices_as_of.size(), 10u);
  EXPECT_FALSE(list_->sources.empty());
  EXPECT_GT(list_->models.size(), 60u);
  for (const auto& m : list_->models) {
    EXPECT_EQ(m->id.rfind("builtin-", 0), 0u) << m->id;
    EXPECT_TRUE(m->is_builtin());
    ASSERT_NE(m->default_tier(), nullptr) << m->id;
    EXPECT_FALSE(m->default_tier()->id.empty());
  }
}

TEST_F(BuiltinListTest, OpenAiAndAzureNames) {
  EXPECT_EQ(Match("gpt-4o"), "builtin-gpt-4o");
  EXPECT_EQ(Match("GPT-4o"), "builtin-gpt-4o");
  EXPECT_EQ(Match("gpt-4o-2024-08-06"), "builtin-gpt-4o");
  EXPECT_EQ(Match("openai/gpt-4o"), "builtin-gpt-4o");
  EXPECT_EQ(Match("azure/gpt-4o"), "builtin-gpt-4o");
  EXPECT_EQ(Match("gpt-4o-mini"), "builtin-gpt-4o-mini");
  EXPECT_EQ(Match("azure/gpt-4o-mini-2024-07-18"), "builtin-gpt-4o-mini");
  EXPECT_EQ(Match("gpt-35-turbo"), "builtin-gpt-3.5-turbo");  // Azure's spelling
  EXPECT_EQ(Match("gpt-3.5-turbo-0125"), "builtin-gpt-3.5-turbo");
  EXPECT_EQ(Match("gpt-4.1-nano"), "builtin-gpt-4.1-nano");
  EXPECT_EQ(Match("gpt-4x1"), "");  // dots are literal
  EXPECT_EQ(Match("o3-mini"), "builtin-o3-mini");
  EXPECT_EQ(Match("o4-mini-2025-04-16"), "builtin-o4-mini");
  EXPECT_EQ(Match("text-embedding-3-small"), "builtin-text-embedding-3-small");
  EXPECT_EQ(Match("text-embedding-ada-002"), "builtin-text-embedding-ada-002");
  EXPECT_EQ(Match("gpt-4-turbo-2024-04-09"), "builtin-gpt-4-turbo");
}

TEST_F(BuiltinListTest, OtherProviders) {
  EXPECT_EQ(Match("claude-3-5-sonnet-20241022"), "builtin-claude-3-5-sonnet");
  EXPECT_EQ(Match("anthropic/claude-3-7-sonnet-20250219"), "builtin-claude-3-7-sonnet");
  EXPECT_EQ(Match("claude-sonnet-4-20250514"), "builtin-claude-sonnet-4");
  EXPECT_EQ(Match("us.anthropic.claude-sonnet-4-20250514-v1:0"), "builtin-claude-sonnet-4");
  EXPECT_EQ(Match("claude-opus-4@20250514"), "builtin-claude-opus-4");
  EXPECT_EQ(Match("claude-3-5-haiku-latest"), "builtin-claude-3-5-haiku");
  EXPECT_EQ(Match("gemini-2.5-pro"), "builtin-gemini-2.5-pro");
  EXPECT_EQ(Match("models/gemini-2.0-flash-001"), "builtin-gemini-2.0-flash");
  EXPECT_EQ(Match("gemini-2.5-flash-lite"), "builtin-gemini-2.5-flash-lite");
  EXPECT_EQ(Match("gemini-1.5-pro-002"), "builtin-gemini-1.5-pro");
  EXPECT_EQ(Match("mistral-large-latest"), "builtin-mistral-large");
  EXPECT_EQ(Match("mistral/codestral-latest"), "builtin-codestral");
  EXPECT_EQ(Match("deepseek-chat"), "builtin-deepseek-chat");
  EXPECT_EQ(Match("deepseek-reasoner"), "builtin-deepseek-reasoner");
  EXPECT_EQ(Match("llama-3.3-70b-versatile"), "builtin-groq-llama-3.3-70b-versatile");
  EXPECT_EQ(Match("meta-llama/Meta-Llama-3.1-70B-Instruct-Turbo"),
            "builtin-together-llama-3.1-70b-instruct-turbo");
}

TEST_F(BuiltinListTest, OllamaNamesAreFreeAndDoNotCaptureHostedOnes) {
  EXPECT_EQ(Match("llama3.1:8b"), "builtin-ollama-local");
  EXPECT_EQ(Match("llama3"), "builtin-ollama-local");
  EXPECT_EQ(Match("ollama/mistral"), "builtin-ollama-local");
  EXPECT_EQ(Match("ollama_chat/qwen2.5-coder:7b"), "builtin-ollama-local");
  EXPECT_EQ(Match("gemma2:9b"), "builtin-ollama-local");
  EXPECT_EQ(Match("deepseek-r1:14b"), "builtin-ollama-local");
  EXPECT_EQ(Match("gpt-oss:20b"), "builtin-ollama-gpt-oss");
  EXPECT_EQ(Match("ollama/gpt-oss"), "builtin-ollama-gpt-oss");
  // Hosted names with the same families keep their prices.
  EXPECT_EQ(Match("mistral-small-latest"), "builtin-mistral-small");
  EXPECT_EQ(Match("llama-3.1-8b-instant"), "builtin-groq-llama-3.1-8b-instant");
  EXPECT_EQ(Match("gpt-oss-120b"), "");
  auto r = ComputeCost(list_->models.back().get(), {{"input", 100}, {"output", 10}}, {});
  EXPECT_EQ(r.total_cost, 0.0);
}

TEST_F(BuiltinListTest, Gpt4oCostWithCachedTokens) {
  static ModelCatalog catalog(nullptr, *list_);
  auto model = catalog.Match("p", "gpt-4o");
  ASSERT_TRUE(model.ok() && *model);
  auto r = ComputeCost(model->get(),
                       {{"input", 1000}, {"input_cached_tokens", 2000}, {"output", 300}}, {});
  EXPECT_EQ(r.cost.at("input"), 0.0025);
  EXPECT_EQ(r.cost.at("input_cached_tokens"), 0.0025);
  EXPECT_EQ(r.cost.at("output"), 0.003);
  EXPECT_EQ(r.total_cost, 0.008);
  EXPECT_EQ(r.tier_id, "builtin-gpt-4o:standard");
  EXPECT_EQ((*model)->tokenizer_id, "openai");
}

TEST_F(BuiltinListTest, ClaudeLongContextTier) {
  static ModelCatalog catalog(nullptr, *list_);
  auto model = catalog.Match("p", "claude-sonnet-4-5");
  ASSERT_TRUE(model.ok() && *model);
  auto r = ComputeCost(model->get(), {{"input", 250000}, {"output", 1000}}, {});
  EXPECT_EQ(r.tier_name, "Large Context");
  EXPECT_EQ(r.total_cost, 1.5225);
}

TEST(BuiltinModelsParse, BadEntriesAreSkippedAndReported) {
  auto list = ParseBuiltinModels(R"({
    "prices_as_of": "2025-06-01",
    "models": [
      {"id": "builtin-a", "modelName": "a", "matchPattern": "^a$", "prices": {"input": 1e-6}},
      {"id": "builtin-b", "modelName": "b", "matchPattern": "^(b$", "prices": {"input": 1e-6}},
      {"id": "builtin-a", "modelName": "a2", "matchPattern": "^a2$", "prices": {"input": 1e-6}},
      {"modelName": "c", "matchPattern": "^c$", "prices": {"input": 1e-6}}
    ]})");
  ASSERT_TRUE(list.ok()) << list.status().message();
  ASSERT_EQ(list->models.size(), 1u);
  EXPECT_EQ(list->models[0]->unit, "TOKENS");
  EXPECT_EQ(list->models[0]->created_at_us, 1748736000000000);  // prices_as_of
  ASSERT_EQ(list->problems.size(), 3u);
  EXPECT_NE(list->problems[0].find("models[1] (b): matchPattern"), std::string::npos);
  EXPECT_NE(list->problems[1].find("is used by an earlier entry"), std::string::npos);
  EXPECT_NE(list->problems[2].find("models[3] (c): id"), std::string::npos);

  EXPECT_FALSE(ParseBuiltinModels("{").ok());
  EXPECT_FALSE(ParseBuiltinModels(R"({"models": []})").ok());
  EXPECT_FALSE(LoadBuiltinModels("/nonexistent/models.json").ok());
}

}  // namespace
}  // namespace lanterne
