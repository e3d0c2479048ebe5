#include "api/render.h"

#include "core/time.h"

namespace lanterne {

void WriteTimestamp(JsonWriter& w, int64_t unix_us) { WriteString(w, FormatIsoMillis(unix_us)); }

void WriteOptTimestamp(JsonWriter& w, const std::optional<int64_t>& unix_us) {
  if (unix_us) {
    WriteTimestamp(w, *unix_us);
  } else {
    w.Null();
  }
}

double TraceLatencySeconds(const TraceRollup& rollup) {
  if (!rollup.first_start_us || !rollup.last_end_us) return 0;
  return static_cast<double>(*rollup.last_end_us - *rollup.first_start_us) / 1e6;
}

void WriteTraceFields(JsonWriter& w, const TraceRecord& t) {
  w.Key("id");
  WriteString(w, t.id);
  w.Key("timestamp");
  WriteTimestamp(w, t.timestamp_us);
  w.Key("name");
  WriteOptString(w, t.name);
  w.Key("input");
  WriteRawOrNull(w, t.input);
  w.Key("output");
  WriteRawOrNull(w, t.output);
  w.Key("sessionId");
  WriteOptString(w, t.session_id);
  w.Key("release");
  WriteOptString(w, t.release);
  w.Key("version");
  WriteOptString(w, t.version);
  w.Key("userId");
  WriteOptString(w, t.user_id);
  w.Key("metadata");
  WriteRaw(w, t.metadata);
  w.Key("tags");
  WriteStringArray(w, t.tags);
  w.Key("public");
  w.Bool(t.is_public);
  w.Key("environment");
  WriteString(w, t.environment);
  w.Key("externalId");
  w.Null();
  w.Key("projectId");
  WriteString(w, t.project_id);
  w.Key("bookmarked");
  w.Bool(t.bookmarked);
  w.Key("createdAt");
  WriteTimestamp(w, t.created_at_us);
  w.Key("updatedAt");
  WriteTimestamp(w, t.updated_at_us);
  w.Key("htmlPath");
  WriteString(w, "/project/" + t.project_id + "/traces/" + t.id);
}

void WriteTraceSummary(JsonWriter& w, const TraceRecord& t, const TraceRollup& rollup,
                       bool with_metrics, const TraceTableExtras* extras) {
  w.StartObject();
  WriteTraceFields(w, t);
  w.Key("latency");
  w.Double(with_metrics ? TraceLatencySeconds(rollup) : -1);
  w.Key("totalCost");
  w.Double(with_metrics ? rollup.total_cost : -1);
  w.Key("observations");
  WriteStringArray(w, rollup.observation_ids);
  w.Key("scores");
  WriteStringArray(w, rollup.score_ids);
  if (extras) WriteTraceTableExtras(w, *extras);
  w.EndObject();
}

void WriteTraceTableExtras(JsonWriter& w, const TraceTableExtras& extras) {
  w.Key("inputTokens");
  w.Int64(extras.input_tokens);
  w.Key("outputTokens");
  w.Int64(extras.output_tokens);
  w.Key("totalTokens");
  w.Int64(extras.total_tokens);
  w.Key("scoreAggregates");
  w.StartArray();
  for (const auto& a : extras.scores) {
    w.StartObject();
    w.Key("name");
    WriteString(w, a.name);
    w.Key("dataType");
    WriteString(w, ScoreDataTypeName(a.data_type));
    w.Key("count");
    w.Int64(a.count);
    w.Key("average");
    if (a.data_type == ScoreDataType::kCategorical) {
      w.Null();
    } else {
      w.Double(a.average);
    }
    w.Key("values");
    w.StartArray();
    for (const auto& [value, count] : a.values) {
      w.StartObject();
      w.Key("value");
      WriteString(w, value);
      w.Key("count");
      w.Int64(count);
      w.EndObject();
    }
    w.EndArray();
    w.EndObject();
  }
  w.EndArray();
}

namespace {

void WriteOptInt(JsonWriter& w, const std::optional<int64_t>& v) {
  if (v) {
    w.Int64(*v);
  } else {
    w.Null();
  }
}

void WriteOptDouble(JsonWriter& w, const std::optional<double>& v) {
  if (v) {
    w.Double(*v);
  } else {
    w.Null();
  }
}

std::optional<int64_t> UsageOf(const ObservationRecord& o, const char* key) {
  auto it = o.usage_details.find(key);
  if (it == o.usage_details.end()) return std::nullopt;
  return it->second;
}

std::optional<double> CostOf(const ObservationRecord& o, const char* key) {
  auto it = o.cost_details.find(key);
  if (it == o.cost_details.end()) return std::nullopt;
  return it->second;
}

}  // namespace

void WriteObservation(JsonWriter& w, const ObservationRecord& o) {
  w.StartObject();
  w.Key("id");
  WriteString(w, o.id);
  w.Key("projectId");
  WriteString(w, o.project_id);
  w.Key("traceId");
  WriteString(w, o.trace_id);
  w.Key("parentObservationId");
  WriteOptString(w, o.parent_observation_id);
  w.Key("name");
  WriteOptString(w, o.name);
  w.Key("type");
  WriteString(w, ObservationTypeName(o.type));
  w.Key("environment");
  WriteString(w, o.environment);
  w.Key("startTime");
  WriteTimestamp(w, o.start_time_us);
  w.Key("endTime");
  WriteOptTimestamp(w, o.end_time_us);
  w.Key("completionStartTime");
  WriteOptTimestamp(w, o.completion_start_time_us);
  w.Key("version");
  WriteOptString(w, o.version);
  w.Key("createdAt");
  WriteTimestamp(w, o.created_at_us);
  w.Key("updatedAt");
  WriteTimestamp(w, o.updated_at_us);
  w.Key("input");
  WriteRawOrNull(w, o.input);
  w.Key("output");
  WriteRawOrNull(w, o.output);
  w.Key("metadata");
  WriteRaw(w, o.metadata);
  w.Key("level");
  WriteString(w, LevelName(o.level));
  w.Key("statusMessage");
  WriteOptString(w, o.status_message);
  w.Key("model");
  WriteOptString(w, o.model);
  w.Key("modelParameters");
  WriteRawOrNull(w, o.model_parameters);
  w.Key("promptId");
  w.Null();
  w.Key("promptName");
  WriteOptString(w, o.prompt_name);
  w.Key("promptVersion");
  WriteOptInt(w, o.prompt_version);
  w.Key("usageDetails");
  w.StartObject();
  for (const auto& [key, value] : o.usage_details) {
    WriteString(w, key);
    w.Int64(value);
  }
  w.EndObject();
  w.Key("costDetails");
  w.StartObject();
  for (const auto& [key, value] : o.cost_details) {
    WriteString(w, key);
    w.Double(value);
  }
  w.EndObject();
  auto input = UsageOf(o, "input"), output = UsageOf(o, "output"), total = UsageOf(o, "total");
  std::string unit = o.usage_unit.value_or("TOKENS");
  w.Key("usage");
  w.StartObject();
  w.Key("unit");
  WriteString(w, unit);
  w.Key("input");
  w.Int64(input.value_or(0));
  w.Key("output");
  w.Int64(output.value_or(0));
  w.Key("total");
  w.Int64(total.value_or(0));
  w.EndObject();
  w.Key("unit");
  WriteString(w, unit);
  w.Key("promptTokens");
  w.Int64(input.value_or(0));
  w.Key("completionTokens");
  w.Int64(output.value_or(0));
  w.Key("totalTokens");
  w.Int64(total.value_or(0));
  w.Key("usagePricingTierName");
  WriteOptString(w, o.pricing_tier_name);
  w.Key("usagePricingTierId");
  WriteOptString(w, o.pricing_tier_id);
  w.Key("modelId");
  WriteOptString(w, o.model_id);
  w.Key("inputPrice");
  WriteOptDouble(w, o.input_price);
  w.Key("outputPrice");
  WriteOptDouble(w, o.output_price);
  w.Key("totalPrice");
  WriteOptDouble(w, o.total_price);
  w.Key("calculatedInputCost");
  WriteOptDouble(w, CostOf(o, "input"));
  w.Key("calculatedOutputCost");
  WriteOptDouble(w, CostOf(o, "output"));
  w.Key("calculatedTotalCost");
  WriteOptDouble(w, o.total_cost());
  w.Key("latency");
  if (o.end_time_us) {
    w.Double(static_cast<double>(*o.end_time_us - o.start_time_us) / 1e6);
  } else {
    w.Null();
  }
  w.Key("timeToFirstToken");
  if (o.completion_start_time_us) {
    w.Double(static_cast<double>(*o.completion_start_time_us - o.start_time_us) / 1e6);
  } else {
    w.Null();
  }
  w.EndObject();
}

void WriteScore(JsonWriter& w, const ScoreRecord& s, const TraceRecord* trace,
                bool with_session_in_trace) {
  w.StartObject();
  w.Key("id");
  WriteString(w, s.id);
  w.Key("traceId");
  WriteOptString(w, s.trace_id);
  w.Key("sessionId");
  WriteOptString(w, s.session_id);
  w.Key("observationId");
  WriteOptString(w, s.observation_id);
  w.Key("datasetRunId");
  WriteOptString(w, s.dataset_run_id);
  w.Key("name");
  WriteString(w, s.name);
  w.Key("source");
  WriteString(w, s.source);
  w.Key("timestamp");
  WriteTimestamp(w, s.timestamp_us);
  w.Key("createdAt");
  WriteTimestamp(w, s.created_at_us);
  w.Key("updatedAt");
  WriteTimestamp(w, s.updated_at_us);
  w.Key("authorUserId");
  WriteOptString(w, s.author_user_id);
  w.Key("comment");
  WriteOptString(w, s.comment);
  w.Key("metadata");
  WriteRaw(w, s.metadata);
  w.Key("configId");
  WriteOptString(w, s.config_id);
  w.Key("queueId");
  WriteOptString(w, s.queue_id);
  w.Key("environment");
  WriteString(w, s.environment);
  w.Key("dataType");
  WriteString(w, ScoreDataTypeName(s.data_type));
  if (s.data_type != ScoreDataType::kText) {
    w.Key("value");
    w.Double(s.value);
  }
  if (s.data_type != ScoreDataType::kNumeric) {
    w.Key("stringValue");
    WriteOptString(w, s.string_value);
  }
  if (trace) {
    w.Key("trace");
    w.StartObject();
    w.Key("userId");
    WriteOptString(w, trace->user_id);
    w.Key("tags");
    w.StartArray();
    for (const auto& tag : trace->tags) WriteString(w, tag);
    w.EndArray();
    w.Key("environment");
    WriteString(w, trace->environment);
    if (with_session_in_trace) {
      w.Key("sessionId");
      WriteOptString(w, trace->session_id);
    }
    w.EndObject();
  }
  w.EndObject();
}

void WriteSession(JsonWriter& w, const SessionRecord& s) {
  w.Key("id");
  WriteString(w, s.id);
  w.Key("createdAt");
  WriteTimestamp(w, s.created_at_us);
  w.Key("projectId");
  WriteString(w, s.project_id);
  w.Key("environment");
  WriteString(w, s.environment);
}

}  // namespace lanterne
