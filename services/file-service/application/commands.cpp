#include "application/commands.h"

#include <sys/stat.h>

#include <system_error>

namespace file_service::application {

namespace {

using platform::core::Error;
using platform::core::Result;

}  // namespace

Result<domain::FileMetadata> UploadFileHandler::handle(const UploadFileCommand& command,
                                                       SpooledUpload upload) {
  if (upload.size == 0) return Error::invalid_argument("file", "must not be empty");
  domain::DetectedType type =
      domain::detect_content_type(upload.head, upload.tail, command.filename);
  // The head and tail looked like text; the whole must be, or it is not text at all.
  if ((type.name == "txt" || type.name == "md") && !upload.text) {
    type = {.name = "unknown", .mime = "application/octet-stream"};
  }
  if (!allowlist_.allows(type)) {
    std::string allowed;
    for (const auto& name : allowlist_.names()) allowed += (allowed.empty() ? "" : ", ") + name;
    return Error(
        platform::core::ErrorCode::kUnsupportedMediaType,
        "the content is " +
            (type.name == "unknown" ? std::string("of an unknown type") : "of type " + type.name) +
            "; accepted types are " + allowed);
  }

  domain::FileMetadata file{.id = new_id_(),
                            .filename = command.filename,
                            .content_type = type.mime,
                            .size = upload.size,
                            .sha256 = upload.sha256,
                            .storage_key = "",
                            .uploaded_by = command.uploaded_by,
                            .created_at = clock_()};
  file.storage_key = file.id.to_string();
  const ObjectDetails details{
      .size = file.size, .sha256_hex = file.sha256, .content_type = file.content_type};
  if (auto stored = storage_.put(file.storage_key, upload.path, details); !stored) {
    return stored.error();
  }
  auto inserted = repository_.insert(file, Change{domain::FileUploaded{file}, command.origin});
  if (!inserted) {
    // Best effort: what is left is an orphan, collected later.
    (void)storage_.remove(file.storage_key);
    return inserted.error();
  }
  return file;
}

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

Result<OrphanReport> CollectOrphansHandler::handle() {
  OrphanReport report;
  const std::int64_t cutoff = platform::core::unix_seconds(clock_()) - grace_.count();
  auto objects = storage_.list();
  if (!objects) return objects.error();
  report.objects_seen = objects->size();
  std::vector<std::string> old_keys;
  for (const auto& object : *objects) {
    if (object.modified_unix < cutoff) old_keys.push_back(object.key);
  }
  if (!old_keys.empty()) {
    auto referenced = repository_.referenced_keys(old_keys);
    if (!referenced) return referenced.error();
    for (const auto& key : old_keys) {
      if (referenced->contains(key)) continue;
      if (storage_.remove(key)) ++report.orphans_removed;
    }
  }
  // Spool files of uploads a crash interrupted.
  std::error_code ec;
  for (std::filesystem::directory_iterator it(spool_directory_, ec), end; !ec && it != end;
       it.increment(ec)) {
    if (it->path().extension() != ".part") continue;
    struct stat status {};
    if (::stat(it->path().c_str(), &status) != 0) continue;
    if (status.st_mtim.tv_sec >= cutoff) continue;
    std::error_code remove_ec;
    if (std::filesystem::remove(it->path(), remove_ec)) ++report.spool_files_removed;
  }
  return report;
}

}  // namespace file_service::application
