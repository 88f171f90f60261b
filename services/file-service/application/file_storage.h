// The port through which the file-service keeps file bytes. Implemented by
// infrastructure/local_file_storage (a directory on the local disk, the embedded default)
// and infrastructure/s3/s3_file_storage (S3-compatible object storage, production).
//
// An upload is first spooled to a local file while its size, sha256 and type are worked
// out; only a complete, accepted upload reaches `put`. So a backend never sees a partial
// or rejected upload, and the spool bounds memory whatever the file's size.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/result.h"

namespace file_service::application {

// Where a byte range lives when it is in a local file: lets the server send it with
// sendfile(2) instead of copying it through user space.
struct LocalFileRange {
  int descriptor = -1;       // open for reading; owned by the reader
  std::uint64_t offset = 0;  // of the range's first byte in the file
};

// Reads one byte range of a stored object, front to back. Not thread-safe; may block.
class ObjectReader {
 public:
  virtual ~ObjectReader() = default;
  // Fills up to buffer.size() bytes and returns how many; 0 once the range is exhausted.
  // kUnavailable when the backend fails mid-way.
  virtual platform::core::Result<std::size_t> read(std::span<char> buffer) = 0;
  // Set when the range can be sent straight from a local file.
  virtual std::optional<LocalFileRange> local_file() const { return std::nullopt; }
};

// What the service knows about an object's bytes when it stores them.
struct ObjectDetails {
  std::uint64_t size = 0;
  std::string sha256_hex;  // of the whole content, lower-case hex
  std::string content_type;
};

struct StoredObject {
  std::string key;
  std::uint64_t size = 0;
  // Seconds since the Unix epoch when the object was last written: orphan collection
  // leaves young objects alone, since an upload stores bytes before its metadata.
  std::int64_t modified_unix = 0;
};

class FileStorage {
 public:
  virtual ~FileStorage() = default;

  // "local" or "s3": for logs and readiness.
  virtual std::string_view backend() const = 0;

  // Stores the complete content of `spool_file` under `key` atomically: a reader sees the
  // whole object or none. The spool file may be moved by the call (local disk renames
  // it); the caller removes whatever is left at `spool_file` afterwards.
  // kUnavailable when the backend cannot be reached.
  virtual platform::core::Result<void> put(const std::string& key,
                                           const std::filesystem::path& spool_file,
                                           const ObjectDetails& details) = 0;

  // Opens bytes [offset, offset + length) of `key`; the caller checked the range against
  // the stored size. kNotFound when the object is absent.
  virtual platform::core::Result<std::unique_ptr<ObjectReader>> open(const std::string& key,
                                                                     std::uint64_t offset,
                                                                     std::uint64_t length) = 0;

  // Removes `key`; success when it was already absent.
  virtual platform::core::Result<void> remove(const std::string& key) = 0;

  // Every stored object, for orphan collection.
  virtual platform::core::Result<std::vector<StoredObject>> list() = 0;

  // Whether the backend answers, for readiness. kUnavailable when not.
  virtual platform::core::Result<void> check() = 0;
};

}  // namespace file_service::application
