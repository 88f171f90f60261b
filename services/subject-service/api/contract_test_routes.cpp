#include "api/contract_test_routes.h"

#include <boost/json.hpp>

#include "api/subject_json.h"
#include "application/create_subject.h"
#include "infrastructure/subject_event_mapper.h"
#include "platform/events/event.h"

namespace subject_service::api {
namespace {

using platform::core::Error;
using platform::core::Result;
using platform::core::Uuid;

// The params of a state: a subject's id, and for one that exists the fields of a create.
Result<std::pair<Uuid, domain::SubjectDraft>> subject_params(std::string_view params) {
  boost::system::error_code ec;
  auto value = boost::json::parse(params, ec);
  if (ec || !value.is_object()) return Error::malformed("params must be a JSON object");
  auto& object = value.as_object();
  const auto* id_field = object.if_contains("id");
  const auto id = id_field != nullptr && id_field->is_string() ? Uuid::parse(id_field->as_string())
                                                               : std::optional<Uuid>{};
  if (!id) return Error::invalid_argument("params.id", "must be a UUID");
  object.erase("id");
  auto parsed = parse_draft(object);
  if (!parsed.errors.empty()) return Error::invalid_fields(std::move(parsed.errors));
  return std::pair{*id, std::move(parsed.draft)};
}

// An event as the relay would publish it for this change.
std::string published(const domain::SubjectEvent& event) {
  return platform::events::to_json(infrastructure::to_event(
      {.event = event, .origin = {.traceparent = {}, .correlation_id = {}}}));
}

domain::Subject sample_subject(application::Clock& clock) {
  return domain::new_subject(*Uuid::parse("0191a0c4-7e2a-7c3b-9d4e-5f6a7b8c9d0e"),
                             {.code = "CS-101",
                              .name = "Compilers",
                              .description = "From source to machine code.",
                              .credits = 6,
                              .department = "Informatics"},
                             clock());
}

}  // namespace

platform::service::ContractTestRoutes contract_test_routes(
    application::SubjectRepository& repository, application::Clock clock) {
  platform::service::ContractTestRoutes routes;
  routes.states["a subject exists"] = [&repository,
                                       clock](std::string_view params) -> Result<void> {
    auto parsed = subject_params(params);
    if (!parsed) return std::move(parsed).error();
    const Uuid id = parsed->first;
    // Set up already (the verifier may ask again): nothing to do.
    if (repository.find(id)) return platform::core::ok();
    application::CreateSubjectHandler create(repository, clock, [id] { return id; });
    auto created = create.handle({.draft = std::move(parsed->second), .origin = {}});
    if (!created) return std::move(created).error();
    return platform::core::ok();
  };
  // Subject ids are random: one that was never made exists nowhere.
  routes.states["no subject exists"] = [](std::string_view) -> Result<void> {
    return platform::core::ok();
  };
  routes.messages["a subject.created.v1 event"] = [clock]() mutable -> Result<std::string> {
    return published(domain::SubjectCreated{sample_subject(clock)});
  };
  routes.messages["a subject.updated.v1 event"] = [clock]() mutable -> Result<std::string> {
    domain::Subject before = sample_subject(clock);
    domain::Subject after = domain::apply(before, {.name = "Compiler Construction"}, clock());
    return published(domain::SubjectUpdated{after, domain::changed_fields(before, after)});
  };
  routes.messages["a subject.deleted.v1 event"] = [clock]() mutable -> Result<std::string> {
    return published(domain::SubjectDeleted{sample_subject(clock), clock()});
  };
  return routes;
}

}  // namespace subject_service::api
