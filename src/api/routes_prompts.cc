// Prompt management (LANGFUSE_API.md §6): /api/public/v2/prompts. Fetches are answered
// from the prompt cache with an ETag; writes go through the write pipeline (one writer,
// committed before the answer) and then drop the cache entry of the name they changed.
#include <algorithm>
#include <charconv>
#include <map>

#include "prompts/prompt.h"
#include "prompts/prompt_cache.h"

#include "api/api_context.h"
#include "api/query_params.h"
#include "api/responses.h"
#include "core/ids.h"
#include "core/time.h"

namespace lanterne {
namespace {

Response PromptResponse(int status, const PromptVersion& p) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  WritePromptJson(w, p);
  return JsonResponse(status, buffer);
}

// Browsers' public keys may send scores; prompts need the secret key.
std::optional<Response> RequireSecretKey(const AuthContext& auth) {
  if (auth.access == AccessLevel::kProject) return std::nullopt;
  return ErrorResponse(403, "Access denied - need to use basic auth with secret key to GET prompts",
                       "AccessDeniedError");
}

Result<std::optional<int64_t>> ReadVersion(const Request& request) {
  auto text = request.QueryValue("version");
  if (!text || text->empty()) return std::optional<int64_t>();
  int64_t version = 0;
  auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), version);
  if (ec != std::errc() || end != text->data() + text->size() || version < 1) {
    return Status::InvalidArgument("version: expected an integer ≥ 1, got \"" + *text + "\"");
  }
  return std::optional<int64_t>(version);
}

std::string NotFoundMessage(const std::string& name, std::optional<int64_t> version,
                            const std::string& label) {
  return "Prompt not found: '" + name + "' with " +
         (version ? "version " + std::to_string(*version) : "label '" + label + "'");
}

std::string ETagOf(const PromptVersion& p) {
  return "\"" + p.id + "-" + std::to_string(p.updated_at_us) + "\"";
}

Response GetPrompt(ApiContext& ctx, Request& request, const AuthContext& auth) {
  if (auto denied = RequireSecretKey(auth)) return *denied;
  const std::string& name = request.path_params[0];
  auto version = ReadVersion(request);
  if (!version.ok()) return ErrorResponse(version.status());
  auto label = request.QueryValue("label");
  if (*version && label && !label->empty()) {
    return ErrorResponse(Status::InvalidArgument("Cannot specify both version and label"));
  }
  const std::string wanted_label = label && !label->empty() ? *label : "production";
  auto versions = ctx.prompts.Get(auth.project_id, name);
  if (!versions.ok()) return ErrorResponse(versions.status());
  const PromptVersion* p = SelectPromptVersion(**versions, *version, wanted_label);
  if (!p) return ErrorResponse(Status::NotFound(NotFoundMessage(name, *version, wanted_label)));
  const std::string etag = ETagOf(*p);
  if (auto match = request.Header("if-none-match"); match && *match == etag) {
    Response not_modified;
    not_modified.status = 304;
    not_modified.headers.emplace_back("ETag", etag);
    return not_modified;
  }
  Response response = PromptResponse(200, *p);
  response.headers.emplace_back("ETag", etag);
  return response;
}

// One row per name: its versions, the union of their labels, the tags, the last update
// and the newest version's config.
Response ListPrompts(ApiContext& ctx, Request& request, const AuthContext& auth) {
  if (auto denied = RequireSecretKey(auth)) return *denied;
  auto page = ReadPage(request, /*default_limit=*/10);
  if (!page.ok()) return ErrorResponse(page.status());
  auto from = ReadTimestamp(request, "fromUpdatedAt");
  if (!from.ok()) return ErrorResponse(from.status());
  auto to = ReadTimestamp(request, "toUpdatedAt");
  if (!to.ok()) return ErrorResponse(to.status());
  auto name = request.QueryValue("name");
  auto label = request.QueryValue("label");
  auto tag = request.QueryValue("tag");
  auto all = ctx.store.AllPrompts(auth.project_id);
  if (!all.ok()) return ErrorResponse(all.status());

  struct Row {
    std::vector<const PromptVersion*> versions;  // newest first
    int64_t last_updated_us = 0;
  };
  std::map<std::string, Row> rows;
  for (const auto& v : *all) {
    if (name && !name->empty() && v.name != *name) continue;
    if (label && !label->empty() &&
        std::find(v.labels.begin(), v.labels.end(), *label) == v.labels.end()) {
      continue;
    }
    if (tag && !tag->empty() && std::find(v.tags.begin(), v.tags.end(), *tag) == v.tags.end()) {
      continue;
    }
    if (*from && v.updated_at_us < **from) continue;
    if (*to && v.updated_at_us >= **to) continue;
    Row& row = rows[v.name];
    row.versions.push_back(&v);
    row.last_updated_us = std::max(row.last_updated_us, v.updated_at_us);
  }
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  const int64_t first = (page->page - 1) * page->limit;
  int64_t index = 0;
  for (const auto& [prompt_name, row] : rows) {
    if (index++ < first || index > first + page->limit) continue;
    const PromptVersion& newest = *row.versions.front();
    w.StartObject();
    w.Key("name");
    WriteString(w, prompt_name);
    w.Key("type");
    WriteString(w, newest.type);
    w.Key("versions");
    w.StartArray();
    for (const auto* v : row.versions) w.Int64(v->version);
    w.EndArray();
    std::vector<std::string> labels;
    for (const auto* v : row.versions) {
      for (const auto& l : v->labels) {
        if (std::find(labels.begin(), labels.end(), l) == labels.end()) labels.push_back(l);
      }
    }
    w.Key("labels");
    WriteStringArray(w, labels);
    w.Key("tags");
    WriteStringArray(w, newest.tags);
    w.Key("lastUpdatedAt");
    WriteString(w, FormatIsoMillis(row.last_updated_us));
    w.Key("lastConfig");
    WriteRaw(w, newest.config_json);
    w.EndObject();
  }
  w.EndArray();
  WritePageMeta(w, page->page, page->limit, static_cast<int64_t>(rows.size()));
  w.EndObject();
  return JsonResponse(200, buffer);
}

Response CreatePrompt(ApiContext& ctx, Request& request, const AuthContext& auth) {
  if (auto denied = RequireSecretKey(auth)) return *denied;
  auto draft = ParsePromptDraft(request.body);
  if (!draft.ok()) return ErrorResponse(draft.status());
  PromptVersion created;
  Status written = ctx.pipeline.SubmitWrite([&](WriteTxn& txn) -> Status {
    auto existing = txn.PromptVersionsToUpdate(auth.project_id, draft->name);
    if (!existing.ok()) return existing.status();
    auto next = NextPromptVersion(*draft, *existing, auth.project_id, NowMicros());
    if (!next.ok()) return next.status();
    next->created.id = RandomUuid();
    for (const auto& changed : next->changed) LANTERNE_RETURN_IF_ERROR(txn.PutPrompt(changed));
    LANTERNE_RETURN_IF_ERROR(txn.PutPrompt(next->created));
    created = std::move(next->created);
    return Status::Ok();
  });
  if (!written.ok()) return ErrorResponse(written);
  ctx.prompts.Invalidate(auth.project_id, created.name);
  return PromptResponse(201, created);
}

Response UpdatePromptLabels(ApiContext& ctx, Request& request, const AuthContext& auth) {
  if (auto denied = RequireSecretKey(auth)) return *denied;
  const std::string& name = request.path_params[0];
  int64_t version = 0;
  const std::string& version_text = request.path_params[1];
  auto [end, ec] =
      std::from_chars(version_text.data(), version_text.data() + version_text.size(), version);
  if (ec != std::errc() || end != version_text.data() + version_text.size() || version < 1) {
    return ErrorResponse(Status::InvalidArgument("version: expected an integer ≥ 1"));
  }
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  simdjson::dom::array new_labels;
  if (parser.parse(request.body).get(root) || root["newLabels"].get_array().get(new_labels)) {
    return ErrorResponse(Status::InvalidArgument("newLabels: required, an array of strings"));
  }
  std::vector<std::string> labels;
  for (auto item : new_labels) {
    std::string_view label;
    if (item.get_string().get(label)) {
      return ErrorResponse(Status::InvalidArgument("newLabels: required, an array of strings"));
    }
    labels.emplace_back(label);
  }
  PromptVersion updated;
  Status written = ctx.pipeline.SubmitWrite([&](WriteTxn& txn) -> Status {
    auto existing = txn.PromptVersionsToUpdate(auth.project_id, name);
    if (!existing.ok()) return existing.status();
    auto changed = SetPromptLabels(*existing, version, labels, NowMicros());
    if (!changed.ok()) {
      if (changed.status().code() == StatusCode::kNotFound) {
        return Status::NotFound("Prompt not found: " + name);
      }
      return changed.status();
    }
    for (const auto& v : *changed) LANTERNE_RETURN_IF_ERROR(txn.PutPrompt(v));
    updated = changed->front();
    return Status::Ok();
  });
  if (!written.ok()) return ErrorResponse(written);
  ctx.prompts.Invalidate(auth.project_id, name);
  return PromptResponse(200, updated);
}

Response DeletePrompt(ApiContext& ctx, Request& request, const AuthContext& auth) {
  if (auto denied = RequireSecretKey(auth)) return *denied;
  const std::string& name = request.path_params[0];
  auto version = ReadVersion(request);
  if (!version.ok()) return ErrorResponse(version.status());
  auto label = request.QueryValue("label");
  if (*version && label && !label->empty()) {
    return ErrorResponse(Status::InvalidArgument("Cannot specify both version and label"));
  }
  Status written = ctx.pipeline.SubmitWrite([&](WriteTxn& txn) -> Status {
    auto existing = txn.PromptVersionsToUpdate(auth.project_id, name);
    if (!existing.ok()) return existing.status();
    std::optional<int64_t> target = *version;
    if (label && !label->empty()) {
      const PromptVersion* labelled = SelectPromptVersion(*existing, std::nullopt, *label);
      if (!labelled) return Status::NotFound(NotFoundMessage(name, std::nullopt, *label));
      target = labelled->version;
    }
    auto deleted = txn.DeletePrompts(auth.project_id, name, target);
    if (!deleted.ok()) return deleted.status();
    if (*deleted == 0) {
      return Status::NotFound(target ? NotFoundMessage(name, target, "")
                                     : "Prompt not found: '" + name + "'");
    }
    std::vector<PromptVersion> remaining;
    for (const auto& v : *existing) {
      if (target && v.version != *target) remaining.push_back(v);
    }
    if (auto relabelled = RelabelLatest(std::move(remaining), NowMicros())) {
      LANTERNE_RETURN_IF_ERROR(txn.PutPrompt(*relabelled));
    }
    return Status::Ok();
  });
  if (!written.ok()) return ErrorResponse(written);
  ctx.prompts.Invalidate(auth.project_id, name);
  Response response;
  response.status = 204;
  return response;
}

}  // namespace

Response PromptMetrics(ApiContext& ctx, Request& request, const AuthContext& auth) {
  auto name = request.QueryValue("name");
  if (!name || name->empty()) {
    return ErrorResponse(Status::InvalidArgument("name: required, the prompt's name"));
  }
  auto stats = ctx.store.PromptMetrics(auth.project_id, *name);
  if (!stats.ok()) return ErrorResponse(stats.status());
  auto write_optional = [](JsonWriter& w, const std::optional<double>& v) {
    if (v) {
      w.Double(*v);
    } else {
      w.Null();
    }
  };
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartObject();
  w.Key("data");
  w.StartArray();
  for (const auto& s : *stats) {
    w.StartObject();
    w.Key("version");
    w.Int64(s.version);
    w.Key("generations");
    w.Int64(s.generations);
    w.Key("medianLatency");
    write_optional(w, s.median_latency_s);
    w.Key("p90Latency");
    write_optional(w, s.p90_latency_s);
    w.Key("totalTokens");
    w.Int64(s.total_tokens);
    w.Key("totalCost");
    write_optional(w, s.total_cost);
    w.Key("scores");
    w.StartArray();
    for (const auto& score : s.scores) {
      w.StartObject();
      w.Key("name");
      WriteString(w, score.name);
      w.Key("average");
      w.Double(score.average);
      w.Key("count");
      w.Int64(score.count);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
  w.EndObject();
  return JsonResponse(200, buffer);
}

void ExportPromptHandlers(DataHandlers& out) {
  out.list_prompts = ListPrompts;
  out.get_prompt = GetPrompt;
  out.update_prompt_labels = UpdatePromptLabels;
  out.delete_prompt = DeletePrompt;
}

void RegisterPromptRoutes(Router& router, ApiContext& ctx) {
  // Bearer keys get the prompt-specific 403 from the handlers, as in Langfuse.
  router.Add("GET", "/api/public/v2/prompts", Authed(ctx, true, ListPrompts));
  router.Add("POST", "/api/public/v2/prompts", Authed(ctx, true, CreatePrompt));
  router.Add("GET", "/api/public/v2/prompts/{name}", Authed(ctx, true, GetPrompt));
  router.Add("DELETE", "/api/public/v2/prompts/{name}", Authed(ctx, true, DeletePrompt));
  router.Add("PATCH", "/api/public/v2/prompts/{name}/versions/{version}",
             Authed(ctx, true, UpdatePromptLabels));
}

}  // namespace lanterne
