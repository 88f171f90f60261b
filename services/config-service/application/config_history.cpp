#include "application/config_history.h"

#include <algorithm>

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

Result<std::vector<domain::ConfigVersion>> HistoryHandler::handle(const HistoryQuery& query) {
  auto versions = repository_.history(query.service, query.env,
                                      std::clamp<std::size_t>(query.limit, 1, kMaxHistoryLimit));
  if (!versions || versions->empty()) return versions;
  auto schema = schema_of(repository_, query.service);
  if (!schema && schema.error().code() != ErrorCode::kNotFound) return std::move(schema).error();
  bool holds_secret = false;
  for (const auto& version : *versions)
    holds_secret = holds_secret || (schema && schema->holds_secret(version.settings));
  if (auto allowed = check_reader(query.reader, query.service, holds_secret); !allowed)
    return std::move(allowed).error();
  return versions;
}

}  // namespace config_service::application
