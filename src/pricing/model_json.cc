#include "pricing/model_json.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <set>

#include "core/time.h"

namespace lanterne {
namespace {

using simdjson::dom::array;
using simdjson::dom::element;
using simdjson::dom::object;

Status Invalid(std::string_view field, std::string_view what) {
  return Status::InvalidArgument(std::string(field) + ": " + std::string(what));
}

std::string Index(std::string_view field, size_t i) {
  return std::string(field) + "[" + std::to_string(i) + "]";
}

std::string Member(std::string_view field, std::string_view key) {
  return std::string(field) + "." + std::string(key);
}

// The value of `key`, or nullopt when it is absent or null.
std::optional<element> Get(object obj, std::string_view key) {
  element value;
  if (obj.at_key(key).get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
  return value;
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

Result<std::string> ReadString(object obj, std::string_view key, std::string_view field,
                               size_t max_length) {
  auto value = Get(obj, key);
  std::string_view text;
  if (!value || value->get_string().get(text) != simdjson::SUCCESS) {
    return Invalid(Member(field, key), "expected a string");
  }
  if (text.empty()) return Invalid(Member(field, key), "must not be empty");
  if (text.size() > max_length) {
    return Invalid(Member(field, key), "longer than " + std::to_string(max_length) + " characters");
  }
  return std::string(text);
}

Result<TierCondition> ParseCondition(element value, const std::string& field) {
  object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) {
    return Invalid(field, "expected an object");
  }
  if (Get(obj, "source")) {
    AttributeCondition c;
    auto source = ReadString(obj, "source", field, 100);
    if (!source.ok()) return source.status();
    if (*source != "model_parameters" && *source != "metadata") {
      return Invalid(Member(field, "source"), "expected model_parameters or metadata");
    }
    c.source = *source;
    auto key = ReadString(obj, "key", field, 200);
    if (!key.ok()) return key.status();
    c.key = *key;
    auto op = ReadString(obj, "operator", field, 10);
    if (!op.ok()) return op.status();
    if (*op != "in") return Invalid(Member(field, "operator"), "expected \"in\"");
    array values;
    auto values_value = Get(obj, "values");
    if (!values_value || values_value->get_array().get(values) != simdjson::SUCCESS) {
      return Invalid(Member(field, "values"), "expected an array of strings");
    }
    for (element v : values) {
      std::string_view text;
      if (v.get_string().get(text) != simdjson::SUCCESS || text.empty()) {
        return Invalid(Member(field, "values"), "expected non-empty strings");
      }
      c.values.emplace_back(text);
    }
    if (c.values.empty()) return Invalid(Member(field, "values"), "must not be empty");
    return TierCondition(std::move(c));
  }
  UsageCondition c;
  auto pattern = ReadString(obj, "usageDetailPattern", field, 200);
  if (!pattern.ok()) return pattern.status();
  c.usage_detail_pattern = *pattern;
  auto op = ReadString(obj, "operator", field, 10);
  if (!op.ok()) return op.status();
  static constexpr std::string_view kOperators[] = {"gt", "gte", "lt", "lte", "eq", "neq"};
  if (std::find(std::begin(kOperators), std::end(kOperators), *op) == std::end(kOperators)) {
    return Invalid(Member(field, "operator"), "expected one of gt, gte, lt, lte, eq, neq");
  }
  c.op = *op;
  auto number = Get(obj, "value");
  if (!number || number->get_double().get(c.value) != simdjson::SUCCESS || c.value < 0) {
    return Invalid(Member(field, "value"), "expected a non-negative number");
  }
  if (auto flag = Get(obj, "caseSensitive")) {
    if (flag->get_bool().get(c.case_sensitive) != simdjson::SUCCESS) {
      return Invalid(Member(field, "caseSensitive"), "expected a boolean");
    }
  }
  return TierCondition(std::move(c));
}

Result<PricingTier> ParseTier(element value, const std::string& field) {
  object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) return Invalid(field, "expected an object");
  PricingTier tier;
  if (auto id = Get(obj, "id")) {
    std::string_view text;
    if (id->get_string().get(text) != simdjson::SUCCESS) {
      return Invalid(Member(field, "id"), "expected a string");
    }
    tier.id = std::string(text);
  }
  std::string_view name;
  auto name_value = Get(obj, "name");
  if (!name_value || name_value->get_string().get(name) != simdjson::SUCCESS) {
    return Invalid(Member(field, "name"), "expected a string");
  }
  // Trimmed first, so two names differing only in spaces are not "unique".
  name = Trim(name);
  if (name.empty()) return Invalid(Member(field, "name"), "must not be empty");
  if (name.size() > 100) return Invalid(Member(field, "name"), "longer than 100 characters");
  tier.name = std::string(name);
  if (auto flag = Get(obj, "isDefault")) {
    if (flag->get_bool().get(tier.is_default) != simdjson::SUCCESS) {
      return Invalid(Member(field, "isDefault"), "expected a boolean");
    }
  }
  auto priority = Get(obj, "priority");
  int64_t p = 0;
  double as_double = 0;
  if (!priority) return Invalid(Member(field, "priority"), "expected an integer from 0 to 999");
  if (priority->get_int64().get(p) != simdjson::SUCCESS) {
    // 1.0 is an integer in JSON's eyes (and JavaScript's).
    if (priority->get_double().get(as_double) != simdjson::SUCCESS ||
        as_double != std::floor(as_double) || std::abs(as_double) > 1e9) {
      return Invalid(Member(field, "priority"), "expected an integer from 0 to 999");
    }
    p = static_cast<int64_t>(as_double);
  }
  if (p < 0 || p > 999)
    return Invalid(Member(field, "priority"), "expected an integer from 0 to 999");
  tier.priority = static_cast<int>(p);
  array conditions;
  auto conditions_value = Get(obj, "conditions");
  if (conditions_value) {
    if (conditions_value->get_array().get(conditions) != simdjson::SUCCESS) {
      return Invalid(Member(field, "conditions"), "expected an array");
    }
    size_t i = 0;
    for (element c : conditions) {
      auto condition = ParseCondition(c, Index(Member(field, "conditions"), i++));
      if (!condition.ok()) return condition.status();
      tier.conditions.push_back(std::move(condition).value());
    }
  }
  auto prices_value = Get(obj, "prices");
  if (!prices_value) return Invalid(Member(field, "prices"), "expected an object of prices");
  auto prices = ParsePrices(*prices_value, Member(field, "prices"));
  if (!prices.ok()) return prices.status();
  tier.prices = std::move(prices).value();
  return tier;
}

// The rules that involve several tiers at once (the per-tier ones are in ParseTier).
Status ValidateTierSet(const std::vector<PricingTier>& tiers, std::string_view field) {
  if (tiers.empty()) return Invalid(field, "at least one pricing tier is required");
  const PricingTier* default_tier = nullptr;
  int defaults = 0;
  for (const auto& tier : tiers) {
    if (!tier.is_default) continue;
    ++defaults;
    default_tier = &tier;
  }
  if (defaults != 1) {
    return Invalid(field, "exactly one pricing tier must have isDefault: true, found " +
                              std::to_string(defaults));
  }
  if (default_tier->priority != 0) {
    return Invalid(field, "the default pricing tier must have priority: 0");
  }
  if (!default_tier->conditions.empty()) {
    return Invalid(field, "the default pricing tier must have an empty conditions array");
  }
  std::set<int> priorities;
  std::set<std::string> names;
  for (const auto& tier : tiers) {
    if (!tier.is_default && tier.conditions.empty()) {
      return Invalid(
          field, "non-default pricing tier \"" + tier.name + "\" must have at least one condition");
    }
    if (!priorities.insert(tier.priority).second) {
      return Invalid(field, "pricing tier priorities must be unique within a model");
    }
    if (!names.insert(tier.name).second) {
      return Invalid(field, "pricing tier names must be unique");
    }
  }
  for (const auto& tier : tiers) {
    if (tier.is_default) continue;
    bool same = tier.prices.size() == default_tier->prices.size() &&
                std::equal(tier.prices.begin(), tier.prices.end(), default_tier->prices.begin(),
                           [](const auto& a, const auto& b) { return a.first == b.first; });
    if (!same) {
      return Invalid(field, "pricing tier \"" + tier.name +
                                "\" must price the same usage types as the default tier");
    }
  }
  return Status::Ok();
}

void WriteTier(JsonWriter& w, const PricingTier& tier) {
  w.StartObject();
  w.Key("id");
  WriteString(w, tier.id);
  w.Key("name");
  WriteString(w, tier.name);
  w.Key("isDefault");
  w.Bool(tier.is_default);
  w.Key("priority");
  w.Int(tier.priority);
  w.Key("conditions");
  w.StartArray();
  for (const auto& condition : tier.conditions) {
    w.StartObject();
    if (const auto* usage = std::get_if<UsageCondition>(&condition)) {
      w.Key("usageDetailPattern");
      WriteString(w, usage->usage_detail_pattern);
      w.Key("operator");
      WriteString(w, usage->op);
      w.Key("value");
      w.Double(usage->value);
      w.Key("caseSensitive");
      w.Bool(usage->case_sensitive);
    } else {
      const auto& attribute = std::get<AttributeCondition>(condition);
      w.Key("source");
      WriteString(w, attribute.source);
      w.Key("key");
      WriteString(w, attribute.key);
      w.Key("operator");
      WriteString(w, "in");
      w.Key("values");
      w.StartArray();
      for (const auto& v : attribute.values) WriteString(w, v);
      w.EndArray();
    }
    w.EndObject();
  }
  w.EndArray();
  w.Key("prices");
  w.StartObject();
  for (const auto& [type, price] : tier.prices) {
    WriteString(w, type);
    w.Double(price);
  }
  w.EndObject();
  w.EndObject();
}

void WriteOptPrice(JsonWriter& w, const PricingTier* tier, const char* type) {
  if (tier) {
    auto it = tier->prices.find(type);
    if (it != tier->prices.end()) {
      w.Double(it->second);
      return;
    }
  }
  w.Null();
}

}  // namespace

Result<std::map<std::string, double>> ParsePrices(element value, std::string_view field) {
  object obj;
  if (value.get_object().get(obj) != simdjson::SUCCESS) {
    return Invalid(field, "expected an object of usage type → price");
  }
  std::map<std::string, double> prices;
  for (auto [key, price] : obj) {
    double number = 0;
    if (key.empty()) return Invalid(field, "usage types must not be empty");
    if (price.get_double().get(number) != simdjson::SUCCESS || !std::isfinite(number) ||
        number < 0) {
      return Invalid(Member(field, key), "expected a non-negative number");
    }
    prices[std::string(key)] = number;
  }
  if (prices.empty()) return Invalid(field, "at least one price is required");
  return prices;
}

Result<std::vector<PricingTier>> ParsePricingTiers(element value, std::string_view field) {
  array items;
  if (value.get_array().get(items) != simdjson::SUCCESS) return Invalid(field, "expected an array");
  std::vector<PricingTier> tiers;
  size_t i = 0;
  for (element item : items) {
    auto tier = ParseTier(item, Index(field, i++));
    if (!tier.ok()) return tier.status();
    tiers.push_back(std::move(tier).value());
  }
  LANTERNE_RETURN_IF_ERROR(ValidateTierSet(tiers, field));
  return tiers;
}

std::string PricingTiersToJson(const std::vector<PricingTier>& tiers) {
  JsonBuffer buffer;
  JsonWriter w(buffer);
  w.StartArray();
  for (const auto& tier : tiers) WriteTier(w, tier);
  w.EndArray();
  return std::string(buffer.GetString(), buffer.GetSize());
}

Result<std::vector<PricingTier>> PricingTiersFromJson(std::string_view json) {
  simdjson::dom::parser parser;
  element root;
  if (parser.parse(json.data(), json.size()).get(root) != simdjson::SUCCESS) {
    return Status::Internal("stored pricing tiers are not JSON");
  }
  auto tiers = ParsePricingTiers(root, "pricingTiers");
  if (!tiers.ok()) return Status::Internal("stored pricing tiers: " + tiers.status().message());
  return tiers;
}

void WriteModelJson(JsonWriter& w, const ModelDefinition& model) {
  const PricingTier* tier = model.default_tier();
  w.StartObject();
  w.Key("id");
  WriteString(w, model.id);
  w.Key("modelName");
  WriteString(w, model.model_name);
  w.Key("matchPattern");
  WriteString(w, model.match_pattern);
  w.Key("startDate");
  if (model.start_date_us) {
    WriteString(w, FormatIsoMillis(*model.start_date_us));
  } else {
    w.Null();
  }
  w.Key("unit");
  WriteOptString(w, model.unit);
  w.Key("inputPrice");
  WriteOptPrice(w, tier, "input");
  w.Key("outputPrice");
  WriteOptPrice(w, tier, "output");
  w.Key("totalPrice");
  WriteOptPrice(w, tier, "total");
  w.Key("tokenizerId");
  WriteOptString(w, model.tokenizer_id);
  w.Key("tokenizerConfig");
  WriteRawOrNull(w, model.tokenizer_config);
  w.Key("isLangfuseManaged");
  w.Bool(model.is_builtin());
  w.Key("createdAt");
  WriteString(w, FormatIsoMillis(model.created_at_us));
  w.Key("prices");
  w.StartObject();
  if (tier) {
    for (const auto& [type, price] : tier->prices) {
      WriteString(w, type);
      w.StartObject();
      w.Key("price");
      w.Double(price);
      w.EndObject();
    }
  }
  w.EndObject();
  w.Key("pricingTiers");
  w.StartArray();
  for (const auto& t : model.pricing_tiers) WriteTier(w, t);
  w.EndArray();
  w.EndObject();
}

}  // namespace lanterne
