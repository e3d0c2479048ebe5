#include "prompts/prompt.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "prompts/prompt_cache.h"

namespace lanterne {
namespace {

PromptDraft Draft(const std::string& body) {
  auto draft = ParsePromptDraft(body);
  EXPECT_TRUE(draft.ok()) << draft.status().message();
  return draft.ok() ? *draft : PromptDraft{};
}

std::string ErrorOf(const std::string& body) {
  auto draft = ParsePromptDraft(body);
  EXPECT_FALSE(draft.ok()) << body;
  return draft.ok() ? "" : draft.status().message();
}

bool Has(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

TEST(PromptDraft, TextAndChatPromptsAreNormalized) {
  PromptDraft text = Draft(R"({"name":"a/b","prompt":"Bonjour {{nom}}","config":{"t":1}})");
  EXPECT_EQ(text.type, "text");
  EXPECT_EQ(text.prompt_json, R"("Bonjour {{nom}}")");
  EXPECT_EQ(text.config_json, R"({"t":1})");
  EXPECT_FALSE(text.tags.has_value());

  PromptDraft chat = Draft(
      R"({"name":"c","type":"chat","prompt":[{"type":"chatmessage","role":"system","content":"x"},)"
      R"({"type":"placeholder","name":"history"}],"tags":[]})");
  EXPECT_EQ(chat.type, "chat");
  EXPECT_EQ(chat.prompt_json,
            R"([{"role":"system","content":"x"},{"type":"placeholder","name":"history"}])");
  ASSERT_TRUE(chat.tags.has_value());
  EXPECT_TRUE(chat.tags->empty());
  // An array prompt without a type is a chat prompt.
  EXPECT_EQ(Draft(R"({"name":"d","prompt":[{"role":"user","content":"hi"}]})").type, "chat");
}

TEST(PromptDraft, BadInputNamesTheField) {
  EXPECT_NE(ErrorOf("not json").find("body"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"prompt":"x"})").find("name"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a|b","prompt":"x"})").find("name"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"<b>x</b>","prompt":"x"})").find("name"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"metrics","prompt":"x"})").find("reserved"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a//b","prompt":"x"})").find("name"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a"})").find("prompt"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a","type":"text","prompt":[]})").find("prompt"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a","type":"other","prompt":"x"})").find("type"), std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a","prompt":"x","labels":["Prod"]})").find("labels"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a","prompt":"x","labels":[")" + std::string(37, 'a') + R"("]})")
                .find("labels"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a","prompt":"x","tags":"t"})").find("tags"), std::string::npos);
  EXPECT_NE(
      ErrorOf(R"({"name":"a","prompt":"x","commitMessage":")" + std::string(501, 'm') + R"("})")
          .find("commitMessage"),
      std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a","prompt":[{"role":"user"}]})").find("prompt[0].content"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a","prompt":[{"type":"placeholder","name":"1x"}]})")
                .find("prompt[0].name"),
            std::string::npos);
  EXPECT_NE(ErrorOf(R"({"name":"a","prompt":[{"type":"placeholder","name":"q"},)"
                    R"({"role":"user","content":"{{q}}"}]})")
                .find("placeholder"),
            std::string::npos);
}

TEST(PromptVersions, NewVersionTakesLatestAndRequestedLabelsFromOlderOnes) {
  std::vector<PromptVersion> existing;
  auto first = NextPromptVersion(Draft(R"({"name":"p","prompt":"1","labels":["production"],)"
                                       R"("tags":["faq"]})"),
                                 existing, "proj", 10);
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(first->created.version, 1);
  EXPECT_TRUE(Has(first->created.labels, "latest"));
  EXPECT_TRUE(Has(first->created.labels, "production"));
  existing.push_back(first->created);

  auto second = NextPromptVersion(Draft(R"({"name":"p","prompt":"2"})"), existing, "proj", 20);
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->created.version, 2);
  EXPECT_EQ(second->created.tags, std::vector<std::string>{"faq"}) << "tags inherited";
  ASSERT_EQ(second->changed.size(), 1u);
  EXPECT_EQ(second->changed[0].labels, std::vector<std::string>{"production"}) << "latest moved";
  EXPECT_EQ(second->changed[0].updated_at_us, 20);
  existing = {second->changed[0], second->created};

  auto third = NextPromptVersion(
      Draft(R"({"name":"p","prompt":"3","labels":["production"],"tags":["new"]})"), existing,
      "proj", 30);
  ASSERT_TRUE(third.ok());
  ASSERT_EQ(third->changed.size(), 2u);
  for (const auto& v : third->changed) {
    EXPECT_TRUE(v.labels.empty()) << "version " << v.version;
    EXPECT_EQ(v.tags, std::vector<std::string>{"new"}) << "tags replaced on every version";
  }

  auto chat = NextPromptVersion(Draft(R"({"name":"p","prompt":[{"role":"user","content":"x"}]})"),
                                existing, "proj", 40);
  ASSERT_FALSE(chat.ok());
  EXPECT_NE(chat.status().message().find("type"), std::string::npos);
}

TEST(PromptVersions, MovingALabelRemovesItElsewhereAndKeepsTheTargetsOwn) {
  PromptVersion v1, v2;
  v1.version = 1;
  v1.labels = {"production"};
  v2.version = 2;
  v2.labels = {"latest", "staging"};
  auto moved = SetPromptLabels({v1, v2}, 2, {"production"}, 5);
  ASSERT_TRUE(moved.ok());
  ASSERT_EQ(moved->size(), 2u);
  EXPECT_EQ((*moved)[0].version, 2);
  EXPECT_EQ((*moved)[0].labels, (std::vector<std::string>{"production", "latest", "staging"}));
  EXPECT_EQ((*moved)[1].version, 1);
  EXPECT_TRUE((*moved)[1].labels.empty());

  EXPECT_EQ(SetPromptLabels({v1, v2}, 2, {"latest"}, 5).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(SetPromptLabels({v1, v2}, 2, {"Bad"}, 5).status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(SetPromptLabels({v1, v2}, 3, {"x"}, 5).status().code(), StatusCode::kNotFound);
}

TEST(PromptVersions, ReplacingLabelsAddsAndRemovesAndKeepsLatest) {
  PromptVersion v1, v2;
  v1.version = 1;
  v1.labels = {"production", "staging"};
  v2.version = 2;
  v2.labels = {"latest", "canary"};
  // v2 takes production (which leaves v1), drops canary; its `latest` stays although
  // the request leaves it out.
  auto moved = ReplacePromptLabels({v1, v2}, 2, {"production"}, 7);
  ASSERT_TRUE(moved.ok()) << moved.status().message();
  ASSERT_EQ(moved->size(), 2u);
  EXPECT_EQ((*moved)[0].version, 2);
  EXPECT_EQ((*moved)[0].labels, (std::vector<std::string>{"production", "latest"}));
  EXPECT_EQ((*moved)[0].updated_at_us, 7);
  EXPECT_EQ((*moved)[1].version, 1);
  EXPECT_EQ((*moved)[1].labels, std::vector<std::string>{"staging"});

  // Removing a label touches only the target; `latest` cannot be taken off or put on.
  auto removed = ReplacePromptLabels({v1, v2}, 1, {"staging", "latest"}, 8);
  ASSERT_TRUE(removed.ok());
  ASSERT_EQ(removed->size(), 1u);
  EXPECT_EQ((*removed)[0].labels, std::vector<std::string>{"staging"});
  auto cleared = ReplacePromptLabels({v1, v2}, 2, {}, 8);
  ASSERT_TRUE(cleared.ok());
  EXPECT_EQ((*cleared)[0].labels, std::vector<std::string>{"latest"});

  EXPECT_EQ(ReplacePromptLabels({v1, v2}, 2, {"Bad"}, 5).status().code(),
            StatusCode::kInvalidArgument);
  EXPECT_EQ(ReplacePromptLabels({v1, v2}, 3, {"x"}, 5).status().code(), StatusCode::kNotFound);
}

TEST(PromptVersions, LatestMovesToTheNewestRemainingVersion) {
  PromptVersion v1, v2;
  v1.version = 1;
  v2.version = 2;
  v2.labels = {"production"};
  auto relabelled = RelabelLatest({v1, v2}, 9);
  ASSERT_TRUE(relabelled.has_value());
  EXPECT_EQ(relabelled->version, 2);
  EXPECT_EQ(relabelled->labels, (std::vector<std::string>{"production", "latest"}));
  v2.labels.push_back("latest");
  EXPECT_FALSE(RelabelLatest({v1, v2}, 9).has_value());
  EXPECT_FALSE(RelabelLatest({}, 9).has_value());
}

TEST(PromptVariables, FoundInTextAndInChatContents) {
  EXPECT_EQ(PromptVariables(R"("{{a}} {{ b }} {{a}} {{ not closed {{c_1}} {{1x}}")"),
            (std::vector<std::string>{"a", "b", "c_1"}));
  EXPECT_EQ(PromptVariables(R"([{"role":"system","content":"{{persona}}"},)"
                            R"({"type":"placeholder","name":"h"},)"
                            R"({"role":"user","content":"{{q}} {{persona}}"}])"),
            (std::vector<std::string>{"persona", "q"}));
}

TEST(PromptSelection, ByVersionElseByLabel) {
  PromptVersion v1, v2;
  v1.version = 1;
  v1.labels = {"production"};
  v2.version = 2;
  v2.labels = {"latest"};
  std::vector<PromptVersion> versions = {v2, v1};
  EXPECT_EQ(SelectPromptVersion(versions, std::nullopt, "production")->version, 1);
  EXPECT_EQ(SelectPromptVersion(versions, std::nullopt, "latest")->version, 2);
  EXPECT_EQ(SelectPromptVersion(versions, 2, "production")->version, 2);
  EXPECT_EQ(SelectPromptVersion(versions, std::nullopt, "staging"), nullptr);
  EXPECT_EQ(SelectPromptVersion(versions, 3, ""), nullptr);
}

}  // namespace
}  // namespace lanterne
