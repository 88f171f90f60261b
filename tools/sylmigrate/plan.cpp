#include "plan.h"

#include <algorithm>
#include <set>
#include <sstream>

#include "normalise.h"

namespace sylmigrate {
namespace {

// One row's verdict as it is worked out.
class RowVerdict {
 public:
  RowVerdict(std::string table, std::int64_t id) : row_{std::move(table), id} {}

  // A normalised value: noted when it changed; a refusal rejects the row.
  template <typename T>
  void apply(const std::string& field, const platform::core::Result<Mapped<T>>& mapped) {
    if (!mapped) {
      reject(field + ": " + mapped.error().field_errors().front().message);
      return;
    }
    if (mapped->changed()) normalised(field + ": " + mapped->how);
  }
  void normalised(std::string note) {
    if (row_.disposition == Disposition::kAsItIs) row_.disposition = Disposition::kNormalised;
    row_.notes.push_back(std::move(note));
  }
  void flag(std::string note) {
    if (row_.disposition != Disposition::kRejected) row_.disposition = Disposition::kFlagged;
    row_.notes.push_back(std::move(note));
  }
  void reject(std::string note) {
    row_.disposition = Disposition::kRejected;
    row_.notes.push_back(std::move(note));
  }
  bool rejected() const { return row_.disposition == Disposition::kRejected; }
  RowPlan take() { return std::move(row_); }

 private:
  RowPlan row_;
};

// A note as the summary counts it: rejections without the row's own values ("…"), so
// that rows refused for the same reason count together.
std::string summary_key(const RowPlan& row, const std::string& note) {
  if (row.disposition != Disposition::kRejected) return note;
  std::string key;
  bool quoted = false;
  for (char c : note) {
    if (c == '"') {
      if (!quoted) key += "…";
      quoted = !quoted;
      continue;
    }
    if (!quoted) key.push_back(c);
  }
  return key;
}

}  // namespace

Plan make_plan(const LegacyData& data, const FileCheck& file_size) {
  Plan plan;
  std::set<std::int64_t> subjects_kept;
  std::set<std::int64_t> files_kept;

  // Subjects, lowest id first: it keeps a code the later ones collide with.
  std::vector<const LegacySubject*> subjects;
  for (const auto& subject : data.subjects) subjects.push_back(&subject);
  std::sort(subjects.begin(), subjects.end(), [](auto* a, auto* b) { return a->id < b->id; });
  std::map<std::string, std::int64_t> code_owner;
  for (const LegacySubject* subject : subjects) {
    RowVerdict verdict("subjects", subject->id);
    const auto code = subject_code(subject->code);
    verdict.apply("code", code);
    if (code) {
      const auto [owner, fresh] = code_owner.emplace(code->value, subject->id);
      if (!fresh) {
        verdict.reject("code: \"" + subject->code + "\" is " + code->value +
                       ", the code of subject " + std::to_string(owner->second));
      }
    }
    if (subject->name.find_first_not_of(" \t\r\n") == std::string::npos)
      verdict.reject("name: is empty");
    verdict.apply("credits", credits(subject->credits));
    verdict.apply("created_at", timestamp(subject->created_at));
    verdict.apply("updated_at", timestamp(subject->updated_at));
    if (!verdict.rejected()) subjects_kept.insert(subject->id);
    plan.rows.push_back(verdict.take());
  }

  for (const LegacyFile& file : data.files) {
    RowVerdict verdict("files", file.id);
    const auto on_disk = file_size(file.stored_path);
    if (!on_disk) {
      verdict.reject("stored_path: \"" + file.stored_path +
                     "\" is missing from the uploads folder");
    } else if (file.size_bytes < 0 || *on_disk != static_cast<std::uint64_t>(file.size_bytes)) {
      verdict.reject("size_bytes: " + std::to_string(file.size_bytes) + " recorded, " +
                     std::to_string(*on_disk) + " bytes on disk");
    }
    verdict.apply("uploaded_at", timestamp(file.uploaded_at));
    if (!verdict.rejected()) files_kept.insert(file.id);
    plan.rows.push_back(verdict.take());
  }

  for (const LegacySyllabus& syllabus : data.syllabi) {
    RowVerdict verdict("syllabi", syllabus.id);
    if (!subjects_kept.contains(syllabus.subject_id)) {
      const bool exists =
          std::any_of(data.subjects.begin(), data.subjects.end(),
                      [&](const LegacySubject& s) { return s.id == syllabus.subject_id; });
      verdict.reject("subject_id: subject " + std::to_string(syllabus.subject_id) +
                     (exists ? " is rejected" : " does not exist"));
    }
    if (syllabus.title.find_first_not_of(" \t\r\n") == std::string::npos)
      verdict.reject("title: is empty");
    verdict.apply("academic_year", academic_year(syllabus.academic_year));
    verdict.apply("semester", term(syllabus.semester));
    verdict.apply("status", syllabus_status(syllabus.status));
    verdict.apply("created_at", timestamp(syllabus.created_at));
    verdict.apply("updated_at", timestamp(syllabus.updated_at));
    if (syllabus.file_id && !files_kept.contains(*syllabus.file_id)) {
      verdict.flag("file_id: file " + std::to_string(*syllabus.file_id) +
                   " is missing or rejected: imported without it");
    }
    plan.rows.push_back(verdict.take());
  }

  for (const RowPlan& row : plan.rows) {
    TablePlan& table = plan.tables[row.table];
    switch (row.disposition) {
      case Disposition::kAsItIs:
        ++table.as_is;
        break;
      case Disposition::kNormalised:
        ++table.normalised;
        break;
      case Disposition::kFlagged:
        ++table.flagged;
        break;
      case Disposition::kRejected:
        ++table.rejected;
        break;
    }
    for (const auto& note : row.notes) ++table.notes[summary_key(row, note)];
  }
  return plan;
}

std::string describe(const Plan& plan) {
  std::ostringstream out;
  for (const char* name : {"subjects", "files", "syllabi"}) {
    const auto found = plan.tables.find(name);
    const TablePlan empty;
    const TablePlan& table = found == plan.tables.end() ? empty : found->second;
    out << name << ": " << (table.as_is + table.normalised + table.flagged + table.rejected)
        << " rows: " << table.as_is << " as they are, " << table.normalised << " normalised, "
        << table.flagged << " flagged, " << table.rejected << " rejected\n";
    for (const auto& [note, count] : table.notes) out << "  " << count << " × " << note << "\n";
  }
  return out.str();
}

}  // namespace sylmigrate
