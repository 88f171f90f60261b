#include "platform/testing/gateway_in_front.h"

#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <fstream>
#include <stdexcept>

#include "platform/auth/mint.h"
#include "platform/core/strings.h"

namespace platform::testing {
namespace {

// The gateway's token key in these runs (never used anywhere else).
constexpr const char* kTokenSecret = "through-the-gateway-test-secret-0123456789";

const char* gateway_binary() {
  return std::getenv("SYLTEST_GATEWAY_BINARY");
}

std::string_view find(const HeaderList& headers, std::string_view name) {
  for (const auto& [key, value] : headers)
    if (core::iequals(key, name)) return value;
  return {};
}

}  // namespace

bool through_gateway() {
  const char* binary = gateway_binary();
  return binary != nullptr && *binary != '\0';
}

GatewayInFront::GatewayInFront(const std::vector<GatewayRoute>& routes,
                               const std::string& identity_keys) {
  if (!through_gateway()) throw std::logic_error("SYLTEST_GATEWAY_BINARY is not set");
  const auto file = directory_.path() / "routes.yaml";
  std::ofstream out(file);
  out << "routes:\n";
  for (std::size_t i = 0; i < routes.size(); ++i) {
    // Anonymous callers may do everything (no role for any method), as with the service
    // alone; no rate limit, no stale answers; the service's own timeouts decide.
    out << "  - name: route-" << i << "\n"
        << "    prefix: " << routes[i].prefix << "\n"
        << "    urls: [http://127.0.0.1:" << routes[i].port << "]\n"
        << "    auth: optional\n"
        << "    roles: {GET: '', HEAD: '', POST: '', PUT: '', PATCH: '', DELETE: '', OPTIONS: ''}\n"
        << "    rate_limit: none\n"
        << "    timeout_ms: 120000\n"
        << "    max_attempts: 1\n";
  }
  out.close();
  Environment env{{"SYL_HTTP_PORT", "0"},
                  {"SYL_GATEWAY_ROUTES_FILE", file.string()},
                  {"SYL_AUTH_JWT_SECRET", kTokenSecret},
                  {"SYL_GATEWAY_GZIP", "false"},
                  {"SYL_PEERS_MAX_ATTEMPTS", "1"},
                  // An upstream answering 5xx opens the gateway's breaker as it should; a
                  // suite that brings a service's dependency back expects the service at
                  // once, so the breaker probes again soon.
                  {"SYL_PEERS_BREAKER_OPEN_MS", "100"}};
  if (!identity_keys.empty()) env.emplace_back("SYL_GATEWAY_IDENTITY_KEYS", identity_keys);
  process_ = std::make_unique<ServiceProcess>(gateway_binary(), env);
}

GatewayInFront::~GatewayInFront() = default;

HeaderList GatewayInFront::authorize(const HeaderList& headers) const {
  const std::string_view user = find(headers, "X-User-ID");
  const bool signed_by_test = !user.empty() && !find(headers, "X-User-Signature").empty();
  if (!signed_by_test) return headers;  // anonymous, or forged: the gateway strips it
  HeaderList out;
  for (const auto& [name, value] : headers)
    if (!(name.size() >= 7 && core::iequals(std::string_view(name).substr(0, 7), "X-User-")))
      out.emplace_back(name, value);
  std::vector<std::string> roles;
  for (const auto role : core::split(find(headers, "X-User-Roles"), ','))
    if (!core::trim(role).empty()) roles.emplace_back(core::trim(role));
  const auto now = std::chrono::duration_cast<std::chrono::seconds>(
                       std::chrono::system_clock::now().time_since_epoch())
                       .count();
  auto token = auth::mint_hs256(
      {.subject = std::string(user), .roles = std::move(roles), .issued_at = now}, kTokenSecret);
  if (!token) throw std::runtime_error("cannot mint a test token: " + token.error().detail());
  out.emplace_back("Authorization", "Bearer " + *token);
  return out;
}

}  // namespace platform::testing
