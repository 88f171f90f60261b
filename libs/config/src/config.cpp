#include "platform/config/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <stdexcept>

#include "platform/core/strings.h"
#include "platform/core/url.h"

namespace platform::config {
namespace {

constexpr std::string_view kPrefix = "SYL_";
constexpr std::string_view kConfigFileVariable = "SYL_CONFIG_FILE";

std::optional<bool> parse_bool(std::string_view text) {
  const std::string lower = core::ascii_lower(text);
  if (lower == "true" || lower == "1" || lower == "yes" || lower == "on") return true;
  if (lower == "false" || lower == "0" || lower == "no" || lower == "off") return false;
  return std::nullopt;
}

// Flattens nested YAML maps into dotted keys; scalars become text.
void flatten(const YAML::Node& node, const std::string& prefix,
             std::vector<std::pair<std::string, std::string>>& out,
             std::vector<core::FieldError>& errors) {
  if (node.IsMap()) {
    for (const auto& entry : node) {
      const std::string key = entry.first.as<std::string>();
      flatten(entry.second, prefix.empty() ? key : prefix + "." + key, out, errors);
    }
  } else if (node.IsScalar()) {
    out.emplace_back(prefix, node.Scalar());
  } else if (node.IsNull()) {
    out.emplace_back(prefix, "");
  } else {
    errors.push_back({prefix, "must be a single value, not a list"});
  }
}

// Empty, or an http(s) URL whose host peers can reach.
Validator advertisable_url() {
  return [](std::string_view value) -> std::optional<std::string> {
    if (value.empty()) return std::nullopt;
    auto url = core::parse_url(value);
    if (!url || (url->scheme != "http" && url->scheme != "https") || url->host.empty())
      return "must be empty or an http:// or https:// URL";
    if (core::is_unspecified_address(url->host))
      return "must name a host peers can reach, not " + url->url_host();
    if (!url->user.empty() || url->password || !url->query.empty())
      return "must have no user, password or query";
    return std::nullopt;
  };
}

// Empty, or a bearer token (RFC 6750 token68) of 32 to 512 characters.
Validator platform_token() {
  return [](std::string_view value) -> std::optional<std::string> {
    if (value.empty()) return std::nullopt;
    const bool token68 = std::all_of(value.begin(), value.end(),
                                     [](char c) {
                                       return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
                                              (c >= '0' && c <= '9') || c == '-' || c == '.' ||
                                              c == '_' || c == '~' || c == '+' || c == '/' ||
                                              c == '=';
                                     }) &&
                         value.front() != '=';
    if (value.size() < kMinPlatformTokenLength || value.size() > 512 || !token68)
      return "must be 32 to 512 characters of A-Z a-z 0-9 - . _ ~ + / =";
    return std::nullopt;
  };
}

}  // namespace

Validator integer_in(std::int64_t min, std::int64_t max) {
  return {[min, max](std::string_view value) -> std::optional<std::string> {
            const auto number = core::parse_integer<std::int64_t>(value);
            if (!number || *number < min || *number > max)
              return "must be an integer from " + std::to_string(min) + " to " +
                     std::to_string(max);
            return std::nullopt;
          },
          "integer",
          min,
          max,
          {}};
}

Validator one_of(std::vector<std::string> values) {
  auto check = [values](std::string_view value) -> std::optional<std::string> {
    for (const auto& allowed : values)
      if (core::iequals(allowed, value)) return std::nullopt;
    std::string message = "must be one of";
    for (std::size_t i = 0; i < values.size(); ++i) message += (i ? ", " : " ") + values[i];
    return message;
  };
  return {std::move(check), "enum", std::nullopt, std::nullopt, std::move(values)};
}

Validator non_empty() {
  return [](std::string_view value) -> std::optional<std::string> {
    if (core::trim(value).empty()) return "must not be empty";
    return std::nullopt;
  };
}

Validator boolean() {
  return {[](std::string_view value) -> std::optional<std::string> {
            if (!parse_bool(value)) return "must be true or false";
            return std::nullopt;
          },
          "boolean",
          std::nullopt,
          std::nullopt,
          {}};
}

Validator url_with_scheme(std::vector<std::string> schemes, bool empty_allowed) {
  return [schemes = std::move(schemes),
          empty_allowed](std::string_view value) -> std::optional<std::string> {
    if (value.empty() && empty_allowed) return std::nullopt;
    std::string expected;
    for (const auto& scheme : schemes)
      expected += (expected.empty() ? "" : " or ") + scheme + "://";
    const std::string wanted = std::string(empty_allowed ? "must be empty or " : "must be ") +
                               "a URL " + expected + "host[:port]";
    auto url = core::parse_url(value);
    if (!url) return wanted + " (" + url.error().detail() + ")";
    bool known = false;
    for (const auto& scheme : schemes) known = known || url->scheme == scheme;
    if (!known || url->host.empty()) return wanted;
    return std::nullopt;
  };
}

Schema& Schema::add(Setting setting) {
  if (find(setting.key)) throw std::logic_error("setting declared twice: " + setting.key);
  settings_.push_back(std::move(setting));
  return *this;
}

Schema& Schema::set_default(std::string_view key, std::string value) {
  for (Setting& setting : settings_) {
    if (setting.key == key) {
      setting.default_value = std::move(value);
      return *this;
    }
  }
  throw std::logic_error("setting not declared: " + std::string(key));
}

const Setting* Schema::find(std::string_view key) const {
  for (const Setting& setting : settings_)
    if (setting.key == key) return &setting;
  return nullptr;
}

bool belongs_to_another_service(std::string_view service, std::string_view name) {
  // Each service's own namespaces, as variable prefixes. A service's own misspelt setting
  // stays an error: only another service's namespace is passed over.
  struct Namespaces {
    std::string_view service;
    std::vector<std::string_view> prefixes;
  };
  static const std::vector<Namespaces> kPlatform = {
      // SYL_GATEWAY_IDENTITY_KEYS is every service's own setting, found before this.
      {"api-gateway", {"SYL_AUTH_", "SYL_RATELIMIT_", "SYL_GATEWAY_", "SYL_PEERS_"}},
      {"config-service", {"SYL_REGISTRY_"}},
      {"file-service", {"SYL_DOWNLOAD_", "SYL_SIGNING_", "SYL_STORAGE_", "SYL_UPLOAD_"}},
      {"syllabus-service", {"SYL_SYLLABUS_", "SYL_PEERS_"}},
  };
  bool own = false;
  bool other = false;
  for (const auto& entry : kPlatform) {
    for (const auto prefix : entry.prefixes) {
      if (!name.starts_with(prefix)) continue;
      (entry.service == service ? own : other) = true;
    }
  }
  return other && !own;
}

Schema common_schema(std::string_view service, std::uint16_t port) {
  Schema schema;
  schema.set_service(std::string(service));
  schema.add({"http.host", "127.0.0.1", "Address to listen on.", non_empty()})
      .add({"http.advertise_url", "",
            "The URL peers reach this instance at, registered with the config-service "
            "(http://host:port). Empty: http://<http.host>:<port>, or the host name when "
            "http.host is 0.0.0.0 or ::, which are never advertised.",
            advertisable_url()})
      .add({"http.port", std::to_string(port), "Port to listen on; 0 picks a free one.",
            integer_in(0, 65535)})
      .add({"http.io_threads", "1", "Network threads.", integer_in(1, 64)})
      .add({"worker_threads", "2", "Threads that run request handlers (blocking work).",
            integer_in(1, 256)})
      .add({"http.max_body_bytes", "1048576", "Largest request body accepted (413 above).",
            integer_in(1024, 1LL << 34)})
      .add({"http.read_timeout_ms", "10000",
            "Time allowed to receive a request header (and a buffered body); each piece of a "
            "streamed body likewise.",
            integer_in(100, 600000)})
      .add({"http.idle_timeout_ms", "60000", "Keep-alive connections idle this long close.",
            integer_in(100, 3600000)})
      .add({"http.max_connections", "4096",
            "Open connections at most; beyond, accepting waits (idle keep-alive ones close).",
            integer_in(1, 1000000)})
      .add({"http.max_streamed_requests", "16",
            "Uploads (streamed bodies) at once, each on a thread of their own pool; more get "
            "503 with Retry-After.",
            integer_in(1, 4096)})
      .add({"http.body_timeout_ms", "300000", "Time allowed for a whole streamed body.",
            integer_in(1000, 86400000)})
      .add({"http.min_body_rate", "4096",
            "Bytes/s a streamed body must keep on average after a 5 s grace (slow clients get "
            "408); 0 turns the check off.",
            integer_in(0, 1LL << 30)})
      .add({"http.drain_delay_ms", "0",
            "On SIGTERM, time spent serving (readiness already 503, already deregistered) "
            "before the listener closes: lets callers drop this instance from their caches.",
            integer_in(0, 600000)})
      .add({"http.shutdown_timeout_ms", "10000", "Time in-flight requests get on SIGTERM.",
            integer_in(0, 600000)})
      .add({"database.url", "sqlite://var/" + std::string(service) + ".db",
            "sqlite:///path, sqlite://relative/path or postgresql://user:pw@host:port/db.",
            [](std::string_view value) -> std::optional<std::string> {
              if (value.starts_with("sqlite:") || value.starts_with("postgresql://") ||
                  value.starts_with("postgres://"))
                return std::nullopt;
              return "must start with sqlite: or postgresql://";
            },
            false, true})
      .add({"database.pool_size", "4", "Database connections kept open.", integer_in(1, 256)})
      .add({"log.level", "info", "debug, info, warn or error.",
            one_of({"debug", "info", "warn", "error"}), true})
      .add({"instance.id", "", "This instance's id; generated when empty."})
      .add({"instance.colour", "",
            "blue or green: this instance's side in a blue-green deploy (sylctl deploy), "
            "registered with it; empty outside one.",
            one_of({"", "blue", "green"})})
      .add({"tracing.sample_ratio", "1",
            "Share of the traces that begin here which are recorded, 0 to 1. A request that "
            "continues a caller's trace follows the caller's decision; a span that ends in "
            "error is always kept.",
            [](std::string_view value) -> std::optional<std::string> {
              double ratio = -1;
              const auto [end, ec] =
                  std::from_chars(value.data(), value.data() + value.size(), ratio);
              if (ec == std::errc() && end == value.data() + value.size() && ratio >= 0.0 &&
                  ratio <= 1.0)
                return std::nullopt;
              return "must be a number from 0 to 1";
            }})
      .add({"tracing.log_spans", "true",
            "Write each recorded span as a line of the service's log (msg \"span\").",
            one_of({"true", "false"})})
      .add({"test.fault_error_percent", "0",
            "For drills and deploy tests only: answer this percent of API requests (not "
            "health, metrics or docs) with a 500, evenly spread. Never in production.",
            integer_in(0, 100)})
      .add({"test.provider_states", "false",
            "For contract tests only: serve /_test/provider-states and /_test/messages, "
            "through which Pact's verifier changes this service's data. Never in production.",
            boolean()})
      .add({"otlp.endpoint", "",
            "An OTLP/HTTP collector (http://host:4318): recorded spans are also exported there "
            "as JSON, in batches, without ever holding a request. Empty: the log only.",
            url_with_scheme({"http", "https"}, /*empty_allowed=*/true)})
      .add({"gateway.identity_keys",
            "",
            "The gateway's identity keys, kid:base64secret,... (the first signs, all verify): "
            "X-User-* headers are trusted only with a valid, fresh signature by one of them. "
            "Empty: every caller is anonymous.",
            {},
            false,
            true})
      .add({"redis.url", "redis://127.0.0.1:6379", "Redis for event streams.",
            url_with_scheme({"redis"}), false, true})
      .add({"events.outbox_retention_hours", "168",
            "Published outbox rows are deleted after this many hours.",
            integer_in(1, std::int64_t{24} * 365)})
      .add({"config_service.url", "",
            "The config-service (http://host:port): register there and take dynamic settings "
            "from it. Empty: run standalone.",
            url_with_scheme({"http"}, /*empty_allowed=*/true)})
      .add({"platform.token", "",
            "The platform's shared secret: the config-service requires it for every registry "
            "and configuration write, and services send it. At least 32 characters.",
            platform_token(), false, true});
  return schema;
}

std::string environment_name(std::string_view key) {
  std::string name(kPrefix);
  for (char c : key) name.push_back(c == '.' ? '_' : c);
  return core::ascii_upper(name);
}

std::map<std::string, std::string> environment_from(char** envp) {
  std::map<std::string, std::string> out;
  for (char** entry = envp; entry && *entry; ++entry) {
    const std::string_view text(*entry);
    const auto equals = text.find('=');
    if (equals == std::string_view::npos) continue;
    out.emplace(std::string(text.substr(0, equals)), std::string(text.substr(equals + 1)));
  }
  return out;
}

core::Result<Config> load(const Schema& schema,
                          const std::map<std::string, std::string>& environment) {
  Config config;
  std::vector<core::FieldError> errors;
  for (const Setting& setting : schema.settings())
    config.values_[setting.key] = {setting.default_value, Source::kDefault, setting.secret};

  if (const auto file = environment.find(std::string(kConfigFileVariable));
      file != environment.end() && !file->second.empty()) {
    try {
      const YAML::Node root = YAML::LoadFile(file->second);
      std::vector<std::pair<std::string, std::string>> entries;
      if (!root.IsNull()) {
        if (!root.IsMap())
          errors.push_back({file->second, "must be a YAML mapping of settings"});
        else
          flatten(root, "", entries, errors);
      }
      for (auto& [key, value] : entries) {
        const auto it = config.values_.find(key);
        if (it == config.values_.end()) {
          errors.push_back({file->second + ": " + key, "is not a known setting"});
          continue;
        }
        it->second.text = std::move(value);
        it->second.source = Source::kFile;
      }
    } catch (const YAML::Exception& e) {
      errors.push_back(
          {std::string(kConfigFileVariable), "cannot read " + file->second + ": " + e.what()});
    }
  }

  const auto find_setting = [&schema](std::string_view name) -> const Setting* {
    for (const Setting& setting : schema.settings())
      if (environment_name(setting.key) == name) return &setting;
    return nullptr;
  };
  for (const auto& [name, value] : environment) {
    if (!name.starts_with(kPrefix) || name == kConfigFileVariable) continue;
    const Setting* match = find_setting(name);
    // SYL_X_FILE=/run/secrets/x: the setting SYL_X read from a file (container secrets),
    // without its trailing line break.
    const bool from_file = !match && name.ends_with("_FILE") &&
                           find_setting(std::string_view(name).substr(0, name.size() - 5));
    if (from_file) match = find_setting(std::string_view(name).substr(0, name.size() - 5));
    if (!match) {
      const std::string_view base = name.ends_with("_FILE")
                                        ? std::string_view(name).substr(0, name.size() - 5)
                                        : std::string_view(name);
      if (belongs_to_another_service(schema.service(), base)) continue;
      errors.push_back({name, "is not a known setting"});
      continue;
    }
    auto& slot = config.values_[match->key];
    if (!from_file) {
      // The file wins: an image's default (ENV) gives way to a secret given at run time.
      if (environment.contains(name + "_FILE")) continue;
      slot.text = value;
      slot.source = Source::kEnvironment;
      continue;
    }
    std::ifstream in(value, std::ios::binary);
    if (!in) {
      errors.push_back({name, "cannot read " + value});
      continue;
    }
    std::string text{std::istreambuf_iterator<char>(in), {}};
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
    slot.text = std::move(text);
    slot.source = Source::kEnvironment;
  }

  for (const Setting& setting : schema.settings()) {
    if (!setting.validate) continue;
    const auto& slot = config.values_[setting.key];
    if (auto message = setting.validate(slot.text)) {
      const std::string where =
          slot.source == Source::kEnvironment ? environment_name(setting.key) : setting.key;
      if (!setting.secret) *message += " (got \"" + slot.text + "\")";
      errors.push_back({where, *message});
    }
  }
  if (!errors.empty()) {
    core::Error error = core::Error::invalid_fields(std::move(errors));
    return error;
  }
  return config;
}

const std::string& Config::get(std::string_view key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("undeclared setting: " + std::string(key));
  return it->second.text;
}

std::int64_t Config::get_int(std::string_view key) const {
  const auto value = core::parse_integer<std::int64_t>(get(key));
  if (!value) throw std::logic_error("setting is not an integer: " + std::string(key));
  return *value;
}

bool Config::get_bool(std::string_view key) const {
  const auto value = parse_bool(get(key));
  if (!value) throw std::logic_error("setting is not a boolean: " + std::string(key));
  return *value;
}

Source Config::source(std::string_view key) const {
  const auto it = values_.find(key);
  if (it == values_.end()) throw std::logic_error("undeclared setting: " + std::string(key));
  return it->second.source;
}

std::vector<std::pair<std::string, std::string>> Config::describe() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [key, value] : values_)
    out.emplace_back(key, value.secret ? "[redacted]" : value.text);
  return out;
}

std::string format_errors(const core::Error& error) {
  std::string out = "configuration is invalid:\n";
  for (const auto& field_error : error.field_errors())
    out += "  " + field_error.field + ": " + field_error.message + "\n";
  if (error.field_errors().empty()) out += "  " + error.detail() + "\n";
  return out;
}

}  // namespace platform::config
