#include "platform/testing/temp_dir.h"

#include <random>
#include <system_error>

namespace platform::testing {
namespace {

std::string random_hex(std::size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::random_device device;
  std::string text;
  for (std::size_t i = 0; i < length; ++i) text += kDigits[device() % 16];
  return text;
}

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
