// The syllabus-service's database migrations: its own (migrations/) and the event
// library's outbox and inbox, compiled in by syl_add_migrations; applied at start-up and
// by the tests.
//
//   auto report = platform::db::migrate(*database, migration_files());
#pragma once

#include <vector>

#include "platform/core/embedded_file.h"

namespace syllabus_service::infrastructure {

std::vector<platform::core::EmbeddedFile> migration_files();

}  // namespace syllabus_service::infrastructure
