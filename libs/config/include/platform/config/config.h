// Service settings: defaults < optional YAML config file < SYL_* environment variables,
// validated at start-up with one message per bad or unknown setting.
//
//   Schema schema = common_schema("subject-service", 8101);
//   schema.add({.key = "subjects.max_page", .default_value = "200", .validate = integer_in(1,
//   1000)}); auto config = load(schema, environment_from(environ)); if (!config) {
//   print(config.error()); return 2; } int port = config->get_int("http.port");
//
// A key "http.port" is `http: {port: 8101}` in the file and SYL_HTTP_PORT in the
// environment. SYL_CONFIG_FILE names the file. SYL_<KEY>_FILE=/run/secrets/x reads a
// setting from a file instead (its trailing line break dropped; it wins over SYL_<KEY>,
// so that a secret given at run time overrides an image's default): how container
// secrets arrive. Unknown keys in the file and unknown SYL_* variables are errors: a typo must not
// silently fall back to a default.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include "platform/core/result.h"

namespace platform::config {

// Checks a value: returns an error message for a bad one, or nullopt when it is fine.
// Also says what it accepts in terms another process can check (the config-service
// validates documents against a service's published schema): type "string",
// "integer" (min, max), "boolean" or "enum" (values).
class Validator {
 public:
  using Check = std::function<std::optional<std::string>(std::string_view value)>;

  Validator() = default;
  // Any callable: a custom check, described as a string.
  template <typename F>
  requires std::is_invocable_r_v<std::optional<std::string>, F, std::string_view> Validator(F check)
      : check_(std::move(check)) {}  // NOLINT: implicit by design
  Validator(Check check, std::string type, std::optional<std::int64_t> min,
            std::optional<std::int64_t> max, std::vector<std::string> values)
      : check_(std::move(check)),
        type_(std::move(type)),
        min_(min),
        max_(max),
        values_(std::move(values)) {}

  explicit operator bool() const { return static_cast<bool>(check_); }
  std::optional<std::string> operator()(std::string_view value) const { return check_(value); }

  const std::string& type() const { return type_; }
  std::optional<std::int64_t> min() const { return min_; }
  std::optional<std::int64_t> max() const { return max_; }
  const std::vector<std::string>& values() const { return values_; }

 private:
  Check check_;
  std::string type_ = "string";
  std::optional<std::int64_t> min_, max_;
  std::vector<std::string> values_;
};

struct Setting {
  std::string key;  // dotted: "http.port"
  std::string default_value;
  std::string description;
  Validator validate;
  bool dynamic = false;  // may change at run time (from the config-service)
  bool secret = false;   // never printed
};

Validator integer_in(std::int64_t min, std::int64_t max);
Validator one_of(std::vector<std::string> values);
Validator non_empty();
Validator boolean();
// A URL (platform/core/url.h) with a host and one of `schemes`; empty too when
// `empty_allowed`.
Validator url_with_scheme(std::vector<std::string> schemes, bool empty_allowed = false);

class Schema {
 public:
  Schema& add(Setting setting);
  // Changes the default of a declared setting (a service whose needs differ from
  // common_schema's). Throws std::logic_error for an undeclared key.
  Schema& set_default(std::string_view key, std::string value);
  const Setting* find(std::string_view key) const;
  const std::vector<Setting>& settings() const { return settings_; }
  // The service the schema belongs to (set by common_schema): the environment variables
  // of the platform's other services are then not errors (see load()).
  const std::string& service() const { return service_; }
  Schema& set_service(std::string service) {
    service_ = std::move(service);
    return *this;
  }

 private:
  std::vector<Setting> settings_;
  std::string service_;
};

// The shortest platform.token accepted.
inline constexpr std::size_t kMinPlatformTokenLength = 32;

// The settings every service shares: http.host, http.advertise_url, http.port (default
// `port`), io_threads, worker_threads, http limits and timeouts, database.url (default
// sqlite://var/<service>.db), database.pool_size, log.level, instance.id, redis.url,
// events.outbox_retention_hours, config_service.url, platform.token (secret).
Schema common_schema(std::string_view service, std::uint16_t port);

enum class Source { kDefault, kFile, kEnvironment };

class Config {
 public:
  const std::string& get(std::string_view key) const;
  std::int64_t get_int(std::string_view key) const;
  bool get_bool(std::string_view key) const;
  Source source(std::string_view key) const;
  // Every setting with its value (secrets masked) and source, for a start-up log line.
  std::vector<std::pair<std::string, std::string>> describe() const;

 private:
  friend core::Result<Config> load(const Schema&, const std::map<std::string, std::string>&);
  struct Value {
    std::string text;
    Source source;
    bool secret;
  };
  std::map<std::string, Value, std::less<>> values_;
};

// "http.port" -> "SYL_HTTP_PORT".
std::string environment_name(std::string_view key);

// The process environment as a map (pass `environ`).
std::map<std::string, std::string> environment_from(char** envp);

// Whether the environment variable `name` is a setting of one of the platform's services
// other than `service` (SYL_AUTH_* is the api-gateway's, SYL_STORAGE_* the
// file-service's...): one environment can then start every service, as `sylctl up` does.
bool belongs_to_another_service(std::string_view service, std::string_view name);

// Loads and validates. An unknown SYL_* variable is an error unless it belongs to another
// service of the platform (belongs_to_another_service). On failure the error is kInvalidArgument
// with one FieldError per problem; `field` names the variable or file key at fault.
core::Result<Config> load(const Schema& schema,
                          const std::map<std::string, std::string>& environment);

// "configuration is invalid:\n  SYL_HTTP_PORT: must be ...\n" for a load() error.
std::string format_errors(const core::Error& error);

}  // namespace platform::config
