#include "application/list_services.h"

namespace config_service::application {

using platform::core::Result;

// The version is read before the instances: a change committed in between shows in the
// list with the older version, so a watcher is woken once more rather than missing it.

Result<ServicesView> ListServicesHandler::handle() {
  auto version = repository_.registry_version();
  if (!version) return std::move(version).error();
  auto instances = repository_.list("");
  if (!instances) return std::move(instances).error();
  const auto now = clock_();
  ServicesView view{*version, {}};
  for (const auto& instance : *instances) {
    if (domain::is_lapsed(instance, now)) continue;
    if (view.services.empty() || view.services.back().name != instance.service)
      view.services.push_back({instance.service, 0});
    ++view.services.back().healthy_instances;
  }
  return view;
}

}  // namespace config_service::application
