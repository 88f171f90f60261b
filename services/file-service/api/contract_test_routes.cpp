#include "api/contract_test_routes.h"

#include <boost/json.hpp>
#include <memory>

#include "application/upload_file.h"
#include "application/upload_spool.h"
#include "infrastructure/file_event_mapper.h"
#include "platform/events/event.h"

namespace file_service::api {
namespace {

using platform::core::Error;
using platform::core::Result;
using platform::core::Uuid;

std::string text_param(const boost::json::object& object, const char* key) {
  const auto* field = object.if_contains(key);
  return field != nullptr && field->is_string() ? std::string(field->as_string()) : "";
}

// An event as the relay would publish it for this change.
std::string published(const domain::FileEvent& event) {
  return platform::events::to_json(infrastructure::to_event({.event = event, .origin = {}}));
}

domain::FileMetadata sample_file(const application::Clock& clock) {
  return {.id = *Uuid::parse("0191a0c4-7e2a-7c3b-9d4e-5f6a7b8c9d0f"),
          .filename = "outline.pdf",
          .content_type = "application/pdf",
          .size = 4096,
          .sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
          .storage_key = "9f/86/9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
          .uploaded_by = "alice",
          .created_at = clock()};
}

}  // namespace

platform::service::ContractTestRoutes contract_test_routes(
    application::FileRepository& repository, application::FileStorage& storage,
    domain::Allowlist allowlist, const application::Clock& clock,
    const std::filesystem::path& spool_directory) {
  platform::service::ContractTestRoutes routes;
  auto shared_allowlist = std::make_shared<domain::Allowlist>(std::move(allowlist));
  // {"id", "filename", "content"}: the file uploaded with that id, through the real upload.
  routes.states["a file exists"] = [&repository, &storage, shared_allowlist, clock,
                                    spool_directory](std::string_view params) -> Result<void> {
    boost::system::error_code ec;
    const auto value = boost::json::parse(params, ec);
    if (ec || !value.is_object()) return Error::malformed("params must be a JSON object");
    const auto& object = value.as_object();
    const auto id = Uuid::parse(text_param(object, "id"));
    if (!id) return Error::invalid_argument("params.id", "must be a UUID");
    // Set up already (the verifier may ask again): nothing to do.
    if (repository.find(*id)) return platform::core::ok();
    auto spool = application::UploadSpool::create(spool_directory, std::uint64_t{1024} * 1024);
    if (!spool) return std::move(spool).error();
    if (auto written = spool->write(text_param(object, "content")); !written) return written;
    auto spooled = spool->finish();
    if (!spooled) return std::move(spooled).error();
    application::UploadFileHandler upload(repository, storage, *shared_allowlist, clock,
                                          [id = *id] { return id; });
    auto uploaded = upload.handle(
        {.filename = text_param(object, "filename"), .uploaded_by = "pact", .origin = {}},
        std::move(*spooled));
    if (!uploaded) return std::move(uploaded).error();
    return platform::core::ok();
  };
  // File ids are random: one that was never made exists nowhere.
  routes.states["no file exists"] = [](std::string_view) -> Result<void> {
    return platform::core::ok();
  };
  routes.messages["a file.uploaded.v1 event"] = [clock]() -> Result<std::string> {
    return published(domain::FileUploaded{sample_file(clock)});
  };
  routes.messages["a file.deleted.v1 event"] = [clock]() -> Result<std::string> {
    return published(domain::FileDeleted{sample_file(clock), "alice", clock()});
  };
  return routes;
}

}  // namespace file_service::api
