// Which build runs: the project's version and the commit it was built from (written at
// build time by cmake/BuildCommit.cmake). Shown by the build_info metric, /health/ready
// and the registry.
#pragma once

#include <string_view>

namespace platform::service {

struct BuildInfo {
  std::string_view version;  // "0.1.0"
  std::string_view commit;   // "1a2b3c4d5e6f", "...-dirty" or "unknown"
};

BuildInfo build_info();

}  // namespace platform::service
