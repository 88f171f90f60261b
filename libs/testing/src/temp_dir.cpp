#include "platform/testing/temp_dir.h"

#include <random>
#include <system_error>

#include "random_name.h"

namespace platform::testing {
namespace {

using internal::random_hex;

}  // namespace

TemporaryDirectory::TemporaryDirectory() {
  std::filesystem::path base = std::filesystem::temp_directory_path();
  // create_directory reports whether it created the directory, so a name collision
  // (vanishingly rare) just draws another name instead of sharing a directory.
  do {
    path_ = base / ("syltest-" + random_hex(16));
  } while (!std::filesystem::create_directory(path_));
}

TemporaryDirectory::~TemporaryDirectory() {
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

}  // namespace platform::testing
