// File bytes in a directory on the local disk: the embedded default backend.
//
//   LocalFileStorage storage("var/files");   // creates objects/ and tmp/ below it
//   storage.put(key, spool, details);        // fsync, then rename into objects/
//   auto reader = storage.open(key, 0, size);
//
// Layout: <root>/objects/<last two characters of the key>/<key>. A file is written
// elsewhere first (the upload's spool file, in <root>/tmp on the same file system),
// flushed to disk, then renamed into place and the directory flushed: a reader sees the
// whole file or none, also after a crash.
#pragma once

#include <filesystem>

#include "application/file_storage.h"

namespace file_service::infrastructure {

class LocalFileStorage final : public application::FileStorage {
 public:
  // Throws std::runtime_error when the directories cannot be created (start-up).
  explicit LocalFileStorage(std::filesystem::path root);

  std::string_view backend() const override { return "local"; }
  platform::core::Result<void> put(const std::string& key, const std::filesystem::path& spool_file,
                                   const application::ObjectDetails& details) override;
  platform::core::Result<std::unique_ptr<application::ObjectReader>> open(
      const std::string& key, std::uint64_t offset, std::uint64_t length) override;
  platform::core::Result<void> remove(const std::string& key) override;
  platform::core::Result<std::vector<application::StoredObject>> list() override;
  platform::core::Result<void> check() override;

  // Where uploads should spool: on the same file system, so put() is a rename.
  std::filesystem::path spool_directory() const { return root_ / "tmp"; }
  // The path of `key`'s bytes (tests look at it).
  std::filesystem::path path_of(const std::string& key) const;

 private:
  std::filesystem::path root_;
};

}  // namespace file_service::infrastructure
