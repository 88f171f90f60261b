#include "application/get_file.h"

namespace file_service::application {

using platform::core::Result;

Result<domain::FileMetadata> GetFileHandler::handle(const platform::core::Uuid& id) {
  return repository_.find(id);
}

}  // namespace file_service::application
