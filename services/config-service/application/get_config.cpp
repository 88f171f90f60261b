#include "application/get_config.h"

namespace config_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

Result<ConfigView> GetConfigHandler::handle(const GetConfigQuery& query) {
  auto schema = schema_of(repository_, query.service);
  if (!schema) return std::move(schema).error();
  auto snapshot = repository_.snapshot(query.service, query.env);
  if (!snapshot) return std::move(snapshot).error();
  ConfigView view{query.service, query.env, snapshot->version,
                  domain::merge(snapshot->base, snapshot->overlay)};
  if (auto allowed = check_reader(query.reader, query.service, schema->holds_secret(view.settings));
      !allowed)
    return std::move(allowed).error();
  return view;
}

}  // namespace config_service::application
