// CollectOrphansHandler: removes stored bytes that no metadata points at; run by the
// orphan collector every storage.gc_interval_seconds.
//
//   CollectOrphansHandler collect(repository, storage, spool_directory, grace, clock);
//   Result<OrphanReport> report = collect.handle();
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>

#include "application/clock.h"
#include "application/file_repository.h"
#include "application/file_storage.h"
#include "platform/core/result.h"

namespace file_service::application {

struct OrphanReport {
  std::size_t objects_seen = 0;
  std::size_t orphans_removed = 0;
  std::size_t spool_files_removed = 0;
};

// Removes stored objects that no metadata points at (a delete whose byte removal failed,
// an upload whose transaction failed, a crash between the two) and spool files left by a
// crash. Objects and spool files younger than `grace` are left alone: an upload in
// progress has bytes but no metadata yet.
class CollectOrphansHandler {
 public:
  CollectOrphansHandler(FileRepository& repository, FileStorage& storage,
                        std::filesystem::path spool_directory, std::chrono::seconds grace,
                        Clock clock)
      : repository_(repository),
        storage_(storage),
        spool_directory_(std::move(spool_directory)),
        grace_(grace),
        clock_(std::move(clock)) {}

  platform::core::Result<OrphanReport> handle();

 private:
  FileRepository& repository_;
  FileStorage& storage_;
  std::filesystem::path spool_directory_;
  std::chrono::seconds grace_;
  Clock clock_;
};

}  // namespace file_service::application
