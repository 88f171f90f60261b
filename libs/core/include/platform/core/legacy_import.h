// What a service answers for the rows of a bulk import from a legacy system (sylmigrate,
// docs/migration.md): per row, whether it was created now, had been imported before
// (idempotent by legacy id: the same id, nothing written), or conflicts with what the
// service holds (nothing written, the reason said); and the legacy -> new id mapping the
// service keeps, read back page by page.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace platform::core {

// A legacy id: 1 to kLegacyIdMaxLength printable ASCII characters.
inline constexpr std::size_t kLegacyIdMaxLength = 100;
// Rows per import request: a batch is one transaction.
inline constexpr std::size_t kImportBatchMax = 1000;

enum class ImportOutcome { kCreated, kExisting, kConflict };

std::string_view to_string(ImportOutcome outcome);

struct ImportResult {
  std::string legacy_id;
  ImportOutcome outcome = ImportOutcome::kCreated;
  std::string id;      // the service's id (created, existing); empty on conflict
  std::string detail;  // why it conflicts
};

struct LegacyMapping {
  std::string legacy_id;
  std::string id;
};

struct LegacyMappingPage {
  std::vector<LegacyMapping> items;  // by legacy id (text order)
  std::optional<std::string> next;   // the legacy id to continue after, if more follow
};

// True when `legacy_id` is 1 to kLegacyIdMaxLength characters of printable ASCII.
bool is_legacy_id(std::string_view legacy_id);

}  // namespace platform::core
