#include "platform/service/openapi.h"

namespace platform::service {

void add_openapi_route(http::Router& router, const std::string& document) {
  router.get(
      "/openapi.json", [&document](http::Request&) { return http::Response::json(200, document); },
      http::Execution::kInline);
}

}  // namespace platform::service
