// Prompt management (LANGFUSE_API.md §6): prompts are named, immutably versioned texts or
// chat message lists with a JSON config, labels (at most one version per label per name;
// `latest` follows the newest version) and tags (shared by all versions of a name).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/json.h"
#include "core/status.h"

namespace lanterne {

struct PromptVersion {
  std::string project_id;
  std::string id;
  std::string name;
  int64_t version = 0;
  std::string type;         // "text" or "chat"
  std::string prompt_json;  // a JSON string (text) or array of messages (chat)
  std::string config_json = "{}";
  std::vector<std::string> labels;
  std::vector<std::string> tags;
  std::optional<std::string> commit_message;
  std::string created_by = "API";
  int64_t created_at_us = 0;
  int64_t updated_at_us = 0;
};

// What POST /v2/prompts asks for, validated on its own; the rules that need the existing
// versions (type change, tag inheritance) are applied by NextPromptVersion.
struct PromptDraft {
  std::string name;
  std::string type;
  std::string prompt_json;
  std::string config_json = "{}";
  std::vector<std::string> labels;
  std::optional<std::vector<std::string>> tags;  // absent: inherit the previous version's
  std::optional<std::string> commit_message;
};

// Parses and validates a create body; InvalidArgument naming the field.
Result<PromptDraft> ParsePromptDraft(std::string_view body);

// Name rules: non-empty, at most 255 characters, no `|`, no HTML tags, not a reserved word.
Status ValidatePromptName(std::string_view name);
// Label rules: ^[a-z0-9_\-.]+$, at most 36 characters.
Status ValidatePromptLabel(std::string_view label);

// The version `draft` becomes, given every existing version of its name (any order), and
// the changes to the existing ones: labels it takes from them, tags it replaces.
struct PromptCreation {
  PromptVersion created;
  std::vector<PromptVersion> changed;  // existing versions whose labels or tags changed
};
Result<PromptCreation> NextPromptVersion(const PromptDraft& draft,
                                         const std::vector<PromptVersion>& existing,
                                         const std::string& project_id, int64_t now_us);

// Moves `labels` onto version `version` (PATCH .../versions/{version}): they leave every
// other version. Returns the versions that changed, the target first; NotFound if the
// version does not exist; InvalidArgument for `latest` or a malformed label.
Result<std::vector<PromptVersion>> SetPromptLabels(const std::vector<PromptVersion>& existing,
                                                   int64_t version,
                                                   const std::vector<std::string>& labels,
                                                   int64_t now_us);

// The UI's label editor (PUT .../versions/{version}/labels): version `version` gets exactly
// `labels`, which may add and remove; `latest` follows the newest version by itself, so it is
// kept or left off as it was whatever `labels` says. Labels the version did not have leave
// every other version. Returns the target (first) and the other versions that changed;
// NotFound if the version does not exist; InvalidArgument for a malformed label.
Result<std::vector<PromptVersion>> ReplacePromptLabels(const std::vector<PromptVersion>& existing,
                                                       int64_t version,
                                                       const std::vector<std::string>& labels,
                                                       int64_t now_us);

// The protected label: putting it on or taking it off a version needs more rights
// (promptProtectedLabels:CUD in the UI) than the other labels.
inline constexpr std::string_view kProtectedPromptLabel = "production";

// After versions are deleted, `latest` moves to the newest one left (if any lacks it).
std::optional<PromptVersion> RelabelLatest(std::vector<PromptVersion> remaining, int64_t now_us);

// The `{{variable}}` names in a text prompt or in the contents of a chat prompt's messages,
// in order of first appearance, without repeats.
std::vector<std::string> PromptVariables(std::string_view prompt_json);

// What the generations linked to one version measured (the prompt page compares versions).
struct PromptVersionStats {
  int64_t version = 0;
  int64_t generations = 0;
  std::optional<double> median_latency_s, p90_latency_s;  // over finished generations
  int64_t total_tokens = 0;
  std::optional<double> total_cost;  // USD; nullopt when no generation has a cost
  struct Score {
    std::string name;
    double average = 0;
    int64_t count = 0;
  };
  std::vector<Score> scores;  // numeric and boolean scores of the linked traces, by name
};

// The prompt object of the API.
void WritePromptJson(JsonWriter& w, const PromptVersion& p);

}  // namespace lanterne
