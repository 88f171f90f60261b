#include "application/upload_file.h"

#include "application/import_file.h"

namespace file_service::application {

using platform::core::Error;
using platform::core::Result;

namespace {

// The metadata of `upload` (type decided from its bytes and checked against the
// allow-list) with its bytes put in storage under the file's id. Shared by uploads and
// imports; nothing is stored on error.
Result<domain::FileMetadata> store_bytes(FileStorage& storage, const domain::Allowlist& allowlist,
                                         domain::FileMetadata file, const SpooledUpload& upload) {
  if (upload.size == 0) return Error::invalid_argument("file", "must not be empty");
  domain::DetectedType type = domain::detect_content_type(upload.head, upload.tail, file.filename);
  // The head and tail looked like text; the whole must be, or it is not text at all.
  if ((type.name == "txt" || type.name == "md") && !upload.text) {
    type = {.name = "unknown", .mime = "application/octet-stream"};
  }
  if (!allowlist.allows(type)) {
    std::string allowed;
    for (const auto& name : allowlist.names()) allowed += (allowed.empty() ? "" : ", ") + name;
    return Error(
        platform::core::ErrorCode::kUnsupportedMediaType,
        "the content is " +
            (type.name == "unknown" ? std::string("of an unknown type") : "of type " + type.name) +
            "; accepted types are " + allowed);
  }
  file.content_type = type.mime;
  file.size = upload.size;
  file.sha256 = upload.sha256;
  file.storage_key = file.id.to_string();
  const ObjectDetails details{
      .size = file.size, .sha256_hex = file.sha256, .content_type = file.content_type};
  if (auto stored = storage.put(file.storage_key, upload.path, details); !stored) {
    return stored.error();
  }
  return file;
}

}  // namespace

Result<domain::FileMetadata> UploadFileHandler::handle(const UploadFileCommand& command,
                                                       SpooledUpload upload) {
  auto file = store_bytes(storage_, allowlist_,
                          {.id = new_id_(),
                           .filename = command.filename,
                           .uploaded_by = command.uploaded_by,
                           .created_at = clock_()},
                          upload);
  if (!file) return file;
  auto inserted = repository_.insert(*file, Change{domain::FileUploaded{*file}, command.origin});
  if (!inserted) {
    // Best effort: what is left is an orphan, collected later.
    (void)storage_.remove(file->storage_key);
    return inserted.error();
  }
  return file;
}

Result<ImportedFile> ImportFileHandler::handle(const ImportFileCommand& command,
                                               SpooledUpload upload) {
  using platform::core::ImportOutcome;
  const auto existing = [&]() -> Result<ImportedFile> {
    auto known = imports_.imported(command.legacy_id);
    if (!known) return std::move(known).error();
    if (!*known) return Error::internal("legacy file " + command.legacy_id + " vanished");
    return ImportedFile{ImportOutcome::kExisting, std::move(**known)};
  };
  auto known = imports_.imported(command.legacy_id);
  if (!known) return std::move(known).error();
  if (*known) return ImportedFile{ImportOutcome::kExisting, std::move(**known)};

  auto file = store_bytes(storage_, allowlist_,
                          {.id = new_id_(),
                           .filename = command.filename,
                           .uploaded_by = command.uploaded_by,
                           .created_at = command.created_at},
                          upload);
  if (!file) return std::move(file).error();
  auto inserted = imports_.insert_imported(command.legacy_id, *file,
                                           Change{domain::FileUploaded{*file}, command.origin});
  if (!inserted) {
    (void)storage_.remove(file->storage_key);
    // Another import of the same legacy file won the race: its file is the answer.
    if (inserted.error().code() == platform::core::ErrorCode::kAlreadyExists) return existing();
    return inserted.error();
  }
  return ImportedFile{ImportOutcome::kCreated, std::move(*file)};
}

}  // namespace file_service::application
