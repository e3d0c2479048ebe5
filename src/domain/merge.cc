#include "domain/merge.h"

#include <algorithm>
#include <utility>

#include "core/json.h"

namespace lanterne {
namespace {

void MergeOptional(std::optional<std::string>& target, const Patch<std::string>& patch) {
  if (patch.is_set()) {
    target = patch.value;
  } else if (patch.is_null()) {
    target.reset();
  }
}

void MergeIfSet(std::optional<std::string>& target, const std::optional<std::string>& value) {
  if (value) target = value;
}

void MergeMetadata(std::string& target, const std::optional<std::string>& patch) {
  if (!patch) return;
  target = target == "{}" ? *patch : MergeJsonObjects(target, *patch);
}

void UnionTags(std::vector<std::string>& target, const std::vector<std::string>& added) {
  if (added.empty()) return;
  target.insert(target.end(), added.begin(), added.end());
  std::sort(target.begin(), target.end());
  target.erase(std::unique(target.begin(), target.end()), target.end());
}

}  // namespace

void ApplyTracePatch(TraceRecord& r, const TracePatch& p, int64_t event_time_us, bool is_new,
                     int64_t now_us) {
  if (is_new) {
    r.id = p.id;
    r.timestamp_us = p.timestamp_us.value_or(p.earliest_timestamp_us.value_or(event_time_us));
    r.environment = p.environment.value_or("default");
    r.created_at_us = now_us;
  } else if (p.earliest_timestamp_us && *p.earliest_timestamp_us < r.timestamp_us) {
    // The trace time is otherwise fixed by the first write; a span that started earlier
    // moves it back.
    r.timestamp_us = *p.earliest_timestamp_us;
  }
  MergeOptional(r.name, p.name);
  MergeOptional(r.user_id, p.user_id);
  MergeOptional(r.session_id, p.session_id);
  MergeOptional(r.release, p.release);
  MergeOptional(r.version, p.version);
  MergeIfSet(r.input, p.input);
  MergeIfSet(r.output, p.output);
  MergeMetadata(r.metadata, p.metadata);
  UnionTags(r.tags, p.tags);
  if (p.is_public) r.is_public = *p.is_public;
  r.updated_at_us = now_us;
}

void ApplyObservationPatch(ObservationRecord& r, const ObservationPatch& p, int64_t event_time_us,
                           bool is_new, int64_t now_us) {
  if (is_new) {
    r.id = p.id;
    r.type = p.type;
    r.start_time_us = p.start_time_us.value_or(event_time_us);
    r.environment = p.environment.value_or("default");
    r.created_at_us = now_us;
  } else if (!p.is_update) {
    // A create that follows an update (events can arrive out of order) decides the type.
    r.type = p.type;
  }
  if (r.trace_id.empty() && p.trace_id) r.trace_id = *p.trace_id;
  if (p.end_time_us) r.end_time_us = p.end_time_us;
  if (r.end_time_us && *r.end_time_us < r.start_time_us) r.end_time_us = r.start_time_us;
  if (p.completion_start_time_us) r.completion_start_time_us = p.completion_start_time_us;
  MergeOptional(r.name, p.name);
  MergeOptional(r.model, p.model);
  if (p.level.is_set()) {
    r.level = p.level.value;
  } else if (p.level.is_null()) {
    r.level = Level::kDefault;
  }
  MergeIfSet(r.status_message, p.status_message);
  MergeIfSet(r.parent_observation_id, p.parent_observation_id);
  MergeIfSet(r.version, p.version);
  MergeIfSet(r.input, p.input);
  MergeIfSet(r.output, p.output);
  MergeIfSet(r.model_parameters, p.model_parameters);
  MergeMetadata(r.metadata, p.metadata);
  if (!p.usage_details.empty()) {
    r.usage_details = p.usage_details;
    r.usage_calculated = false;
  }
  if (!p.cost_details.empty()) {
    r.cost_details = p.cost_details;
    r.cost_calculated = false;
  }
  if (p.usage_unit) r.usage_unit = p.usage_unit;
  if (p.prompt_name && p.prompt_version) {
    r.prompt_name = p.prompt_name;
    r.prompt_version = p.prompt_version;
  }
  r.updated_at_us = now_us;
}

namespace {

// Moves or copies, as `From` is an rvalue or an lvalue.
template <typename From>
void TransferDerivedFields(From&& from, ObservationRecord& to) {
  to.usage_details = std::forward<From>(from).usage_details;
  to.cost_details = std::forward<From>(from).cost_details;
  to.usage_unit = std::forward<From>(from).usage_unit;
  to.model_id = std::forward<From>(from).model_id;
  to.pricing_tier_id = std::forward<From>(from).pricing_tier_id;
  to.pricing_tier_name = std::forward<From>(from).pricing_tier_name;
  to.input_price = from.input_price;
  to.output_price = from.output_price;
  to.total_price = from.total_price;
  to.usage_calculated = from.usage_calculated;
  to.cost_calculated = from.cost_calculated;
}

}  // namespace

void CopyDerivedFields(const ObservationRecord& from, ObservationRecord& to) {
  TransferDerivedFields(from, to);
}

void MoveDerivedFields(ObservationRecord&& from, ObservationRecord& to) {
  TransferDerivedFields(std::move(from), to);
}

void ApplyScorePatch(ScoreRecord& r, const ScorePatch& p, bool is_new, int64_t now_us) {
  ScoreRecord merged = p;
  merged.project_id = r.project_id;
  if (!is_new) {
    merged.timestamp_us = r.timestamp_us;
    merged.environment = r.environment;
    merged.created_at_us = r.created_at_us;
    if (r.trace_id) merged.trace_id = r.trace_id;
  } else {
    merged.created_at_us = now_us;
  }
  merged.updated_at_us = now_us;
  r = std::move(merged);
}

}  // namespace lanterne
