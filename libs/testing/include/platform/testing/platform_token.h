// The platform token of the services the tests start (SYL_PLATFORM_TOKEN), and the header
// that carries it on the tests' own calls to the config-service.
//
//   ServiceProcess config(CONFIG_SERVICE_BINARY, {{"SYL_PLATFORM_TOKEN", kPlatformToken}, ...});
//   http_request(config.port(), "PUT", "/config/svc", body, {authorization()});
#pragma once

#include <string>
#include <utility>

namespace platform::testing {

inline constexpr const char* kPlatformToken = "test-platform-token-0123456789abcdef";

inline std::pair<std::string, std::string> authorization(
    const std::string& token = kPlatformToken) {
  return {"Authorization", "Bearer " + token};
}

}  // namespace platform::testing
