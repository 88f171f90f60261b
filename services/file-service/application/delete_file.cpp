#include "application/delete_file.h"

namespace file_service::application {

using platform::core::Result;

Result<void> DeleteFileHandler::handle(const DeleteFileCommand& command) {
  auto file = repository_.find(command.id);
  if (!file) return file.error();
  const domain::FileDeleted event{
      .file = *file, .deleted_by = command.deleted_by, .deleted_at = clock_()};
  if (auto removed = repository_.remove(command.id, Change{event, command.origin}); !removed) {
    return removed.error();
  }
  // The metadata is gone, so nothing can point at the bytes any more; when removing them
  // fails now they are an orphan for CollectOrphansHandler.
  (void)storage_.remove(file->storage_key);
  return platform::core::ok();
}

}  // namespace file_service::application
