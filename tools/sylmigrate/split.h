// sylmigrate split: the legacy rows the plan keeps, imported through the services' own
// APIs (platform_api.h) in order: subjects, files (bytes streamed from the uploads folder,
// their SHA-256 compared with the file-service's after upload), syllabi (references mapped
// to the new ids). Resumable: the services keep the legacy -> new id mapping, so a run
// first reads it and sends only what is not imported yet, and a row sent twice is
// answered "existing". A row is never dropped silently: the plan's rejections, the rows a
// service refuses and the syllabi whose subject a service refused go to the quarantine
// report, with the legacy row and the reason.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "plan.h"
#include "platform/core/result.h"
#include "platform_api.h"
#include "progress.h"

namespace sylmigrate {

struct SplitOptions {
  std::filesystem::path uploads;
  std::size_t batch_rows = 500;
  std::size_t batch_bytes = std::size_t{768} * 1024;  // under the services' 1 MiB body limit
  int file_workers = 4;
  // Told after each batch or file with its phase ("subjects", "files", "syllabi") and how
  // many of the phase's rows are done: progress for a caller, and the fault-injection
  // point of the resumption tests (SYLMIGRATE_FAULT_KILL_AFTER).
  std::function<void(const std::string& phase, std::uint64_t done)> after_step;
};

struct ReportedRow {
  std::string table;
  std::int64_t legacy_id = 0;
  std::string reason;
  boost::json::object row;  // as the legacy database holds it
};

struct TableCounts {
  std::size_t source = 0;           // legacy rows
  std::size_t imported_now = 0;     // created by this run
  std::size_t imported_before = 0;  // found imported already
  std::size_t quarantined = 0;
  std::size_t flagged = 0;  // imported with a part left out
};

struct SplitReport {
  std::map<std::string, TableCounts> tables;  // subjects, files, syllabi
  std::vector<ReportedRow> quarantine;
  std::vector<ReportedRow> flagged;
  // kind -> legacy id -> the platform's id, after the run.
  std::map<std::string, std::map<std::string, std::string>> mapping;
  std::uint64_t bytes_uploaded = 0;
  double seconds = 0;
  // Files whose bytes the file-service received differ from the uploads folder's.
  std::vector<std::string> sha256_mismatches;
};

platform::core::Result<SplitReport> split(const LegacyData& data, const Plan& plan,
                                          PlatformApi& api, const SplitOptions& options,
                                          Progress& progress);

// quarantine.json and .csv (every refused row, with the reason), flagged.json, mapping.csv
// (table, legacy_id, id) and split.json (the counts) in `directory`, made when missing.
platform::core::Result<void> write_report(const std::filesystem::path& directory,
                                          const SplitReport& report);

// The counts per table, for the terminal.
std::string describe(const SplitReport& report);

// The mapping as CSV: table,legacy_id,id.
std::string mapping_csv(const std::map<std::string, std::map<std::string, std::string>>& mapping);

}  // namespace sylmigrate
