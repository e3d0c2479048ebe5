#include "prompts/prompt.h"

#include <algorithm>
#include <set>

#include "core/time.h"

namespace lanterne {
namespace {

constexpr size_t kMaxNameLength = 255;
constexpr size_t kMaxLabelLength = 36;
constexpr size_t kMaxCommitMessage = 500;

bool IsIdentifierStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
}
bool IsIdentifierChar(char c) { return IsIdentifierStart(c) || (c >= '0' && c <= '9'); }

bool IsPlaceholderName(std::string_view name) {
  if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || (name[0] >= 'A' && name[0] <= 'Z'))) {
    return false;
  }
  return std::all_of(name.begin(), name.end(), IsIdentifierChar);
}

// `{{ name }}` occurrences in one text, appended to `out` when new.
void CollectVariables(std::string_view text, std::vector<std::string>& out) {
  size_t pos = 0;
  while ((pos = text.find("{{", pos)) != std::string_view::npos) {
    size_t i = pos + 2;
    while (i < text.size() && text[i] == ' ') ++i;
    size_t start = i;
    if (i < text.size() && IsIdentifierStart(text[i])) {
      while (i < text.size() && IsIdentifierChar(text[i])) ++i;
      size_t end = i;
      while (i < text.size() && text[i] == ' ') ++i;
      if (text.substr(i, 2) == "}}") {
        std::string name(text.substr(start, end - start));
        if (std::find(out.begin(), out.end(), name) == out.end()) out.push_back(std::move(name));
        pos = i + 2;
        continue;
      }
    }
    pos += 2;
  }
}

Result<std::vector<std::string>> ReadStringArray(simdjson::dom::element value, const char* field) {
  std::vector<std::string> out;
  if (value.is_null()) return out;
  simdjson::dom::array array;
  if (value.get_array().get(array)) {
    return Status::InvalidArgument(std::string(field) + ": expected an array of strings");
  }
  for (auto item : array) {
    std::string_view s;
    if (item.get_string().get(s)) {
      return Status::InvalidArgument(std::string(field) + ": expected an array of strings");
    }
    if (std::find(out.begin(), out.end(), s) == out.end()) out.emplace_back(s);
  }
  return out;
}

// Chat messages as stored: {role, content} or {type: "placeholder", name}; a client's
// `type: "chatmessage"` is dropped, as Langfuse does.
Result<std::string> NormalizeChatMessages(simdjson::dom::element prompt) {
  simdjson::dom::array messages;
  if (prompt.get_array().get(messages)) {
    return Status::InvalidArgument("prompt: a chat prompt is an array of messages");
  }
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartArray();
  size_t index = 0;
  for (auto message : messages) {
    const std::string where = "prompt[" + std::to_string(index++) + "]";
    simdjson::dom::object object;
    if (message.get_object().get(object)) {
      return Status::InvalidArgument(where + ": expected an object");
    }
    std::string_view type;
    if (!object["type"].get_string().get(type) && type == "placeholder") {
      std::string_view name;
      if (object["name"].get_string().get(name) || !IsPlaceholderName(name)) {
        return Status::InvalidArgument(where +
                                       ".name: a placeholder needs a name matching "
                                       "^[a-zA-Z][a-zA-Z0-9_]*$");
      }
      w.StartObject();
      w.Key("type");
      w.String("placeholder");
      w.Key("name");
      WriteString(w, name);
      w.EndObject();
      continue;
    }
    std::string_view role, content;
    if (object["role"].get_string().get(role)) {
      return Status::InvalidArgument(where + ".role: expected a string");
    }
    if (object["content"].get_string().get(content)) {
      return Status::InvalidArgument(where + ".content: expected a string");
    }
    w.StartObject();
    w.Key("role");
    WriteString(w, role);
    w.Key("content");
    WriteString(w, content);
    w.EndObject();
  }
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

std::vector<std::string> PlaceholderNames(std::string_view prompt_json) {
  std::vector<std::string> names;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array messages;
  if (parser.parse(prompt_json.data(), prompt_json.size()).get(root) ||
      root.get_array().get(messages)) {
    return names;
  }
  for (auto message : messages) {
    std::string_view type, name;
    if (!message["type"].get_string().get(type) && type == "placeholder" &&
        !message["name"].get_string().get(name)) {
      names.emplace_back(name);
    }
  }
  return names;
}

void AddUnique(std::vector<std::string>& labels, const std::string& label) {
  if (std::find(labels.begin(), labels.end(), label) == labels.end()) labels.push_back(label);
}

bool RemoveAll(std::vector<std::string>& labels, const std::vector<std::string>& gone) {
  size_t before = labels.size();
  labels.erase(std::remove_if(labels.begin(), labels.end(),
                              [&](const std::string& l) {
                                return std::find(gone.begin(), gone.end(), l) != gone.end();
                              }),
               labels.end());
  return labels.size() != before;
}

}  // namespace

Status ValidatePromptName(std::string_view name) {
  if (name.empty()) return Status::InvalidArgument("name: must not be empty");
  if (name.size() > kMaxNameLength) {
    return Status::InvalidArgument("name: at most 255 characters");
  }
  if (name.find('|') != std::string_view::npos) {
    return Status::InvalidArgument("name: must not contain '|'");
  }
  if (name.find('<') != std::string_view::npos && name.find('>') != std::string_view::npos) {
    return Status::InvalidArgument("name: must not contain HTML tags");
  }
  if (name == "new" || name == "metrics" || name == "prompt-detail") {
    return Status::InvalidArgument("name: '" + std::string(name) + "' is reserved");
  }
  if (name.front() == '/' || name.back() == '/' || name.find("//") != std::string_view::npos) {
    return Status::InvalidArgument("name: folders ('/') must not be empty");
  }
  return Status::Ok();
}

Status ValidatePromptLabel(std::string_view label) {
  if (label.empty() || label.size() > kMaxLabelLength) {
    return Status::InvalidArgument("labels: '" + std::string(label) +
                                   "' must have 1 to 36 characters");
  }
  for (char c : label) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-' || c == '.';
    if (!ok) {
      return Status::InvalidArgument("labels: '" + std::string(label) +
                                     "' may only contain lowercase letters, digits, '_', '-' "
                                     "and '.'");
    }
  }
  return Status::Ok();
}

Result<PromptDraft> ParsePromptDraft(std::string_view body) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::object object;
  if (parser.parse(body.data(), body.size()).get(root) || root.get_object().get(object)) {
    return Status::InvalidArgument("Invalid request body: expected a JSON object");
  }
  PromptDraft draft;
  std::string_view name;
  if (object["name"].get_string().get(name)) {
    return Status::InvalidArgument("name: required, a string");
  }
  draft.name = std::string(name);
  LANTERNE_RETURN_IF_ERROR(ValidatePromptName(draft.name));

  simdjson::dom::element prompt;
  if (object["prompt"].get(prompt) || prompt.is_null()) {
    return Status::InvalidArgument("prompt: required");
  }
  std::string_view type = prompt.is_array() ? "chat" : "text";
  simdjson::dom::element type_value;
  if (!object["type"].get(type_value) && !type_value.is_null()) {
    if (type_value.get_string().get(type) || (type != "text" && type != "chat")) {
      return Status::InvalidArgument("type: expected \"text\" or \"chat\"");
    }
  }
  draft.type = std::string(type);
  if (draft.type == "text") {
    std::string_view text;
    if (prompt.get_string().get(text)) {
      return Status::InvalidArgument("prompt: a text prompt is a string");
    }
    draft.prompt_json = JsonQuote(text);
  } else {
    auto messages = NormalizeChatMessages(prompt);
    if (!messages.ok()) return messages.status();
    draft.prompt_json = std::move(messages).value();
    const auto placeholders = PlaceholderNames(draft.prompt_json);
    for (const auto& variable : PromptVariables(draft.prompt_json)) {
      if (std::find(placeholders.begin(), placeholders.end(), variable) != placeholders.end()) {
        return Status::InvalidArgument("prompt: '" + variable +
                                       "' is both a variable and a placeholder name");
      }
    }
  }

  simdjson::dom::element config;
  if (!object["config"].get(config) && !config.is_null()) draft.config_json = ToJsonText(config);

  simdjson::dom::element labels;
  if (!object["labels"].get(labels)) {
    auto parsed = ReadStringArray(labels, "labels");
    if (!parsed.ok()) return parsed.status();
    for (const auto& label : *parsed) LANTERNE_RETURN_IF_ERROR(ValidatePromptLabel(label));
    draft.labels = std::move(parsed).value();
  }
  simdjson::dom::element tags;
  if (!object["tags"].get(tags) && !tags.is_null()) {
    auto parsed = ReadStringArray(tags, "tags");
    if (!parsed.ok()) return parsed.status();
    draft.tags = std::move(parsed).value();
  }
  simdjson::dom::element commit;
  if (!object["commitMessage"].get(commit) && !commit.is_null()) {
    std::string_view message;
    if (commit.get_string().get(message)) {
      return Status::InvalidArgument("commitMessage: expected a string");
    }
    if (message.size() > kMaxCommitMessage) {
      return Status::InvalidArgument("commitMessage: at most 500 characters");
    }
    draft.commit_message = std::string(message);
  }
  return draft;
}

Result<PromptCreation> NextPromptVersion(const PromptDraft& draft,
                                         const std::vector<PromptVersion>& existing,
                                         const std::string& project_id, int64_t now_us) {
  const PromptVersion* newest = nullptr;
  for (const auto& v : existing) {
    if (!newest || v.version > newest->version) newest = &v;
  }
  if (newest && newest->type != draft.type) {
    return Status::InvalidArgument(
        "type: previous versions of this prompt are of type '" + newest->type +
        "'; create a new prompt with a different name to change the type");
  }
  PromptCreation result;
  PromptVersion& p = result.created;
  p.project_id = project_id;
  p.name = draft.name;
  p.version = newest ? newest->version + 1 : 1;
  p.type = draft.type;
  p.prompt_json = draft.prompt_json;
  p.config_json = draft.config_json;
  p.labels = draft.labels;
  AddUnique(p.labels, "latest");
  p.tags = draft.tags ? *draft.tags : (newest ? newest->tags : std::vector<std::string>{});
  p.commit_message = draft.commit_message;
  p.created_at_us = p.updated_at_us = now_us;
  for (PromptVersion v : existing) {
    bool changed = RemoveAll(v.labels, p.labels);
    if (draft.tags && v.tags != *draft.tags) {
      v.tags = *draft.tags;
      changed = true;
    }
    if (changed) {
      v.updated_at_us = now_us;
      result.changed.push_back(std::move(v));
    }
  }
  return result;
}

Result<std::vector<PromptVersion>> SetPromptLabels(const std::vector<PromptVersion>& existing,
                                                   int64_t version,
                                                   const std::vector<std::string>& labels,
                                                   int64_t now_us) {
  std::vector<std::string> wanted;
  for (const auto& label : labels) {
    if (label == "latest") {
      return Status::InvalidArgument(
          "newLabels: 'latest' is set automatically on the newest version and cannot be set");
    }
    LANTERNE_RETURN_IF_ERROR(ValidatePromptLabel(label));
    AddUnique(wanted, label);
  }
  auto target = std::find_if(existing.begin(), existing.end(),
                             [&](const PromptVersion& v) { return v.version == version; });
  if (target == existing.end()) return Status::NotFound("Prompt version not found");
  std::vector<PromptVersion> changed;
  PromptVersion updated = *target;
  // Labels the version already has stay; `newLabels` adds to them, as in Langfuse.
  std::vector<std::string> merged = wanted;
  for (const auto& label : target->labels) AddUnique(merged, label);
  updated.labels = std::move(merged);
  updated.updated_at_us = now_us;
  changed.push_back(std::move(updated));
  for (PromptVersion v : existing) {
    if (v.version == version) continue;
    if (RemoveAll(v.labels, wanted)) {
      v.updated_at_us = now_us;
      changed.push_back(std::move(v));
    }
  }
  return changed;
}

Result<std::vector<PromptVersion>> ReplacePromptLabels(const std::vector<PromptVersion>& existing,
                                                       int64_t version,
                                                       const std::vector<std::string>& labels,
                                                       int64_t now_us) {
  std::vector<std::string> wanted;
  for (const auto& label : labels) {
    if (label == "latest") continue;
    LANTERNE_RETURN_IF_ERROR(ValidatePromptLabel(label));
    AddUnique(wanted, label);
  }
  auto target = std::find_if(existing.begin(), existing.end(),
                             [&](const PromptVersion& v) { return v.version == version; });
  if (target == existing.end()) return Status::NotFound("Prompt version not found");
  std::vector<std::string> added;
  for (const auto& label : wanted) {
    if (std::find(target->labels.begin(), target->labels.end(), label) == target->labels.end()) {
      added.push_back(label);
    }
  }
  PromptVersion updated = *target;
  updated.labels = wanted;
  if (std::find(target->labels.begin(), target->labels.end(), "latest") != target->labels.end()) {
    updated.labels.push_back("latest");
  }
  updated.updated_at_us = now_us;
  std::vector<PromptVersion> changed{std::move(updated)};
  for (PromptVersion v : existing) {
    if (v.version == version) continue;
    if (RemoveAll(v.labels, added)) {
      v.updated_at_us = now_us;
      changed.push_back(std::move(v));
    }
  }
  return changed;
}

std::optional<PromptVersion> RelabelLatest(std::vector<PromptVersion> remaining, int64_t now_us) {
  if (remaining.empty()) return std::nullopt;
  auto newest = std::max_element(
      remaining.begin(), remaining.end(),
      [](const PromptVersion& a, const PromptVersion& b) { return a.version < b.version; });
  if (std::find(newest->labels.begin(), newest->labels.end(), "latest") != newest->labels.end()) {
    return std::nullopt;
  }
  newest->labels.push_back("latest");
  newest->updated_at_us = now_us;
  return *newest;
}

std::vector<std::string> PromptVariables(std::string_view prompt_json) {
  std::vector<std::string> out;
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(prompt_json.data(), prompt_json.size()).get(root)) return out;
  std::string_view text;
  if (!root.get_string().get(text)) {
    CollectVariables(text, out);
    return out;
  }
  simdjson::dom::array messages;
  if (root.get_array().get(messages)) return out;
  for (auto message : messages) {
    std::string_view content;
    if (!message["content"].get_string().get(content)) CollectVariables(content, out);
  }
  return out;
}

void WritePromptJson(JsonWriter& w, const PromptVersion& p) {
  w.StartObject();
  w.Key("id");
  WriteString(w, p.id);
  w.Key("createdAt");
  WriteString(w, FormatIsoMillis(p.created_at_us));
  w.Key("updatedAt");
  WriteString(w, FormatIsoMillis(p.updated_at_us));
  w.Key("projectId");
  WriteString(w, p.project_id);
  w.Key("createdBy");
  WriteString(w, p.created_by);
  w.Key("name");
  WriteString(w, p.name);
  w.Key("version");
  w.Int64(p.version);
  w.Key("type");
  WriteString(w, p.type);
  w.Key("prompt");
  WriteRaw(w, p.prompt_json);
  w.Key("config");
  WriteRaw(w, p.config_json);
  w.Key("labels");
  WriteStringArray(w, p.labels);
  w.Key("tags");
  WriteStringArray(w, p.tags);
  w.Key("commitMessage");
  WriteOptString(w, p.commit_message);
  w.Key("resolutionGraph");
  w.Null();
  w.Key("isActive");
  w.Bool(std::find(p.labels.begin(), p.labels.end(), "production") != p.labels.end());
  w.EndObject();
}

}  // namespace lanterne
