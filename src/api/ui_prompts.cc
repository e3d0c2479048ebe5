#include "api/ui_prompts.h"

#include <algorithm>
#include <charconv>

#include "prompts/prompt.h"

#include "api/responses.h"
#include "core/ids.h"
#include "core/time.h"

namespace lanterne {
namespace {

bool HasLabel(const std::vector<std::string>& labels, std::string_view label) {
  return std::find(labels.begin(), labels.end(), label) != labels.end();
}

struct PromptWriteAccess {
  AuthContext auth;
  Role role = Role::kNone;
};

// prompts:CUD in the project of the path; its id (the first parameter) is removed, as
// ProjectData does, so the public handlers see the parameters they expect.
Result<PromptWriteAccess> ResolveWrite(UiState& state, Request& request, const UiCaller& caller) {
  auto access = ResolveProject(state, caller.user.id, request.path_params[0], Scope::kPromptsCud);
  if (!access.ok()) return access.status();
  request.path_params.erase(request.path_params.begin());
  return PromptWriteAccess{AuthContext{access->project.id, "", AccessLevel::kProject},
                           access->role};
}

Status CheckProtected(Role role) { return CheckScope(role, Scope::kPromptProtectedLabelsCud); }

// The array of strings at `key` in a JSON object body; nullopt when there is none.
std::optional<std::vector<std::string>> BodyLabels(const std::string& body, const char* key) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array array;
  if (parser.parse(body).get(root) || root[key].get_array().get(array)) return std::nullopt;
  std::vector<std::string> labels;
  for (auto item : array) {
    std::string_view label;
    if (item.get_string().get(label)) return std::nullopt;
    labels.emplace_back(label);
  }
  return labels;
}

std::optional<int64_t> ParseVersion(std::string_view text) {
  int64_t version = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), version);
  if (ec != std::errc() || end != text.data() + text.size() || version < 1) return std::nullopt;
  return version;
}

Response PromptJson(int status, const PromptVersion& p) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WritePromptJson(w, p);
  return JsonResponse(status, buffer);
}

// Whether deleting what the query names (`version`, `label`, else every version) would take
// the protected label away. Read before the delete's own transaction: a move of the label
// onto the version in between is not seen, a window of the length of one write.
bool DeleteTakesProtected(ApiContext& ctx, const Request& request, const std::string& project_id) {
  auto versions = ctx.prompts.Get(project_id, request.path_params[0]);
  if (!versions.ok()) return false;  // the handler reports the store's error
  auto version_text = request.QueryValue("version");
  auto label = request.QueryValue("label");
  std::optional<int64_t> version;
  if (version_text && !version_text->empty()) version = ParseVersion(*version_text);
  for (const auto& v : **versions) {
    bool targeted = version                    ? v.version == *version
                    : label && !label->empty() ? HasLabel(v.labels, *label)
                                               : true;
    if (targeted && HasLabel(v.labels, kProtectedPromptLabel)) return true;
  }
  return false;
}

}  // namespace

Response ListUiPromptVersions(ApiContext& ctx, Request& request, const AuthContext& auth) {
  const std::string& name = request.path_params[0];
  auto versions = ctx.prompts.Get(auth.project_id, name);
  if (!versions.ok()) return ErrorResponse(versions.status());
  if ((*versions)->empty()) {
    return ErrorResponse(Status::NotFound("Prompt not found: '" + name + "'"));
  }
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& v : **versions) WritePromptJson(w, v);
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, buffer);
}

// As the public CreatePrompt (routes_prompts.cc), but the version records who made it.
Response CreateUiPrompt(UiState& state, Request& request, const UiCaller& caller) {
  auto access = ResolveWrite(state, request, caller);
  if (!access.ok()) return ErrorResponse(access.status());
  auto draft = ParsePromptDraft(request.body);
  if (!draft.ok()) return ErrorResponse(draft.status());
  if (HasLabel(draft->labels, kProtectedPromptLabel)) {
    if (Status denied = CheckProtected(access->role); !denied.ok()) return ErrorResponse(denied);
  }
  const std::string& project_id = access->auth.project_id;
  PromptVersion created;
  Status written = state.ctx.pipeline.SubmitWrite([&](WriteTxn& txn) -> Status {
    auto existing = txn.PromptVersionsToUpdate(project_id, draft->name);
    if (!existing.ok()) return existing.status();
    auto next = NextPromptVersion(*draft, *existing, project_id, NowMicros());
    if (!next.ok()) return next.status();
    next->created.id = RandomUuid();
    next->created.created_by = caller.user.email;
    for (const auto& changed : next->changed) LANTERNE_RETURN_IF_ERROR(txn.PutPrompt(changed));
    LANTERNE_RETURN_IF_ERROR(txn.PutPrompt(next->created));
    created = std::move(next->created);
    return Status::Ok();
  });
  if (!written.ok()) return ErrorResponse(written);
  state.ctx.prompts.Invalidate(project_id, created.name);
  return PromptJson(201, created);
}

Response PatchUiPromptLabels(UiState& state, Request& request, const UiCaller& caller) {
  auto access = ResolveWrite(state, request, caller);
  if (!access.ok()) return ErrorResponse(access.status());
  // A body without newLabels gets the public handler's 400.
  auto labels = BodyLabels(request.body, "newLabels");
  if (labels && HasLabel(*labels, kProtectedPromptLabel)) {
    if (Status denied = CheckProtected(access->role); !denied.ok()) return ErrorResponse(denied);
  }
  return state.data.update_prompt_labels(state.ctx, request, access->auth);
}

Response PutUiPromptLabels(UiState& state, Request& request, const UiCaller& caller) {
  auto access = ResolveWrite(state, request, caller);
  if (!access.ok()) return ErrorResponse(access.status());
  const std::string& name = request.path_params[0];
  auto version = ParseVersion(request.path_params[1]);
  if (!version) return ErrorResponse(Status::InvalidArgument("version: expected an integer ≥ 1"));
  auto labels = BodyLabels(request.body, "labels");
  if (!labels)
    return ErrorResponse(Status::InvalidArgument("labels: required, an array of strings"));
  const std::string& project_id = access->auth.project_id;
  PromptVersion updated;
  Status written = state.ctx.pipeline.SubmitWrite([&](WriteTxn& txn) -> Status {
    auto existing = txn.PromptVersionsToUpdate(project_id, name);
    if (!existing.ok()) return existing.status();
    auto changed = ReplacePromptLabels(*existing, *version, *labels, NowMicros());
    if (!changed.ok()) {
      if (changed.status().code() == StatusCode::kNotFound) {
        return Status::NotFound("Prompt not found: '" + name + "' with version " +
                                std::to_string(*version));
      }
      return changed.status();
    }
    // Decided inside the write, against the committed labels: a concurrent move cannot
    // make a MEMBER's edit take the protected label off.
    auto before = std::find_if(existing->begin(), existing->end(),
                               [&](const PromptVersion& v) { return v.version == *version; });
    if (HasLabel(before->labels, kProtectedPromptLabel) !=
        HasLabel(changed->front().labels, kProtectedPromptLabel)) {
      LANTERNE_RETURN_IF_ERROR(CheckProtected(access->role));
    }
    for (const auto& v : *changed) LANTERNE_RETURN_IF_ERROR(txn.PutPrompt(v));
    updated = changed->front();
    return Status::Ok();
  });
  if (!written.ok()) return ErrorResponse(written);
  state.ctx.prompts.Invalidate(project_id, name);
  return PromptJson(200, updated);
}

Response DeleteUiPrompt(UiState& state, Request& request, const UiCaller& caller) {
  auto access = ResolveWrite(state, request, caller);
  if (!access.ok()) return ErrorResponse(access.status());
  if (DeleteTakesProtected(state.ctx, request, access->auth.project_id)) {
    if (Status denied = CheckProtected(access->role); !denied.ok()) return ErrorResponse(denied);
  }
  return state.data.delete_prompt(state.ctx, request, access->auth);
}

}  // namespace lanterne
