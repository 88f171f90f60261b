// sylmigrate verify: reconciles the legacy database with what the services hold, through
// their APIs. Per table: the legacy rows, those the plan keeps, those imported (the
// services' mapping), those rejected (by the plan, or refused by a service as split's
// quarantine report says); a checksum over the canonical form of every imported row
// (canonical.h) on both sides; file bytes compared by SHA-256 (the uploads folder's
// against the stored content, read back); references resolved (a syllabus's subject
// and attachments exist). A table is
//   validated  every kept row imported, equal on both sides;
//   mismatched some imported row differs, or its reference does not resolve;
//   pending    no mismatch, but kept rows not imported yet (split not finished).
#pragma once

#include <cstdint>
#include <filesystem>
#include <map>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "plan.h"
#include "platform/core/result.h"
#include "platform_api.h"
#include "progress.h"

namespace sylmigrate {

struct TableVerification {
  std::string state = "validated";
  std::size_t source = 0;    // legacy rows
  std::size_t expected = 0;  // kept by the plan
  std::size_t imported = 0;  // of those, in the services' mapping
  std::size_t rejected = 0;  // by the plan or a service
  std::size_t pending = 0;   // kept, neither imported nor refused
  std::size_t mismatched = 0;
  std::string source_checksum;    // SHA-256 over the canonical rows, from the legacy side
  std::string imported_checksum;  // the same over what the services hold
  std::vector<std::string> first_mismatches;  // "<legacy id>: what differs", at most 10
  std::vector<std::string> first_pending;     // legacy ids, at most 10
};

struct Verification {
  std::map<std::string, TableVerification> tables;  // subjects, files, syllabi

  bool mismatched() const;
  bool pending() const;
};

struct VerifyOptions {
  std::filesystem::path uploads;
  // (table, legacy id) of the rows a service refused (split's quarantine.json).
  std::set<std::pair<std::string, std::int64_t>> refused;
  int file_workers = 4;
};

platform::core::Result<Verification> verify(const LegacyData& data, const Plan& plan,
                                            PlatformApi& api, const VerifyOptions& options,
                                            Progress& progress);

// The rows a service refused, from split's quarantine.json in `report_directory` (none
// when there is no such file).
platform::core::Result<std::set<std::pair<std::string, std::int64_t>>> refused_rows(
    const std::filesystem::path& report_directory);

// The report as JSON ({"tables": {"subjects": {...}}}), and as the terminal shows it.
std::string verification_json(const Verification& verification);
std::string describe(const Verification& verification);

}  // namespace sylmigrate
