// UploadFileCommand and its handler: a spooled upload becomes a stored file.
//
//   UploadFileHandler upload(repository, storage, allowlist, clock, new_id);
//   auto file = upload.handle({.filename = name, .uploaded_by = user}, std::move(spooled));
//
// Bytes first (storage.put), then metadata and its event in one transaction, so that
// metadata never points at missing bytes; if the transaction fails the bytes are removed
// again (or, failing that, collected by CollectOrphansHandler).
#pragma once

#include <string>

#include "application/clock.h"
#include "application/file_repository.h"
#include "application/file_storage.h"
#include "application/upload_spool.h"
#include "domain/content_type.h"
#include "platform/core/result.h"

namespace file_service::application {

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

}  // namespace file_service::application
