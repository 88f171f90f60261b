// A legacy database and uploads folder made to order (`sylmigrate generate`): to rehearse
// a migration, to test sylmigrate end to end and to measure it. Deterministic: the same
// options make the same rows and bytes. With `dirty`, rows carry every kind of dirt the
// monolith left (docs/migration.md): codes in lower case or with spaces, codes that
// collide once normalised or cannot be mapped, NULL and out-of-range credits, times in
// every format (and some unreadable or out of order), semesters and statuses as people
// typed them, years as 2025-26, files missing on disk, of the wrong size or of a type the
// platform refuses, syllabi of missing subjects or files, and syllabi whose identity
// another one holds. Without it, every row imports as it is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>

#include "platform/core/result.h"

namespace sylmigrate {

struct GenerateOptions {
  std::string url;  // the legacy database to fill: its tables must not exist yet
  std::filesystem::path uploads;
  std::size_t subjects = 100;
  std::size_t syllabi = 300;
  std::size_t files = 50;
  std::size_t file_bytes = std::size_t{64} * 1024;  // on average; each is 50-150 % of it
  bool dirty = true;
};

platform::core::Result<void> generate_legacy(const GenerateOptions& options);

}  // namespace sylmigrate
