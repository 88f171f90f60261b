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
  return domain::diff(from->settings, to->settings);
}

}  // namespace config_service::application
