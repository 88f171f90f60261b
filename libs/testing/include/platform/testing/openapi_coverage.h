// Keeps a service's OpenAPI document true: API tests record every answer they get
// (method, route template, status), and when the test program ends every recorded answer
// must be listed in the document.
//
//   auto& coverage = OpenApiCoverage::install(api::openapi_document(), route_of);
//   coverage.record("GET", "/subjects/0192...", 404);   // route_of maps it to /subjects/{id}
//
// Paths the document does not know (a 404 test of a made-up path) and 405 answers for
// methods a path does not serve are not part of the API and are skipped.
//
// And the other way round, the document lists exactly what the service serves:
//
//   expect_documents_every_route(router, api::openapi_document());   // router as main builds it
#pragma once

#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <tuple>

#include "platform/http/router.h"

namespace platform::testing {

// Records a test failure for every route of `router` that `document` does not list, for
// every documented operation that no route serves, and for every "$ref" that resolves to
// nothing; also checks that the document is OpenAPI 3. A documented HEAD is served by the
// path's GET route.
void expect_documents_every_route(const http::Router& router, const std::string& document);

class OpenApiCoverage {
 public:
  // Maps a request target ("/subjects/42?x=1") to its route template ("/subjects/{id}").
  using RouteOf = std::function<std::string(const std::string& target)>;

  // Registers the end-of-program check; call once per test file (static initialisation).
  static OpenApiCoverage& install(std::string document, RouteOf route_of);

  void record(const std::string& method, const std::string& target, int status);
  // Called by the check when the program ends.
  void verify() const;

 private:
  OpenApiCoverage(std::string document, RouteOf route_of)
      : document_(std::move(document)), route_of_(std::move(route_of)) {}

  std::string document_;
  RouteOf route_of_;
  mutable std::mutex mutex_;
  std::set<std::tuple<std::string, std::string, int>> answers_;  // method, route, status
};

}  // namespace platform::testing
