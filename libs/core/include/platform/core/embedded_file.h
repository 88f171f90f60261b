// A text file compiled into the binary by cmake/EmbedFiles.cmake (migrations,
// OpenAPI documents), so that an executable needs nothing beside itself.
#pragma once

#include <string>

namespace platform::core {

struct EmbeddedFile {
  std::string name;
  std::string content;
};

}  // namespace platform::core
