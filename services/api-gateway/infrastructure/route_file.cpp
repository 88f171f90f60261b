#include "infrastructure/route_file.h"

#include <yaml-cpp/yaml.h>

#include <set>

#include "platform/core/embedded_file.h"
#include "platform/core/strings.h"

namespace api_gateway::infrastructure {

namespace generated {
std::vector<platform::core::EmbeddedFile> route_files();
}

namespace {

using platform::core::Error;
using platform::core::FieldError;

// Reads one document, collecting every problem with its path instead of stopping at the
// first.
class Reader {
 public:
  std::vector<FieldError> errors;

  void keys(const YAML::Node& node, const std::string& where,
            const std::set<std::string, std::less<>>& allowed) {
    if (!node.IsMap()) return;
    for (const auto& entry : node) {
      const auto key = entry.first.as<std::string>("");
      if (!allowed.contains(key)) errors.push_back({join(where, key), "is not a known key"});
    }
  }

  bool map(const YAML::Node& node, const std::string& where) {
    if (node.IsMap()) return true;
    errors.push_back({where, "must be a mapping"});
    return false;
  }

  std::string text(const YAML::Node& node, const std::string& where) {
    if (!node.IsScalar()) {
      errors.push_back({where, "must be a string"});
      return {};
    }
    return node.Scalar();
  }

  std::int64_t integer(const YAML::Node& node, const std::string& where, std::int64_t min,
                       std::int64_t max) {
    const auto value =
        node.IsScalar() ? platform::core::parse_integer<std::int64_t>(node.Scalar()) : std::nullopt;
    if (!value || *value < min || *value > max) {
      errors.push_back({where, "must be a whole number between " + std::to_string(min) + " and " +
                                   std::to_string(max)});
      return min;
    }
    return *value;
  }

  double number(const YAML::Node& node, const std::string& where) {
    try {
      if (node.IsScalar()) return node.as<double>();
    } catch (const YAML::Exception&) {
    }
    errors.push_back({where, "must be a number"});
    return 0;
  }

  bool boolean(const YAML::Node& node, const std::string& where) {
    if (node.IsScalar() && (node.Scalar() == "true" || node.Scalar() == "false"))
      return node.Scalar() == "true";
    errors.push_back({where, "must be true or false"});
    return false;
  }

  std::vector<std::string> list(const YAML::Node& node, const std::string& where) {
    std::vector<std::string> out;
    if (!node.IsSequence()) {
      errors.push_back({where, "must be a list"});
      return out;
    }
    for (std::size_t i = 0; i < node.size(); ++i)
      out.push_back(text(node[i], where + "[" + std::to_string(i) + "]"));
    return out;
  }

  std::vector<std::pair<std::string, std::string>> pairs(const YAML::Node& node,
                                                         const std::string& where) {
    std::vector<std::pair<std::string, std::string>> out;
    if (!map(node, where)) return out;
    for (const auto& entry : node)
      out.emplace_back(entry.first.as<std::string>(""),
                       text(entry.second, join(where, entry.first.as<std::string>(""))));
    return out;
  }

  domain::HeaderRules headers(const YAML::Node& node, const std::string& where) {
    domain::HeaderRules rules;
    if (!map(node, where)) return rules;
    keys(node, where, {"set", "remove", "rename"});
    if (node["set"]) rules.set = pairs(node["set"], where + ".set");
    if (node["remove"]) rules.remove = list(node["remove"], where + ".remove");
    if (node["rename"]) rules.rename = pairs(node["rename"], where + ".rename");
    return rules;
  }

  domain::RouteSpec route(const YAML::Node& node, const std::string& where) {
    domain::RouteSpec route;
    if (!map(node, where)) return route;
    keys(node, where,
         {"name", "prefix", "rewrite", "upstream", "urls", "methods", "auth", "roles", "rate_limit",
          "timeout_ms", "attempt_timeout_ms", "max_attempts", "cacheable", "stale_if_error_seconds",
          "request_headers", "response_headers"});
    if (node["name"]) route.name = text(node["name"], where + ".name");
    if (node["prefix"])
      route.prefix = text(node["prefix"], where + ".prefix");
    else
      errors.push_back({where + ".prefix", "is required"});
    if (node["rewrite"]) route.rewrite = text(node["rewrite"], where + ".rewrite");
    if (node["upstream"]) route.upstream = text(node["upstream"], where + ".upstream");
    if (node["urls"]) route.urls = list(node["urls"], where + ".urls");
    if (node["methods"]) route.methods = list(node["methods"], where + ".methods");
    if (node["auth"]) {
      const std::string auth = text(node["auth"], where + ".auth");
      if (auth == "required")
        route.access = domain::Access::kAuthenticated;
      else if (auth == "optional")
        route.access = domain::Access::kOptional;
      else if (auth == "public")
        route.access = domain::Access::kPublic;
      else
        errors.push_back({where + ".auth", "must be required, optional or public"});
    }
    if (node["roles"])
      for (auto& [method, role] : pairs(node["roles"], where + ".roles"))
        route.roles[method] = role;
    if (node["rate_limit"]) route.rate_limit = text(node["rate_limit"], where + ".rate_limit");
    if (node["timeout_ms"])
      route.timeout = std::chrono::milliseconds(
          integer(node["timeout_ms"], where + ".timeout_ms", 1, 3'600'000));
    route.attempt_timeout = route.timeout;
    if (node["attempt_timeout_ms"])
      route.attempt_timeout = std::chrono::milliseconds(
          integer(node["attempt_timeout_ms"], where + ".attempt_timeout_ms", 1, 3'600'000));
    if (node["max_attempts"])
      route.max_attempts =
          static_cast<int>(integer(node["max_attempts"], where + ".max_attempts", 1, 5));
    if (node["cacheable"]) route.cacheable = boolean(node["cacheable"], where + ".cacheable");
    if (node["stale_if_error_seconds"])
      route.stale_if_error = std::chrono::seconds(integer(node["stale_if_error_seconds"],
                                                          where + ".stale_if_error_seconds", 1,
                                                          std::int64_t{7} * 24 * 3600));
    if (node["request_headers"])
      route.request_headers = headers(node["request_headers"], where + ".request_headers");
    if (node["response_headers"])
      route.response_headers = headers(node["response_headers"], where + ".response_headers");
    if (route.name.empty()) route.name = route.prefix;
    return route;
  }

 private:
  static std::string join(const std::string& where, std::string_view key) {
    return where.empty() ? std::string(key) : where + "." + std::string(key);
  }
};

}  // namespace

namespace {

platform::core::Result<domain::GatewayConfig> parse_document(std::string_view text,
                                                             const RouteDefaults& defaults) {
  YAML::Node root;
  try {
    root = YAML::Load(std::string(text));
  } catch (const YAML::Exception& error) {
    return Error::invalid_argument("routes", std::string("is not valid YAML: ") + error.what());
  }
  Reader reader;
  domain::GatewayConfig config;
  config.rate_limits["default"] = {.name = "default",
                                   .requests_per_second = defaults.default_rps,
                                   .burst = defaults.default_burst};
  if (!reader.map(root, "routes document")) return Error::invalid_fields(std::move(reader.errors));
  reader.keys(root, "", {"routes", "rate_limits", "cors"});
  if (const YAML::Node limits = root["rate_limits"]; limits && reader.map(limits, "rate_limits")) {
    for (const auto& entry : limits) {
      const std::string name = entry.first.as<std::string>("");
      const std::string where = "rate_limits." + name;
      if (!reader.map(entry.second, where)) continue;
      reader.keys(entry.second, where, {"rps", "burst"});
      domain::RateLimitPolicy policy{.name = name};
      if (entry.second["rps"])
        policy.requests_per_second = reader.number(entry.second["rps"], where + ".rps");
      if (entry.second["burst"])
        policy.burst = static_cast<std::uint32_t>(
            reader.integer(entry.second["burst"], where + ".burst", 1, 1'000'000));
      config.rate_limits[name] = policy;
    }
  }
  if (const YAML::Node cors = root["cors"]; cors && reader.map(cors, "cors")) {
    reader.keys(cors, "cors", {"origins", "max_age_seconds", "allow_headers", "expose_headers"});
    if (cors["origins"]) config.cors.origins = reader.list(cors["origins"], "cors.origins");
    if (cors["allow_headers"])
      config.cors.allow_headers = reader.list(cors["allow_headers"], "cors.allow_headers");
    if (cors["expose_headers"])
      config.cors.expose_headers = reader.list(cors["expose_headers"], "cors.expose_headers");
    if (cors["max_age_seconds"])
      config.cors.max_age = std::chrono::seconds(
          reader.integer(cors["max_age_seconds"], "cors.max_age_seconds", 0, 86'400));
  }
  const YAML::Node routes = root["routes"];
  if (!routes || !routes.IsSequence() || routes.size() == 0) {
    reader.errors.push_back({"routes", "must be a non-empty list of routes"});
  } else {
    for (std::size_t i = 0; i < routes.size(); ++i)
      config.routes.push_back(reader.route(routes[i], "routes[" + std::to_string(i) + "]"));
  }
  if (!reader.errors.empty()) return Error::invalid_fields(std::move(reader.errors));
  return config;
}

}  // namespace

platform::core::Result<domain::GatewayConfig> parse_routes(std::string_view text,
                                                           const RouteDefaults& defaults) {
  // A node of an unexpected kind met where a map was checked for already still throws
  // (yaml-cpp): a document that odd is refused as a whole.
  try {
    return parse_document(text, defaults);
  } catch (const YAML::Exception& error) {
    return Error::invalid_argument("routes", std::string("cannot be read: ") + error.what());
  }
}

platform::core::Result<domain::RouteTable> load_routes(std::string_view text,
                                                       const RouteDefaults& defaults) {
  auto config = parse_routes(text, defaults);
  if (!config) return std::move(config).error();
  return domain::RouteTable::build(std::move(*config));
}

const std::string& default_routes() {
  static const std::string text = generated::route_files().at(0).content;
  return text;
}

}  // namespace api_gateway::infrastructure
