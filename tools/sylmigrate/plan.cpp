#include "plan.h"

#include <algorithm>
#include <cctype>
#include <set>
#include <sstream>

#include "normalise.h"

namespace sylmigrate {
namespace {

// A reason as the summary counts it: without the row's own values (quoted: "…"), so that
// rows refused for the same reason count together.
std::string without_values(const std::string& note) {
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
    row_.summary_notes.push_back(note);
    row_.notes.push_back(std::move(note));
  }
  void flag(std::string note) {
    if (row_.disposition != Disposition::kRejected) row_.disposition = Disposition::kFlagged;
    row_.summary_notes.push_back(without_values(note));
    row_.notes.push_back(std::move(note));
  }
  void reject(std::string note) {
    row_.disposition = Disposition::kRejected;
    row_.summary_notes.push_back(without_values(note));
    row_.notes.push_back(std::move(note));
  }
  // created_at and updated_at read as times; an updated_at before created_at becomes
  // created_at. Meaningful only when the row is not rejected.
  std::pair<platform::core::Timestamp, platform::core::Timestamp> times(
      const std::string& created_raw, const std::string& updated_raw) {
    const auto created = timestamp(created_raw);
    const auto updated = timestamp(updated_raw);
    apply("created_at", created);
    apply("updated_at", updated);
    if (!created || !updated) return {};
    if (updated->value < created->value) {
      normalised("updated_at: before created_at, read as created_at");
      return {created->value, created->value};
    }
    return {created->value, updated->value};
  }
  bool rejected() const { return row_.disposition == Disposition::kRejected; }
  RowPlan take() { return std::move(row_); }

 private:
  RowPlan row_;
};

// The learning outcomes of a legacy objectives text: one per non-blank line, trimmed.
std::vector<std::string> outcome_lines(const std::string& objectives) {
  std::vector<std::string> lines;
  std::size_t start = 0;
  while (start <= objectives.size()) {
    const std::size_t end = std::min(objectives.find('\n', start), objectives.size());
    const std::string_view line(objectives.data() + start, end - start);
    const auto first = line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos) {
      const auto last = line.find_last_not_of(" \t\r");
      lines.emplace_back(line.substr(first, last - first + 1));
    }
    start = end + 1;
  }
  return lines;
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
        verdict.reject("code: \"" + subject->code + "\" is \"" + code->value +
                       "\", the code of subject \"" + std::to_string(owner->second) + "\"");
      }
    }
    if (subject->name.find_first_not_of(" \t\r\n") == std::string::npos)
      verdict.reject("name: is empty");
    const auto credit = credits(subject->credits);
    verdict.apply("credits", credit);
    const auto times = verdict.times(subject->created_at, subject->updated_at);
    if (!verdict.rejected()) {
      subjects_kept.insert(subject->id);
      plan.subjects.push_back({.legacy_id = subject->id,
                               .code = code->value,
                               .name = subject->name,
                               .description = subject->description,
                               .credits = credit->value.value_or(0),
                               .department = subject->department.value_or(""),
                               .created_at = times.first,
                               .updated_at = times.second});
    }
    plan.rows.push_back(verdict.take());
  }

  for (const LegacyFile& file : data.files) {
    RowVerdict verdict("files", file.id);
    const auto on_disk = file_size(file.stored_path);
    if (!on_disk) {
      verdict.reject("stored_path: \"" + file.stored_path +
                     "\" is missing from the uploads folder");
    } else if (file.size_bytes < 0 || *on_disk != static_cast<std::uint64_t>(file.size_bytes)) {
      verdict.reject("size_bytes: \"" + std::to_string(file.size_bytes) + "\" recorded, \"" +
                     std::to_string(*on_disk) + "\" bytes on disk");
    }
    const auto uploaded = timestamp(file.uploaded_at);
    verdict.apply("uploaded_at", uploaded);
    if (!verdict.rejected()) {
      files_kept.insert(file.id);
      plan.files.push_back({.legacy_id = file.id,
                            .stored_path = file.stored_path,
                            .filename = file.original_name,
                            .size = static_cast<std::uint64_t>(file.size_bytes),
                            .uploaded_by = file.uploaded_by.value_or(std::string(kUnknownUser)),
                            .uploaded_at = uploaded->value});
    }
    plan.rows.push_back(verdict.take());
  }

  for (const LegacySyllabus& syllabus : data.syllabi) {
    RowVerdict verdict("syllabi", syllabus.id);
    if (!subjects_kept.contains(syllabus.subject_id)) {
      const bool exists =
          std::any_of(data.subjects.begin(), data.subjects.end(),
                      [&](const LegacySubject& s) { return s.id == syllabus.subject_id; });
      verdict.reject("subject_id: subject \"" + std::to_string(syllabus.subject_id) +
                     (exists ? "\" is rejected" : "\" does not exist"));
    }
    if (syllabus.title.find_first_not_of(" \t\r\n") == std::string::npos)
      verdict.reject("title: is empty");
    const auto year = academic_year(syllabus.academic_year);
    verdict.apply("academic_year", year);
    const auto semester = term(syllabus.semester);
    verdict.apply("semester", semester);
    const auto status = syllabus_status(syllabus.status);
    verdict.apply("status", status);
    const auto times = verdict.times(syllabus.created_at, syllabus.updated_at);
    const bool file_kept = syllabus.file_id && files_kept.contains(*syllabus.file_id);
    if (syllabus.file_id && !file_kept) {
      verdict.flag("file_id: file \"" + std::to_string(*syllabus.file_id) +
                   "\" is missing or rejected: imported without it");
    }
    if (!verdict.rejected()) {
      plan.syllabi.push_back({.legacy_id = syllabus.id,
                              .subject_legacy_id = syllabus.subject_id,
                              .file_legacy_id = file_kept ? syllabus.file_id : std::nullopt,
                              .title = syllabus.title,
                              .academic_year = year->value,
                              .term = semester->value,
                              .status = status->value,
                              .body = syllabus.content.value_or(""),
                              .outcomes = outcome_lines(syllabus.objectives.value_or("")),
                              .created_by = syllabus.created_by.value_or(std::string(kUnknownUser)),
                              .created_at = times.first,
                              .updated_at = times.second});
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
    for (const auto& note : row.summary_notes) ++table.notes[note];
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
