// Configuration documents: a service's settings schema, and the documents validated
// against it. A document is a set of `key: value` strings for one (service, env);
// `default` is the base that other environments overlay.
//
//   auto schema = SettingSchema::parse(R"({"settings":[{"key":"log.level","type":"enum",
//                                           "values":["debug","info"],"dynamic":true}]})");
//   if (auto errors = schema->validate("svc", document); !errors.empty()) ...  // every one
//   Settings effective = merge(default_document, env_document);
//   std::vector<SettingChange> changes = diff(older, newer);
//
// Standard library and platform::core only in this header; the .cpp reads JSON.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/error.h"
#include "platform/core/result.h"
#include "platform/core/time.h"

namespace config_service::domain {

inline constexpr const char* kDefaultEnv = "default";

using Settings = std::map<std::string, std::string>;

struct SettingSpec {
  std::string key;
  std::string type = "string";  // "string" | "integer" | "boolean" | "enum"
  std::optional<std::int64_t> min, max;
  std::vector<std::string> values;  // the allowed values of an enum
  bool dynamic = false;
  std::string description;
  // A secret's value is served only to holders of the platform token.
  bool secret = false;

  friend bool operator==(const SettingSpec&, const SettingSpec&) = default;
};

class SettingSchema {
 public:
  SettingSchema() = default;
  explicit SettingSchema(std::vector<SettingSpec> settings) : settings_(std::move(settings)) {}

  // `{"settings": [{key, type, min?, max?, values?, dynamic?, secret?, description?}]}`;
  // kMalformed for text that is not a JSON object, kInvalidArgument listing every bad
  // entry (field "settings[i].name").
  static platform::core::Result<SettingSchema> parse(std::string_view json);
  std::string to_json() const;

  const std::vector<SettingSpec>& settings() const { return settings_; }
  const SettingSpec* find(std::string_view key) const;
  // Whether `key` is a setting marked secret.
  bool is_secret(std::string_view key) const;
  // Whether any key of `settings` is a secret setting.
  bool holds_secret(const Settings& settings) const;

  // Every problem of `document` (field "settings.<key>"): a key that is not a setting of
  // `service`, a value of the wrong type, out of range, or not one of an enum's values.
  std::vector<platform::core::FieldError> validate(const std::string& service,
                                                   const Settings& document) const;

  friend bool operator==(const SettingSchema&, const SettingSchema&) = default;

 private:
  std::vector<SettingSpec> settings_;
};

// Every problem of a (service, env) name pair: each must be 1 to 100 characters (fields
// "service" and "env").
std::vector<platform::core::FieldError> validate_names(const std::string& service,
                                                       const std::string& env);

// `base` with every key of `overlay` replacing or adding to it.
Settings merge(const Settings& base, const Settings& overlay);

struct SettingChange {
  std::string key;
  std::optional<std::string> from, to;  // nullopt: absent on that side

  friend bool operator==(const SettingChange&, const SettingChange&) = default;
};

// The keys whose value differs between `from` and `to`, by key.
std::vector<SettingChange> diff(const Settings& from, const Settings& to);

// One stored change of one (service, env) document.
struct ConfigVersion {
  std::string service;
  std::string env;
  std::int64_t version = 0;  // the service's counter after this change
  std::string author;
  std::string comment;
  platform::core::Timestamp created_at;
  Settings settings;

  friend bool operator==(const ConfigVersion&, const ConfigVersion&) = default;
};

}  // namespace config_service::domain
