// The subject-service's side of its consumers' pacts (contracts/pacts/*-subject-service.json):
// the provider states their interactions name, made with the service's own commands, and
// the events it publishes, made by its own event mapper. Served only in contract tests
// (platform/service/provider_states.h).
#pragma once

#include "application/clock.h"
#include "application/subject_repository.h"
#include "platform/service/provider_states.h"

namespace subject_service::api {

platform::service::ContractTestRoutes contract_test_routes(
    application::SubjectRepository& repository, application::Clock clock);

}  // namespace subject_service::api
