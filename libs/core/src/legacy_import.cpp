#include "platform/core/legacy_import.h"

namespace platform::core {

std::string_view to_string(ImportOutcome outcome) {
  switch (outcome) {
    case ImportOutcome::kCreated:
      return "created";
    case ImportOutcome::kExisting:
      return "existing";
    case ImportOutcome::kConflict:
      return "conflict";
  }
  return "conflict";
}

bool is_legacy_id(std::string_view legacy_id) {
  if (legacy_id.empty() || legacy_id.size() > kLegacyIdMaxLength) return false;
  for (const char c : legacy_id) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

}  // namespace platform::core
