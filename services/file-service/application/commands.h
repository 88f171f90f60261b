// The file-service's commands: store an upload, delete a file, collect orphaned bytes.
//
//   UploadFileHandler upload(repository, storage, allowlist, clock, new_id);
//   auto file = upload.handle({.filename = name, .uploaded_by = user}, std::move(spooled));
//
// Order of writes, chosen so that metadata never points at missing bytes:
// - upload: bytes first (storage.put), then metadata and its event in one transaction;
//   if the transaction fails the bytes are removed again (or, failing that, collected).
// - delete: metadata and its event first, then the bytes; bytes whose removal failed are
//   orphans, collected later by CollectOrphansHandler.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <string>

#include "application/file_repository.h"
#include "application/file_storage.h"
#include "application/upload_spool.h"
#include "domain/content_type.h"
#include "domain/file_metadata.h"
#include "platform/core/result.h"

namespace file_service::application {

using Clock = std::function<platform::core::Timestamp()>;
using IdGenerator = std::function<platform::core::Uuid()>;

struct UploadFileCommand {
  std::string filename;  // already sanitised (domain/filename.h)
  std::string uploaded_by;
  EventOrigin origin;
};

class UploadFileHandler {
 public:
  UploadFileHandler(FileRepository& repository, FileStorage& storage, domain::Allowlist allowlist,
                    Clock clock, IdGenerator new_id)
      : repository_(repository),
        storage_(storage),
        allowlist_(std::move(allowlist)),
        clock_(std::move(clock)),
        new_id_(std::move(new_id)) {}

  // kUnsupportedMediaType when the bytes are not of an allowed type, kInvalidArgument for
  // an empty file, kUnavailable when storage or database fail. Nothing is kept on error.
  platform::core::Result<domain::FileMetadata> handle(const UploadFileCommand& command,
                                                      SpooledUpload upload);

 private:
  FileRepository& repository_;
  FileStorage& storage_;
  domain::Allowlist allowlist_;
  Clock clock_;
  IdGenerator new_id_;
};

struct DeleteFileCommand {
  platform::core::Uuid id;
  std::string deleted_by;
  EventOrigin origin;
};

class DeleteFileHandler {
 public:
  DeleteFileHandler(FileRepository& repository, FileStorage& storage, Clock clock)
      : repository_(repository), storage_(storage), clock_(std::move(clock)) {}

  // kNotFound when there is no such file. Success once the metadata is gone, even when
  // the bytes could not be removed (they are then collected as orphans).
  platform::core::Result<void> handle(const DeleteFileCommand& command);

 private:
  FileRepository& repository_;
  FileStorage& storage_;
  Clock clock_;
};

struct OrphanReport {
  std::size_t objects_seen = 0;
  std::size_t orphans_removed = 0;
  std::size_t spool_files_removed = 0;
};

// Removes stored objects that no metadata points at (a delete whose byte removal failed,
// an upload whose transaction failed, a crash between the two) and spool files left by a
// crash. Objects and spool files younger than `grace` are left alone: an upload in
// progress has bytes but no metadata yet.
class CollectOrphansHandler {
 public:
  CollectOrphansHandler(FileRepository& repository, FileStorage& storage,
                        std::filesystem::path spool_directory, std::chrono::seconds grace,
                        Clock clock)
      : repository_(repository),
        storage_(storage),
        spool_directory_(std::move(spool_directory)),
        grace_(grace),
        clock_(std::move(clock)) {}

  platform::core::Result<OrphanReport> handle();

 private:
  FileRepository& repository_;
  FileStorage& storage_;
  std::filesystem::path spool_directory_;
  std::chrono::seconds grace_;
  Clock clock_;
};

}  // namespace file_service::application
