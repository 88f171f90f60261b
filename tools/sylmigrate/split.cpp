#include "split.h"

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "canonical.h"

namespace sylmigrate {
namespace {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::ImportOutcome;
using platform::core::Result;

const char* const kTables[] = {"subjects", "files", "syllabi"};

// The legacy rows by id, for the report.
struct LegacyIndex {
  std::map<std::int64_t, const LegacySubject*> subjects;
  std::map<std::int64_t, const LegacyFile*> files;
  std::map<std::int64_t, const LegacySyllabus*> syllabi;

  explicit LegacyIndex(const LegacyData& data) {
    for (const auto& row : data.subjects) subjects[row.id] = &row;
    for (const auto& row : data.files) files[row.id] = &row;
    for (const auto& row : data.syllabi) syllabi[row.id] = &row;
  }

  boost::json::object row(const std::string& table, std::int64_t id) const {
    if (table == "subjects") return legacy_json(*subjects.at(id));
    if (table == "files") return legacy_json(*files.at(id));
    return legacy_json(*syllabi.at(id));
  }
};

std::string join(const std::vector<std::string>& notes) {
  std::string text;
  for (const auto& note : notes) text += (text.empty() ? "" : "; ") + note;
  return text;
}

class Splitter {
 public:
  Splitter(const LegacyData& data, const Plan& plan, PlatformApi& api, const SplitOptions& options,
           Progress& progress)
      : index_(data), plan_(plan), api_(api), options_(options), progress_(progress) {
    report_.tables["subjects"].source = data.subjects.size();
    report_.tables["files"].source = data.files.size();
    report_.tables["syllabi"].source = data.syllabi.size();
  }

  Result<SplitReport> run() {
    const auto started = std::chrono::steady_clock::now();
    for (const RowPlan& row : plan_.rows) {
      if (row.disposition == Disposition::kRejected)
        quarantine(row.table, row.legacy_id, join(row.notes));
      if (row.disposition == Disposition::kFlagged) flag(row.table, row.legacy_id, join(row.notes));
    }
    for (const char* kind : kTables) {
      auto mapping = api_.mapping(kind);
      if (!mapping) return std::move(mapping).error();
      report_.mapping[kind] = std::move(*mapping);
    }
    if (auto done = subjects(); !done) return std::move(done).error();
    if (auto done = files(); !done) return std::move(done).error();
    if (auto done = syllabi(); !done) return std::move(done).error();
    report_.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    return std::move(report_);
  }

 private:
  struct Line {
    std::int64_t legacy_id;
    std::string text;
  };

  void quarantine(const std::string& table, std::int64_t id, std::string reason) {
    ++report_.tables[table].quarantined;
    report_.quarantine.push_back({table, id, std::move(reason), index_.row(table, id)});
  }
  void flag(const std::string& table, std::int64_t id, std::string reason) {
    ++report_.tables[table].flagged;
    report_.flagged.push_back({table, id, std::move(reason), index_.row(table, id)});
  }
  bool imported(const std::string& kind, std::int64_t id) const {
    return report_.mapping.at(kind).contains(std::to_string(id));
  }
  const std::string* id_of(const std::string& kind, std::int64_t legacy_id) const {
    const auto& mapping = report_.mapping.at(kind);
    const auto found = mapping.find(std::to_string(legacy_id));
    return found == mapping.end() ? nullptr : &found->second;
  }

  // Sends `lines` in batches; a batch refused line by line loses those lines to the
  // quarantine and goes again without them.
  Result<void> send(const std::string& kind, std::vector<Line> lines) {
    std::size_t next = 0;
    done_ = 0;
    while (next < lines.size()) {
      std::vector<Line> batch;
      std::size_t bytes = 0;
      while (next < lines.size() && batch.size() < options_.batch_rows &&
             (batch.empty() || bytes + lines[next].text.size() < options_.batch_bytes)) {
        bytes += lines[next].text.size() + 1;
        batch.push_back(std::move(lines[next++]));
      }
      while (!batch.empty()) {
        std::vector<std::string> texts;
        for (const auto& line : batch) texts.push_back(line.text);
        auto outcome = api_.import_batch(kind, texts);
        if (!outcome) return std::move(outcome).error();
        if (outcome->refused) {
          std::vector<Line> kept;
          for (std::size_t i = 0; i < batch.size(); ++i) {
            const auto reason = outcome->refused->reasons.find(i + 1);
            if (reason == outcome->refused->reasons.end()) {
              kept.push_back(std::move(batch[i]));
            } else {
              quarantine(kind, batch[i].legacy_id, "refused by the service: " + reason->second);
              progress_.advance(1);
            }
          }
          if (kept.size() == batch.size())
            return Error::internal("the " + kind + " import refused lines it did not name");
          batch = std::move(kept);
          continue;
        }
        if (outcome->results.size() != batch.size())
          return Error::internal("the " + kind + " import answered for another batch");
        for (std::size_t i = 0; i < batch.size(); ++i) {
          const auto& result = outcome->results[i];
          switch (result.outcome) {
            case ImportOutcome::kCreated:
              ++report_.tables[kind].imported_now;
              report_.mapping[kind][result.legacy_id] = result.id;
              break;
            case ImportOutcome::kExisting:
              ++report_.tables[kind].imported_before;
              report_.mapping[kind][result.legacy_id] = result.id;
              break;
            case ImportOutcome::kConflict:
              quarantine(kind, batch[i].legacy_id, "refused by the service: " + result.detail);
              break;
          }
        }
        progress_.advance(batch.size());
        done_ += batch.size();
        if (options_.after_step) options_.after_step(kind, done_);
        batch.clear();
      }
    }
    return platform::core::ok();
  }

  Result<void> subjects() {
    std::vector<Line> lines;
    for (const auto& subject : plan_.subjects) {
      if (imported("subjects", subject.legacy_id)) {
        ++report_.tables["subjects"].imported_before;
        continue;
      }
      lines.push_back({subject.legacy_id, subject_line(subject)});
    }
    progress_.start("subjects", lines.size(), "rows");
    auto sent = send("subjects", std::move(lines));
    progress_.finish();
    return sent;
  }

  Result<void> files() {
    std::vector<const FileImport*> pending;
    for (const auto& file : plan_.files) {
      if (imported("files", file.legacy_id)) {
        ++report_.tables["files"].imported_before;
        continue;
      }
      pending.push_back(&file);
    }
    progress_.start("files", pending.size(), "files");
    std::atomic<std::size_t> next{0};
    std::mutex mutex;
    done_ = 0;
    std::optional<Error> failure;
    const auto work = [&] {
      for (;;) {
        {
          std::lock_guard lock(mutex);
          if (failure) return;
        }
        const std::size_t i = next++;
        if (i >= pending.size()) return;
        const FileImport& file = *pending[i];
        const std::string legacy_id = std::to_string(file.legacy_id);
        auto answer =
            api_.import_file(legacy_id, file_query(file), options_.uploads / file.stored_path);
        std::lock_guard lock(mutex);
        if (!answer) {
          if (answer.error().code() == ErrorCode::kInvalidArgument) {
            quarantine("files", file.legacy_id,
                       "refused by the service: " + answer.error().detail());
          } else if (!failure) {
            failure = answer.error();
          }
          progress_.advance(1);
          continue;
        }
        report_.mapping["files"][legacy_id] = answer->id;
        if (answer->outcome == "existing") {
          ++report_.tables["files"].imported_before;
        } else {
          ++report_.tables["files"].imported_now;
          report_.bytes_uploaded += file.size;
          // What the file-service stored is what was read from the uploads folder.
          if (answer->sent_sha256 != answer->sha256 || answer->size != file.size) {
            report_.sha256_mismatches.push_back(legacy_id);
          }
        }
        progress_.advance(1, file.size);
        ++done_;
        if (options_.after_step) options_.after_step("files", done_);
      }
    };
    std::vector<std::thread> workers;
    for (int i = 0; i < std::max(1, options_.file_workers); ++i) workers.emplace_back(work);
    for (auto& worker : workers) worker.join();
    progress_.finish();
    if (failure) return *failure;
    return platform::core::ok();
  }

  Result<void> syllabi() {
    std::vector<Line> lines;
    for (const auto& syllabus : plan_.syllabi) {
      const std::string* subject = id_of("subjects", syllabus.subject_legacy_id);
      std::optional<std::string> file;
      if (syllabus.file_legacy_id) {
        if (const std::string* id = id_of("files", *syllabus.file_legacy_id)) {
          file = *id;
        } else if (subject != nullptr) {
          flag("syllabi", syllabus.legacy_id,
               "file_id: file " + std::to_string(*syllabus.file_legacy_id) +
                   " was refused by the file-service: imported without it");
        }
      }
      if (imported("syllabi", syllabus.legacy_id)) {
        ++report_.tables["syllabi"].imported_before;
        continue;
      }
      if (subject == nullptr) {
        quarantine("syllabi", syllabus.legacy_id,
                   "subject_id: subject " + std::to_string(syllabus.subject_legacy_id) +
                       " was refused by the subject-service");
        continue;
      }
      lines.push_back({syllabus.legacy_id, syllabus_line(syllabus, *subject, file)});
    }
    progress_.start("syllabi", lines.size(), "rows");
    auto sent = send("syllabi", std::move(lines));
    progress_.finish();
    return sent;
  }

  LegacyIndex index_;
  const Plan& plan_;
  PlatformApi& api_;
  const SplitOptions& options_;
  Progress& progress_;
  SplitReport report_;
  std::uint64_t done_ = 0;  // rows of the current phase sent (files: under the mutex)
};

std::string csv_field(const std::string& text) {
  if (text.find_first_of(",\"\r\n") == std::string::npos) return text;
  std::string quoted = "\"";
  for (const char c : text) {
    if (c == '"') quoted += '"';
    quoted += c;
  }
  return quoted + "\"";
}

boost::json::array rows_json(const std::vector<ReportedRow>& rows) {
  boost::json::array array;
  for (const auto& row : rows) {
    array.push_back({{"table", row.table},
                     {"legacy_id", row.legacy_id},
                     {"reason", row.reason},
                     {"row", row.row}});
  }
  return array;
}

Result<void> write_file(const std::filesystem::path& path, const std::string& content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  out.close();
  if (!out) return Error::unavailable("cannot write " + path.string());
  return platform::core::ok();
}

}  // namespace

Result<SplitReport> split(const LegacyData& data, const Plan& plan, PlatformApi& api,
                          const SplitOptions& options, Progress& progress) {
  return Splitter(data, plan, api, options, progress).run();
}

std::string mapping_csv(const std::map<std::string, std::map<std::string, std::string>>& mapping) {
  std::string csv = "table,legacy_id,id\n";
  for (const char* table : kTables) {
    const auto found = mapping.find(table);
    if (found == mapping.end()) continue;
    // By legacy id as a number when it is one, as the legacy tables are.
    std::vector<std::pair<std::string, std::string>> rows(found->second.begin(),
                                                          found->second.end());
    std::stable_sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) {
      return a.first.size() != b.first.size() ? a.first.size() < b.first.size() : a.first < b.first;
    });
    for (const auto& [legacy_id, id] : rows)
      csv += std::string(table) + "," + csv_field(legacy_id) + "," + id + "\n";
  }
  return csv;
}

Result<void> write_report(const std::filesystem::path& directory, const SplitReport& report) {
  std::error_code ec;
  std::filesystem::create_directories(directory, ec);
  if (ec) return Error::unavailable("cannot make " + directory.string() + ": " + ec.message());
  std::string csv = "table,legacy_id,reason,row\n";
  for (const auto& row : report.quarantine) {
    csv += row.table + "," + std::to_string(row.legacy_id) + "," + csv_field(row.reason) + "," +
           csv_field(boost::json::serialize(row.row)) + "\n";
  }
  boost::json::object counts;
  for (const auto& [table, count] : report.tables) {
    counts[table] = {{"source", count.source},
                     {"imported_now", count.imported_now},
                     {"imported_before", count.imported_before},
                     {"quarantined", count.quarantined},
                     {"flagged", count.flagged}};
  }
  boost::json::array mismatches;
  for (const auto& id : report.sha256_mismatches) mismatches.push_back(boost::json::value(id));
  const boost::json::object summary{{"tables", counts},
                                    {"bytes_uploaded", report.bytes_uploaded},
                                    {"seconds", report.seconds},
                                    {"sha256_mismatches", mismatches}};
  for (const auto& [name, content] : std::vector<std::pair<std::string, std::string>>{
           {"quarantine.json", boost::json::serialize(rows_json(report.quarantine)) + "\n"},
           {"quarantine.csv", csv},
           {"flagged.json", boost::json::serialize(rows_json(report.flagged)) + "\n"},
           {"mapping.csv", mapping_csv(report.mapping)},
           {"split.json", boost::json::serialize(summary) + "\n"}}) {
    if (auto written = write_file(directory / name, content); !written) return written;
  }
  return platform::core::ok();
}

std::string describe(const SplitReport& report) {
  std::ostringstream out;
  for (const char* table : kTables) {
    const auto found = report.tables.find(table);
    if (found == report.tables.end()) continue;
    const TableCounts& count = found->second;
    out << table << ": " << count.source << " legacy rows: " << count.imported_now
        << " imported now, " << count.imported_before << " imported before, " << count.quarantined
        << " quarantined, " << count.flagged << " flagged\n";
  }
  char line[128];
  std::snprintf(line, sizeof line, "%.1f MB of files uploaded in %.1f s\n",
                static_cast<double>(report.bytes_uploaded) / 1e6, report.seconds);
  out << line;
  for (const auto& id : report.sha256_mismatches)
    out << "file " << id << ": the bytes the file-service received are not the uploads folder's\n";
  return out.str();
}

}  // namespace sylmigrate
