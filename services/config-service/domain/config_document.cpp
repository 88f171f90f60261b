#include "domain/config_document.h"

#include <boost/json.hpp>
#include <set>

#include "platform/core/strings.h"

namespace config_service::domain {

using platform::core::Error;
using platform::core::FieldError;
using platform::core::Result;

namespace {

const std::set<std::string, std::less<>> kTypes{"string", "integer", "boolean", "enum"};

std::string joined(const std::vector<std::string>& values) {
  std::string text;
  for (const auto& value : values) text += (text.empty() ? "" : ", ") + value;
  return text;
}

std::optional<std::string> check(const SettingSpec& spec, const std::string& value) {
  if (spec.type == "integer") {
    const auto number = platform::core::parse_integer<std::int64_t>(value);
    const bool in_range =
        number && (!spec.min || *number >= *spec.min) && (!spec.max || *number <= *spec.max);
    if (in_range) return std::nullopt;
    std::string message = "must be an integer";
    if (spec.min && spec.max)
      message += " from " + std::to_string(*spec.min) + " to " + std::to_string(*spec.max);
    else if (spec.min)
      message += " of at least " + std::to_string(*spec.min);
    else if (spec.max)
      message += " of at most " + std::to_string(*spec.max);
    return message;
  }
  if (spec.type == "boolean") {
    if (value == "true" || value == "false") return std::nullopt;
    return "must be true or false";
  }
  if (spec.type == "enum") {
    for (const auto& allowed : spec.values)
      if (allowed == value) return std::nullopt;
    return "must be one of " + joined(spec.values);
  }
  return std::nullopt;
}

std::optional<std::int64_t> read_bound(const boost::json::object& entry, const char* name,
                                       const std::string& field, std::vector<FieldError>& errors) {
  const auto* value = entry.if_contains(name);
  if (!value || value->is_null()) return std::nullopt;
  if (value->is_int64()) return value->as_int64();
  if (value->is_uint64() && value->as_uint64() <= static_cast<std::uint64_t>(INT64_MAX))
    return static_cast<std::int64_t>(value->as_uint64());
  errors.push_back({field + "." + name, "must be an integer"});
  return std::nullopt;
}

SettingSpec read_spec(const boost::json::value& value, const std::string& field,
                      std::vector<FieldError>& errors) {
  SettingSpec spec;
  if (!value.is_object()) {
    errors.push_back({field, "must be an object"});
    return spec;
  }
  const auto& entry = value.as_object();
  if (const auto* key = entry.if_contains("key");
      key && key->is_string() && !key->as_string().empty())
    spec.key = std::string(key->as_string());
  else
    errors.push_back({field + ".key", "is required"});
  if (const auto* type = entry.if_contains("type"); type && !type->is_null()) {
    if (type->is_string() && kTypes.contains(std::string_view(type->as_string())))
      spec.type = std::string(type->as_string());
    else
      errors.push_back({field + ".type", "must be one of string, integer, boolean, enum"});
  }
  spec.min = read_bound(entry, "min", field, errors);
  spec.max = read_bound(entry, "max", field, errors);
  if (spec.min && spec.max && *spec.min > *spec.max)
    errors.push_back({field + ".max", "must not be below min"});
  if (const auto* values = entry.if_contains("values"); values && !values->is_null()) {
    if (!values->is_array()) {
      errors.push_back({field + ".values", "must be an array of strings"});
    } else {
      for (const auto& item : values->as_array()) {
        if (item.is_string())
          spec.values.emplace_back(item.as_string());
        else
          errors.push_back({field + ".values", "must be an array of strings"});
      }
    }
  }
  if (spec.type == "enum" && spec.values.empty())
    errors.push_back({field + ".values", "an enum needs at least one value"});
  if (const auto* dynamic = entry.if_contains("dynamic"); dynamic && !dynamic->is_null()) {
    if (dynamic->is_bool())
      spec.dynamic = dynamic->as_bool();
    else
      errors.push_back({field + ".dynamic", "must be true or false"});
  }
  if (const auto* secret = entry.if_contains("secret"); secret && !secret->is_null()) {
    if (secret->is_bool())
      spec.secret = secret->as_bool();
    else
      errors.push_back({field + ".secret", "must be true or false"});
  }
  if (const auto* description = entry.if_contains("description");
      description && !description->is_null()) {
    if (description->is_string())
      spec.description = std::string(description->as_string());
    else
      errors.push_back({field + ".description", "must be a string"});
  }
  return spec;
}

}  // namespace

Result<SettingSchema> SettingSchema::parse(std::string_view json) {
  boost::system::error_code ec;
  const boost::json::value parsed = boost::json::parse(json, ec);
  if (ec || !parsed.is_object()) return Error::malformed("a schema must be a JSON object");
  std::vector<FieldError> errors;
  std::vector<SettingSpec> settings;
  const auto* list = parsed.as_object().if_contains("settings");
  if (!list || !list->is_array()) {
    errors.push_back({"settings", "must be an array of settings"});
    return Error::invalid_fields(std::move(errors));
  }
  std::set<std::string> keys;
  for (std::size_t i = 0; i < list->as_array().size(); ++i) {
    const std::string field = "settings[" + std::to_string(i) + "]";
    SettingSpec spec = read_spec(list->as_array()[i], field, errors);
    if (!spec.key.empty() && !keys.insert(spec.key).second)
      errors.push_back({field + ".key", spec.key + " is listed twice"});
    settings.push_back(std::move(spec));
  }
  if (!errors.empty()) return Error::invalid_fields(std::move(errors));
  return SettingSchema(std::move(settings));
}

std::string SettingSchema::to_json() const {
  boost::json::array settings;
  for (const auto& spec : settings_) {
    boost::json::object entry{{"key", spec.key},
                              {"type", spec.type},
                              {"dynamic", spec.dynamic},
                              {"description", spec.description}};
    if (spec.secret) entry["secret"] = true;
    if (spec.min) entry["min"] = *spec.min;
    if (spec.max) entry["max"] = *spec.max;
    if (!spec.values.empty()) {
      boost::json::array values;
      for (const auto& value : spec.values) values.emplace_back(value);
      entry["values"] = std::move(values);
    }
    settings.push_back(std::move(entry));
  }
  return boost::json::serialize(boost::json::object{{"settings", std::move(settings)}});
}

const SettingSpec* SettingSchema::find(std::string_view key) const {
  for (const auto& spec : settings_)
    if (spec.key == key) return &spec;
  return nullptr;
}

bool SettingSchema::is_secret(std::string_view key) const {
  const SettingSpec* spec = find(key);
  return spec != nullptr && spec->secret;
}

bool SettingSchema::holds_secret(const Settings& settings) const {
  for (const auto& [key, value] : settings)
    if (is_secret(key)) return true;
  return false;
}

std::vector<FieldError> SettingSchema::validate(const std::string& service,
                                                const Settings& document) const {
  std::vector<FieldError> errors;
  for (const auto& [key, value] : document) {
    const SettingSpec* spec = find(key);
    if (!spec) {
      errors.push_back({"settings." + key, "is not a setting of " + service});
      continue;
    }
    if (auto problem = check(*spec, value)) errors.push_back({"settings." + key, *problem});
  }
  return errors;
}

std::vector<FieldError> validate_names(const std::string& service, const std::string& env) {
  constexpr std::size_t kMaxName = 100;
  std::vector<FieldError> errors;
  if (service.empty() || service.size() > kMaxName)
    errors.push_back({"service", "must be 1 to 100 characters"});
  if (env.empty() || env.size() > kMaxName)
    errors.push_back({"env", "must be 1 to 100 characters"});
  return errors;
}

Settings merge(const Settings& base, const Settings& overlay) {
  Settings merged = base;
  for (const auto& [key, value] : overlay) merged[key] = value;
  return merged;
}

std::vector<SettingChange> diff(const Settings& from, const Settings& to) {
  std::set<std::string> keys;
  for (const auto& [key, value] : from) keys.insert(key);
  for (const auto& [key, value] : to) keys.insert(key);
  std::vector<SettingChange> changes;
  for (const auto& key : keys) {
    const auto a = from.find(key);
    const auto b = to.find(key);
    std::optional<std::string> before, after;
    if (a != from.end()) before = a->second;
    if (b != to.end()) after = b->second;
    if (before != after) changes.push_back({key, std::move(before), std::move(after)});
  }
  return changes;
}

}  // namespace config_service::domain
