// The file-service's side of its consumers' pacts (contracts/pacts/*-file-service.json):
// the provider states their interactions name, made with the service's own upload, and
// the events it publishes, made by its own event mapper. Served only in contract tests
// (platform/service/provider_states.h).
#pragma once

#include <filesystem>

#include "application/clock.h"
#include "application/file_repository.h"
#include "application/file_storage.h"
#include "domain/content_type.h"
#include "platform/service/provider_states.h"

namespace file_service::api {

platform::service::ContractTestRoutes contract_test_routes(
    application::FileRepository& repository, application::FileStorage& storage,
    domain::Allowlist allowlist, const application::Clock& clock,
    const std::filesystem::path& spool_directory);

}  // namespace file_service::api
