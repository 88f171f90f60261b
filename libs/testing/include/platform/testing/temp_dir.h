// A fresh directory under the system temp directory, removed with its contents when the
// object goes away.
//
//   TemporaryDirectory dir;
//   auto url = "sqlite://" + (dir.path() / "test.db").string();
#pragma once

#include <filesystem>

namespace platform::testing {

class TemporaryDirectory {
 public:
  TemporaryDirectory();
  ~TemporaryDirectory();
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;

  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace platform::testing
