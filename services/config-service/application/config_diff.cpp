#include "application/config_diff.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

Result<std::vector<domain::SettingChange>> DiffHandler::handle(const DiffQuery& query) {
  const auto find = [&](std::int64_t version) -> Result<domain::ConfigVersion> {
    auto found = repository_.find_version(query.service, query.env, version);
    if (!found && found.error().code() == ErrorCode::kNotFound)
      return Error::not_found(query.service + " (" + query.env + ") has no version " +
                              std::to_string(version));
    return found;
  };
  auto from = find(query.from);
  if (!from) return std::move(from).error();
  auto to = find(query.to);
  if (!to) return std::move(to).error();
  auto changes = domain::diff(from->settings, to->settings);
  auto schema = schema_of(repository_, query.service);
  if (!schema && schema.error().code() != ErrorCode::kNotFound) return std::move(schema).error();
  bool holds_secret = false;
  for (const auto& change : changes)
    holds_secret = holds_secret || (schema && schema->is_secret(change.key));
  if (auto allowed = check_reader(query.reader, query.service, holds_secret); !allowed)
    return std::move(allowed).error();
  return changes;
}

}  // namespace config_service::application
