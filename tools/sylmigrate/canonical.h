// One text per imported row, made the same way from the plan (what the legacy row became
// under docs/migration.md's rules) and from what a service holds: what verify compares,
// row by row and as a checksum per table. And the requests split makes of the same rows,
// so that what is sent and what is checked cannot drift apart.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>

#include "plan.h"

namespace sylmigrate {

// The NDJSON line of a subject for POST /admin/imports/subjects.
std::string subject_line(const SubjectImport& subject);
// The query of a file's PUT /admin/imports/files/{legacy_id}.
std::string file_query(const FileImport& file);
// The NDJSON line of a syllabus, its references mapped to the platform's ids.
std::string syllabus_line(const SyllabusImport& syllabus, const std::string& subject_id,
                          const std::optional<std::string>& file_id);

// Canonical texts (fields joined by U+001F, in a fixed order).
std::string canonical(const SubjectImport& subject);
std::string canonical_subject(const boost::json::object& subject);
// The file as the file-service keeps it: its name as an upload's is sanitised, and the
// SHA-256 of the bytes in the uploads folder.
std::string canonical(const FileImport& file, const std::string& sha256);
std::string canonical_file(const boost::json::object& file);
std::string canonical(const SyllabusImport& syllabus, const std::string& subject_id,
                      const std::optional<std::string>& file_id);
std::string canonical_syllabus(const boost::json::object& syllabus);

// The legacy row as it was read, for the quarantine report.
boost::json::object legacy_json(const LegacySubject& row);
boost::json::object legacy_json(const LegacyFile& row);
boost::json::object legacy_json(const LegacySyllabus& row);

}  // namespace sylmigrate
