// An upload's bytes on their way in: written to a spool file as they arrive, with their
// size, SHA-256, first and last bytes and "is it text" worked out on the way, so that a
// file of any size costs a fixed amount of memory.
//
//   auto spool = UploadSpool::create("var/files/tmp", 50 * 1024 * 1024);
//   while (more) if (auto written = spool->write(chunk); !written) return written.error();
//   auto upload = spool->finish();   // SpooledUpload: path, size, sha256, head, tail
//
// The spool file is removed when the UploadSpool (or the SpooledUpload) is destroyed,
// unless the storage backend took it (LocalFileStorage renames it): so a rejected,
// oversized or abandoned upload leaves nothing behind.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>

#include "domain/content_type.h"
#include "platform/core/result.h"

namespace file_service::application {

// A complete upload in its spool file.
struct SpooledUpload {
  SpooledUpload() = default;
  SpooledUpload(SpooledUpload&& other) noexcept;
  SpooledUpload& operator=(SpooledUpload&& other) noexcept;
  SpooledUpload(const SpooledUpload&) = delete;
  SpooledUpload& operator=(const SpooledUpload&) = delete;
  ~SpooledUpload();  // removes the spool file if it is still there

  std::filesystem::path path;
  std::uint64_t size = 0;
  std::string sha256;  // lower-case hex
  std::string head;    // the first min(size, domain::kHeadBytes) bytes
  std::string tail;    // the last min(size, domain::kTailBytes) bytes
  bool text = false;   // the whole content is text (domain::TextScanner)
};

class UploadSpool {
 public:
  // Creates a new spool file in `directory`. kUnavailable when it cannot.
  static platform::core::Result<UploadSpool> create(const std::filesystem::path& directory,
                                                    std::uint64_t max_bytes);
  UploadSpool(UploadSpool&&) noexcept;
  UploadSpool& operator=(UploadSpool&&) noexcept;
  ~UploadSpool();

  // Appends `data`. kTooLarge as soon as the total passes max_bytes (the spool file is
  // removed at once); kUnavailable when the disk fails.
  platform::core::Result<void> write(std::string_view data);
  std::uint64_t size() const;
  // Flushes and closes the file; the spool is finished either way.
  platform::core::Result<SpooledUpload> finish();

 private:
  struct State;
  explicit UploadSpool(std::unique_ptr<State> state);
  std::unique_ptr<State> state_;
};

}  // namespace file_service::application
