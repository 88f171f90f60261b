// The port of the file-service's bulk import from the legacy system (application/
// import_file.h): the import ledger beside the metadata. Implemented by
// infrastructure/sql_file_repository.
#pragma once

#include <optional>
#include <string>

#include "application/file_repository.h"
#include "platform/core/legacy_import.h"
#include "platform/core/result.h"

namespace file_service::application {

struct ImportedFile {
  platform::core::ImportOutcome outcome = platform::core::ImportOutcome::kCreated;
  domain::FileMetadata file;
};

// The port of bulk imports: implemented with the repository (infrastructure).
class FileImports {
 public:
  virtual ~FileImports() = default;
  // The file `legacy_id` became, when it was imported; nullopt otherwise.
  virtual platform::core::Result<std::optional<domain::FileMetadata>> imported(
      const std::string& legacy_id) = 0;
  // Stores the metadata, its ledger entry and its event in one transaction;
  // kAlreadyExists when the legacy id was imported meanwhile.
  virtual platform::core::Result<void> insert_imported(const std::string& legacy_id,
                                                       const domain::FileMetadata& file,
                                                       const Change& change) = 0;
};

}  // namespace file_service::application
