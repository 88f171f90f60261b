// The config-service's database migrations (migrations/), compiled in by
// syl_add_migrations; applied at start-up and by the tests. The config-service publishes
// no events, so it has no outbox.
#pragma once

#include <vector>

#include "platform/core/embedded_file.h"

namespace config_service::infrastructure {

std::vector<platform::core::EmbeddedFile> migration_files();

}  // namespace config_service::infrastructure
