// An API suite run a second time through the api-gateway: ctest's `*.through_gateway`
// tests (cmake: syl_run_through_gateway) set SYLTEST_GATEWAY_BINARY, and the suite then
// starts the real gateway in front of the service under test and sends its calls there.
// The routes keep the service's own paths, so the suite's requests and expectations stay
// as they are; what differs is only that every byte went through the gateway.
//
//   if (through_gateway())
//     gateway_ = std::make_unique<GatewayInFront>(
//         std::vector<GatewayRoute>{{"/subjects", service_->port()}});
//   const auto port = gateway_ ? gateway_->port() : service_->port();
//   headers = gateway_ ? gateway_->authorize(headers) : headers;
//
// A caller the suite signs itself (X-User-ID with X-User-Signature, as a test of the
// identity contract does) becomes a bearer token for that user and roles, which the
// gateway verifies and signs again with `identity_keys`; anything else goes anonymous
// (the routes let anonymous callers do everything, as the service alone does).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "platform/testing/http_client.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"

namespace platform::testing {

// Whether this run goes through the gateway (SYLTEST_GATEWAY_BINARY is set).
bool through_gateway();

struct GatewayRoute {
  std::string prefix;  // "/subjects": forwarded as it is
  std::uint16_t port;  // the service's
};

class GatewayInFront {
 public:
  // Starts the gateway (fails the test when it does not start). `identity_keys`: the ring
  // the service verifies X-User-* with, so that it trusts the gateway ("" for none).
  explicit GatewayInFront(const std::vector<GatewayRoute>& routes,
                          const std::string& identity_keys = "");
  ~GatewayInFront();
  GatewayInFront(const GatewayInFront&) = delete;
  GatewayInFront& operator=(const GatewayInFront&) = delete;

  std::uint16_t port() const { return process_->port(); }
  // The headers to send through the gateway (see above).
  HeaderList authorize(const HeaderList& headers) const;

 private:
  TemporaryDirectory directory_;
  std::unique_ptr<ServiceProcess> process_;
};

}  // namespace platform::testing
