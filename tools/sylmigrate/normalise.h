// How a legacy row's values become the platform's (docs/migration.md states the same rules
// for the operator): each function takes a value as the monolith stored it and returns
// the platform's value with a note of what was changed ("" when nothing), or
// kInvalidArgument with the reason it cannot be mapped (the row goes to quarantine).
//
//   auto code = sylmigrate::subject_code(" cs 101 ");   // "CS-101", "upper-cased, ..."
//   auto year = sylmigrate::academic_year("2025-26");   // "2025/2026"
//   auto when = sylmigrate::timestamp("1732000000");    // Unix seconds
//
// Pure functions: no database, no I/O; `plan` reports them, `split` applies them.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "platform/core/result.h"
#include "platform/core/time.h"

namespace sylmigrate {

template <typename T>
struct Mapped {
  T value;
  std::string how;  // what normalisation did, for the plan's report; "" when nothing

  bool changed() const { return !how.empty(); }
};

// Upper case; spaces, underscores, dots and slashes become "-" (one at a time); then it
// must be 2 to 20 characters of A-Z, 0-9 and "-", as the subject-service requires.
platform::core::Result<Mapped<std::string>> subject_code(std::string_view raw);

// "2025/2026" as it is; "2025-2026", "2025-26", "2025/26", "2025–26" and "2025" (the
// year it starts) become "2025/2026". Two years that do not follow each other are refused.
platform::core::Result<Mapped<std::string>> academic_year(std::string_view raw);

// autumn, spring, summer or full_year, from what the monolith's forms allowed: "Fall",
// "autumn", "1", "S1", "semester 1", "first"... in any case.
platform::core::Result<Mapped<std::string>> term(std::string_view raw);

// draft, in_review, published or archived (superseded as it is), in any case; the
// monolith's "submitted", "pending", "approved", "active", "retired"... mapped.
platform::core::Result<Mapped<std::string>> syllabus_status(std::string_view raw);

// RFC 3339 with a zone as it is; without a zone, "YYYY-MM-DD HH:MM:SS[.fff]" and
// "YYYY-MM-DD" taken as UTC; Unix seconds (9 to 11 digits) and milliseconds (12 to 13).
platform::core::Result<Mapped<platform::core::Timestamp>> timestamp(std::string_view raw);

// NULL credits stay unknown; a number from 0 to 60 as it is; anything else refused.
platform::core::Result<Mapped<std::optional<std::int64_t>>> credits(
    std::optional<std::int64_t> raw);

}  // namespace sylmigrate
