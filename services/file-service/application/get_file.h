// GetFileHandler: one file's metadata.
#pragma once

#include "application/file_repository.h"
#include "domain/file_metadata.h"
#include "platform/core/result.h"

namespace file_service::application {

class GetFileHandler {
 public:
  explicit GetFileHandler(FileRepository& repository) : repository_(repository) {}
  // kNotFound when absent.
  platform::core::Result<domain::FileMetadata> handle(const platform::core::Uuid& id);

 private:
  FileRepository& repository_;
};

}  // namespace file_service::application
