// ImportFileCommand and its handler: one file from the legacy system (sylmigrate;
// docs/migration.md), stored like an upload (type from the bytes, the allow-list, bytes
// first) but with its legacy name, uploader and time, and once: a legacy id imported
// before keeps the file it became.
//
//   ImportFileHandler import(imports, storage, allowlist, new_id);
//   if (auto known = import.imported("42"); known && *known) ...   // before reading bytes
//   auto file = import.handle({.legacy_id = "42", ...}, std::move(spooled));
#pragma once

#include <optional>
#include <string>

#include "application/clock.h"
#include "application/file_imports.h"
#include "application/file_repository.h"
#include "application/file_storage.h"
#include "application/upload_spool.h"
#include "domain/content_type.h"
#include "platform/core/legacy_import.h"
#include "platform/core/result.h"

namespace file_service::application {

struct ImportFileCommand {
  std::string legacy_id;
  std::string filename;  // already sanitised (domain/filename.h)
  std::string uploaded_by;
  platform::core::Timestamp created_at;
  EventOrigin origin;
};

class ImportFileHandler {
 public:
  ImportFileHandler(FileImports& imports, FileStorage& storage, domain::Allowlist allowlist,
                    IdGenerator new_id)
      : imports_(imports),
        storage_(storage),
        allowlist_(std::move(allowlist)),
        new_id_(std::move(new_id)) {}

  platform::core::Result<std::optional<domain::FileMetadata>> imported(
      const std::string& legacy_id) {
    return imports_.imported(legacy_id);
  }
  // kCreated with the new file, or kExisting with the one imported before (the bytes
  // given are dropped). Errors as UploadFileHandler's; nothing is kept on error.
  platform::core::Result<ImportedFile> handle(const ImportFileCommand& command,
                                              SpooledUpload upload);

 private:
  FileImports& imports_;
  FileStorage& storage_;
  domain::Allowlist allowlist_;
  IdGenerator new_id_;
};

}  // namespace file_service::application
