#include "application/config_history.h"

#include <algorithm>

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

Result<std::vector<domain::ConfigVersion>> HistoryHandler::handle(const HistoryQuery& query) {
  return repository_.history(query.service, query.env,
                             std::clamp<std::size_t>(query.limit, 1, kMaxHistoryLimit));
}

}  // namespace config_service::application
