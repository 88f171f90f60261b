#include "application/upload_file.h"

namespace file_service::application {

using platform::core::Error;
using platform::core::Result;

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

}  // namespace file_service::application
