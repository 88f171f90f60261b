// A stored file's metadata: what the file-service knows about a document's bytes. The
// content is immutable; a new document is a new file.
//
// Standard library and platform::core only: no database, no HTTP, no storage.
#pragma once

#include <cstdint>
#include <string>
#include <variant>

#include "platform/core/time.h"
#include "platform/core/uuid.h"

namespace file_service::domain {

struct FileMetadata {
  platform::core::Uuid id;
  std::string filename;      // the sanitised original name (domain/filename.h)
  std::string content_type;  // decided from the bytes (domain/content_type.h)
  std::uint64_t size = 0;    // bytes
  std::string sha256;        // of the content, 64 lower-case hex digits; also the ETag
  std::string storage_key;   // where the storage backend keeps the bytes
  std::string uploaded_by;   // the caller's identity as the gateway passed it on
  platform::core::Timestamp created_at;

  friend bool operator==(const FileMetadata&, const FileMetadata&) = default;
};

// What happened to files: past-tense facts the service publishes for others.
// Wire types (infrastructure/file_event_mapper): file.uploaded.v1, file.deleted.v1.
struct FileUploaded {
  FileMetadata file;
};

struct FileDeleted {
  FileMetadata file;  // the metadata as it was before deletion
  std::string deleted_by;
  platform::core::Timestamp deleted_at;
};

using FileEvent = std::variant<FileUploaded, FileDeleted>;

}  // namespace file_service::domain
