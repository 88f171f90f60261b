// What `sylmigrate plan` reports and `split` will do, row by row: the legacy rows as read
// (legacy.h), each kept as it is, normalised (and how), flagged (imported with a part
// left out) or rejected (and why), by the rules of normalise.h and these:
//   - subjects: a code that collides with an earlier row's once normalised is rejected,
//     naming that row (the lowest legacy id keeps the code); a subject needs a name;
//   - files: one missing on disk, or whose bytes on disk are not size_bytes, is rejected;
//   - syllabi: one whose subject is missing or rejected is rejected; one whose file is
//     missing or rejected is imported without it and flagged;
//   - any row: an updated_at before its created_at is read as created_at.
// Pure: the files on disk are looked at through the caller's FileCheck.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "platform/core/time.h"

namespace sylmigrate {

struct LegacySubject {
  std::int64_t id = 0;
  std::string code;
  std::string name;
  std::string description;
  std::optional<std::int64_t> credits;
  std::optional<std::string> department;
  std::string created_at;
  std::string updated_at;
};

struct LegacyFile {
  std::int64_t id = 0;
  std::string original_name;
  std::string stored_path;  // relative to the uploads folder
  std::string mime_type;
  std::int64_t size_bytes = 0;
  std::optional<std::string> uploaded_by;
  std::string uploaded_at;
};

struct LegacySyllabus {
  std::int64_t id = 0;
  std::int64_t subject_id = 0;
  std::optional<std::int64_t> file_id;
  std::string title;
  std::string academic_year;
  std::string semester;
  std::string status;
  std::optional<std::string> content;     // Markdown
  std::optional<std::string> objectives;  // one learning outcome per line
  std::optional<std::string> created_by;
  std::string created_at;
  std::string updated_at;
};

struct LegacyData {
  std::vector<LegacySubject> subjects;
  std::vector<LegacyFile> files;
  std::vector<LegacySyllabus> syllabi;
};

// The size of the file at `stored_path` in the uploads folder; nullopt when it is missing.
using FileCheck = std::function<std::optional<std::uint64_t>(const std::string& stored_path)>;

enum class Disposition { kAsItIs, kNormalised, kFlagged, kRejected };

struct RowPlan {
  std::string table;  // "subjects", "files", "syllabi"
  std::int64_t legacy_id = 0;
  Disposition disposition = Disposition::kAsItIs;
  std::vector<std::string> notes;  // how it was normalised, or why flagged or rejected
  // The same notes as the summary counts them: reasons without the row's own values.
  std::vector<std::string> summary_notes;
};

struct TablePlan {
  std::size_t as_is = 0;
  std::size_t normalised = 0;
  std::size_t flagged = 0;
  std::size_t rejected = 0;
  std::map<std::string, std::size_t> notes;  // each note (rule), with how many rows
};

// The rows to import, their values normalised: what split sends and verify expects the
// services to hold. Legacy NULLs have become the platform's defaults (docs/migration.md).
struct SubjectImport {
  std::int64_t legacy_id = 0;
  std::string code;
  std::string name;
  std::string description;
  std::int64_t credits = 0;  // NULL: 0
  std::string department;    // NULL: ""
  platform::core::Timestamp created_at;
  platform::core::Timestamp updated_at;
};

struct FileImport {
  std::int64_t legacy_id = 0;
  std::string stored_path;  // relative to the uploads folder
  std::string filename;     // the legacy original_name
  std::uint64_t size = 0;
  std::string uploaded_by;  // NULL: kUnknownUser
  platform::core::Timestamp uploaded_at;
};

struct SyllabusImport {
  std::int64_t legacy_id = 0;
  std::int64_t subject_legacy_id = 0;
  std::optional<std::int64_t> file_legacy_id;  // a kept file only
  std::string title;
  std::string academic_year;
  std::string term;
  std::string status;
  std::string body;                   // content; NULL: ""
  std::vector<std::string> outcomes;  // objectives' non-blank lines, trimmed: LO1, LO2...
  std::string created_by;             // NULL: kUnknownUser
  platform::core::Timestamp created_at;
  platform::core::Timestamp updated_at;
};

// Who a legacy row without an author or uploader is attributed to.
inline constexpr std::string_view kUnknownUser = "legacy-import";

struct Plan {
  std::vector<RowPlan> rows;  // subjects, files, syllabi; each by legacy id
  std::map<std::string, TablePlan> tables;
  // The rows not rejected, by legacy id.
  std::vector<SubjectImport> subjects;
  std::vector<FileImport> files;
  std::vector<SyllabusImport> syllabi;
};

Plan make_plan(const LegacyData& data, const FileCheck& file_size);

// The plan as the operator reads it: per table, the counts, then every note with its count.
std::string describe(const Plan& plan);

}  // namespace sylmigrate
