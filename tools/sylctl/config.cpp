// `sylctl config show|set`: a service's configuration in the config-service, read and
// changed with the platform's token (platform_token.h).
#include <boost/json.hpp>
#include <cstdlib>
#include <iostream>

#include "commands.h"
#include "platform/http/client.h"
#include "platform_token.h"

namespace sylctl {

namespace {

using namespace std::chrono_literals;

struct Target {
  std::string base;  // "http://127.0.0.1:8100"
  std::string token;
};

// Where the config-service of the platform in this directory is, and its token.
std::optional<Target> target(const ConfigOptions& options) {
  const Layout layout(std::filesystem::current_path());
  auto token = existing_platform_token(layout);
  if (!token) {
    std::cerr << "sylctl: no platform token (" << layout.platform_token_file().string()
              << " is made by `sylctl up`; or set SYL_PLATFORM_TOKEN)\n";
    return std::nullopt;
  }
  const auto state = read_state(layout);
  Ports ports = state ? state->ports : Ports{};
  if (options.port_base) ports.base = *options.port_base;
  const auto config_service = find_service("config-service");
  return Target{"http://127.0.0.1:" + std::to_string(ports.service_port(*config_service)),
                std::move(*token)};
}

platform::http::ClientRequest request(const Target& target, std::string method,
                                      const std::string& path) {
  platform::http::ClientRequest request{.method = std::move(method), .url = target.base + path};
  request.headers.set("Authorization", "Bearer " + target.token);
  return request;
}

// The answer when it has `status`; otherwise says why not on stderr.
std::optional<boost::json::object> expect(
    const platform::core::Result<platform::http::ClientResponse>& answer, int status,
    const std::string& what) {
  if (!answer) {
    std::cerr << "sylctl: " << what << ": " << answer.error().detail() << "\n";
    return std::nullopt;
  }
  if (answer->status != status) {
    const auto problem = answer->problem();
    std::cerr << "sylctl: " << what << ": HTTP " << answer->status
              << (problem ? ": " + problem->detail : "") << "\n";
    return std::nullopt;
  }
  boost::system::error_code error;
  auto body = boost::json::parse(answer->body, error);
  if (error || !body.is_object()) {
    std::cerr << "sylctl: " << what << ": the answer is not a JSON object\n";
    return std::nullopt;
  }
  return std::move(body.as_object());
}

std::string text_of(const boost::json::value& value) {
  return value.is_string() ? std::string(value.as_string()) : boost::json::serialize(value);
}

}  // namespace

int run_config_show(const ConfigOptions& options) {
  const auto where = target(options);
  if (!where) return kExitFailed;
  platform::http::Client client(
      {.connect_timeout = 2s, .request_timeout = 5s, .peer_name = "config-service"});
  const auto answer =
      client.send(request(*where, "GET", "/config/" + options.service + "?env=" + options.env));
  const auto document = expect(answer, 200, "cannot read the configuration of " + options.service);
  if (!document) return kExitFailed;
  std::cout << options.service << " (env " << options.env << ", version "
            << text_of(document->at("version")) << ")\n";
  for (const auto& [key, value] : document->at("settings").as_object())
    std::cout << "  " << std::string(key) << " = " << text_of(value) << "\n";
  return kExitOk;
}

int run_config_set(const ConfigOptions& options) {
  const auto where = target(options);
  if (!where) return kExitFailed;
  platform::http::Client client(
      {.connect_timeout = 2s, .request_timeout = 5s, .peer_name = "config-service"});
  const std::string path = "/config/" + options.service + "?env=" + options.env;
  // A PUT replaces the env's whole document: start from its latest version, and make the
  // change conditional on the version read (If-Match), so that nobody's change is lost.
  const auto current = expect(client.send(request(*where, "GET", path)), 200,
                              "cannot read the configuration of " + options.service);
  if (!current) return kExitFailed;
  const auto history = expect(
      client.send(request(*where, "GET",
                          "/config/" + options.service + "/history?limit=1&env=" + options.env)),
      200, "cannot read the history of " + options.service);
  if (!history) return kExitFailed;
  boost::json::object settings;
  if (const auto& versions = history->at("versions").as_array(); !versions.empty())
    settings = versions.front().at("settings").as_object();
  for (const auto& [key, value] : options.settings) settings[key] = value;

  boost::json::object body{{"settings", std::move(settings)}, {"author", options.author}};
  if (!options.comment.empty()) body["comment"] = options.comment;
  auto put = request(*where, "PUT", path);
  put.headers.set("Content-Type", "application/json");
  put.headers.set("If-Match", "\"" + text_of(current->at("version")) + "\"");
  put.body = boost::json::serialize(body);
  const auto changed =
      expect(client.send(put), 200, "cannot change the configuration of " + options.service);
  if (!changed) return kExitFailed;
  std::cout << options.service << " (env " << options.env << ") is at version "
            << text_of(changed->at("version")) << "\n";
  return kExitOk;
}

}  // namespace sylctl
