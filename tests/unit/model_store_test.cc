// Projects' model definitions in the SQLite store: round trip, listing order and paging,
// deletion, and project isolation.
#include <filesystem>
#include <random>
#include <sstream>

#include <gtest/gtest.h>
#include <sqlite3.h>

#include "temp_dir.h"

#include "pricing/model_parse.h"
#include "storage/store.h"

namespace lanterne {
namespace {

ModelDefinition Parsed(std::string project, std::string id, std::string body,
                       int64_t created = 1'700'000'000'000'000) {
  auto model = ParseCreateModelBody(body);
  EXPECT_TRUE(model.ok()) << model.status().message();
  model->project_id = std::move(project);
  model->id = std::move(id);
  model->created_at_us = created;
  for (size_t i = 0; i < model->pricing_tiers.size(); ++i) {
    model->pricing_tiers[i].id = model->id + "-tier-" + std::to_string(i);
  }
  return std::move(model).value();
}

class ModelStoreTest : public ::testing::Test {
 protected:
  void SetUp() override { Reopen(); }
  void Reopen() {
    store_.reset();
    auto store = OpenSqliteStore(dir_.path());
    ASSERT_TRUE(store.ok()) << store.status().message();
    store_ = std::move(store).value();
  }
  void Put(const ModelDefinition& m) {
    Status s = store_->RunWrite([&](WriteTxn& txn) { return txn.PutModel(m); });
    ASSERT_TRUE(s.ok()) << s.message();
  }
  bool Delete(const std::string& project, const std::string& id) {
    bool existed = false;
    Status s = store_->RunWrite([&](WriteTxn& txn) -> Status {
      auto deleted = txn.DeleteModel(project, id);
      if (!deleted.ok()) return deleted.status();
      existed = *deleted;
      return Status::Ok();
    });
    EXPECT_TRUE(s.ok()) << s.message();
    return existed;
  }

  TempDir dir_;
  std::unique_ptr<Store> store_;
};

TEST_F(ModelStoreTest, RoundTripSurvivesReopen) {
  ModelDefinition m = Parsed("p1", "m1", R"({"modelName":"my-model","matchPattern":"(?i)^my-model$",
      "unit":"CHARACTERS","startDate":"2025-03-01T00:00:00Z","tokenizerId":"claude",
      "tokenizerConfig":{"a":1},
      "pricingTiers":[
        {"name":"Standard","isDefault":true,"priority":0,"conditions":[],"prices":{"input":1e-6,"output":2e-6}},
        {"name":"Big","isDefault":false,"priority":1,
         "conditions":[{"usageDetailPattern":"input","operator":"gt","value":10}],
         "prices":{"input":2e-6,"output":4e-6}}]})");
  Put(m);
  Reopen();
  auto got = store_->GetModel("p1", "m1");
  ASSERT_TRUE(got.ok()) << got.status().message();
  ASSERT_TRUE(got->has_value());
  const ModelDefinition& g = **got;
  EXPECT_EQ(g.project_id, "p1");
  EXPECT_EQ(g.model_name, "my-model");
  EXPECT_EQ(g.match_pattern, "(?i)^my-model$");
  EXPECT_EQ(g.start_date_us, m.start_date_us);
  EXPECT_EQ(g.unit, "CHARACTERS");
  EXPECT_EQ(g.tokenizer_id, "claude");
  EXPECT_EQ(g.tokenizer_config, R"({"a":1})");
  EXPECT_EQ(g.created_at_us, m.created_at_us);
  ASSERT_EQ(g.pricing_tiers.size(), 2u);
  EXPECT_EQ(g.pricing_tiers[1].id, "m1-tier-1");
  EXPECT_EQ(g.pricing_tiers[1].prices.at("output"), 4e-6);
  EXPECT_EQ(std::get<UsageCondition>(g.pricing_tiers[1].conditions[0]).value, 10);
  EXPECT_FALSE(g.compiled_pattern);  // the catalog compiles what it loads
}

TEST_F(ModelStoreTest, ProjectsAreIsolated) {
  Put(Parsed("p1", "m1", R"({"modelName":"a","matchPattern":"a","unit":"TOKENS","totalPrice":1})"));
  Put(Parsed("p2", "m2", R"({"modelName":"b","matchPattern":"b","unit":"TOKENS","totalPrice":1})"));
  EXPECT_FALSE(store_->GetModel("p2", "m1")->has_value());
  EXPECT_TRUE(store_->GetModel("p1", "m1")->has_value());
  auto all = store_->ListAllModels("p1");
  ASSERT_TRUE(all.ok());
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].id, "m1");
  EXPECT_EQ(store_->ListModels("p2", PageRequest{1, 50})->total_items, 1);
  // Deleting through the wrong project does nothing.
  EXPECT_FALSE(Delete("p2", "m1"));
  EXPECT_TRUE(store_->GetModel("p1", "m1")->has_value());
  EXPECT_TRUE(Delete("p1", "m1"));
  EXPECT_FALSE(store_->GetModel("p1", "m1")->has_value());
  EXPECT_FALSE(Delete("p1", "m1"));
}

TEST_F(ModelStoreTest, ListingOrderAndPages) {
  const char* body = R"({"modelName":"%s","matchPattern":"x","unit":"TOKENS","totalPrice":1%s})";
  auto make = [&](std::string id, std::string name, std::string start, int64_t created) {
    char text[512];
    std::snprintf(text, sizeof(text), body, name.c_str(),
                  start.empty() ? "" : (",\"startDate\":\"" + start + "\"").c_str());
    Put(Parsed("p", id, text, created));
  };
  make("b-undated", "b", "", 5);
  make("b-old", "b", "2024-01-01", 1);
  make("b-new", "b", "2025-01-01", 2);
  make("a", "a", "", 3);
  make("c", "c", "", 4);
  std::vector<std::string> ids;
  for (int page = 1; page <= 3; ++page) {
    auto listed = store_->ListModels("p", PageRequest{page, 2});
    ASSERT_TRUE(listed.ok()) << listed.status().message();
    EXPECT_EQ(listed->total_items, 5);
    for (const auto& m : listed->items) ids.push_back(m.id);
  }
  EXPECT_EQ(ids, (std::vector<std::string>{"a", "b-new", "b-old", "b-undated", "c"}));
}

TEST_F(ModelStoreTest, DataDirectoriesOfTheFirstSchemaGainTheTable) {
  // Back to schema 1 as a release without models left it; opening migrates it forward.
  store_.reset();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open((dir_.path() + "/lanterne.db").c_str(), &db), SQLITE_OK);
  ASSERT_EQ(
      sqlite3_exec(db, "DROP TABLE models; PRAGMA user_version = 1;", nullptr, nullptr, nullptr),
      SQLITE_OK);
  sqlite3_close(db);
  Reopen();
  Put(Parsed("p", "m", R"({"modelName":"a","matchPattern":"a","unit":"TOKENS","totalPrice":1})"));
  EXPECT_TRUE(store_->GetModel("p", "m")->has_value());
}

TEST_F(ModelStoreTest, PutReplacesTheSameId) {
  Put(Parsed("p", "m", R"({"modelName":"a","matchPattern":"a","unit":"TOKENS","totalPrice":1})"));
  Put(Parsed("p", "m", R"({"modelName":"b","matchPattern":"b","unit":"TOKENS","totalPrice":2})"));
  auto all = store_->ListAllModels("p");
  ASSERT_EQ(all->size(), 1u);
  EXPECT_EQ((*all)[0].model_name, "b");
}

}  // namespace
}  // namespace lanterne
