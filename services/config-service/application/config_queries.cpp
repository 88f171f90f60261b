#include "application/config_queries.h"

#include <algorithm>

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

Result<ConfigView> GetConfigHandler::handle(const GetConfigQuery& query) {
  auto schema = repository_.schema(query.service);
  if (!schema) {
    if (schema.error().code() == ErrorCode::kNotFound)
      return Error::not_found("service " + query.service + " has no settings schema");
    return std::move(schema).error();
  }
  auto snapshot = repository_.snapshot(query.service, query.env);
  if (!snapshot) return std::move(snapshot).error();
  return ConfigView{query.service, query.env, snapshot->version,
                    domain::merge(snapshot->base, snapshot->overlay)};
}

Result<std::vector<domain::ConfigVersion>> HistoryHandler::handle(const HistoryQuery& query) {
  return repository_.history(query.service, query.env,
                             std::clamp<std::size_t>(query.limit, 1, kMaxHistoryLimit));
}

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
  return domain::diff(from->settings, to->settings);
}

}  // namespace config_service::application
