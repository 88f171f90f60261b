// DeleteFileCommand and its handler: a file goes, metadata and its event first, then the
// bytes; bytes whose removal failed are orphans, collected by CollectOrphansHandler.
//
//   DeleteFileHandler remove(repository, storage, clock);
//   Result<void> removed = remove.handle({.id = id, .deleted_by = user});
#pragma once

#include <string>

#include "application/clock.h"
#include "application/file_repository.h"
#include "application/file_storage.h"
#include "platform/core/result.h"

namespace file_service::application {

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

}  // namespace file_service::application
