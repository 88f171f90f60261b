#include "application/list_instances.h"

namespace config_service::application {

using platform::core::Result;

// The version is read before the instances: a change committed in between shows in the
// list with the older version, so a watcher is woken once more rather than missing it.

Result<InstancesView> ListInstancesHandler::handle(const ListInstancesQuery& query) {
  auto version = repository_.registry_version();
  if (!version) return std::move(version).error();
  InstancesView view{query.service, *version, {}};
  if (query.service.empty()) return view;
  auto traffic = repository_.traffic(query.service);
  if (!traffic) return std::move(traffic).error();
  view.traffic = *traffic;
  auto instances = repository_.list(query.service);
  if (!instances) return std::move(instances).error();
  const auto now = clock_();
  for (auto& instance : *instances)
    if (query.include_lapsed || !domain::is_lapsed(instance, now))
      view.instances.push_back(std::move(instance));
  return view;
}

Result<InstancesView> ListInstancesHandler::every_service() {
  auto version = repository_.registry_version();
  if (!version) return std::move(version).error();
  auto instances = repository_.list("");
  if (!instances) return std::move(instances).error();
  InstancesView view{"", *version, {}};
  const auto now = clock_();
  for (auto& instance : *instances)
    if (!domain::is_lapsed(instance, now)) view.instances.push_back(std::move(instance));
  return view;
}

}  // namespace config_service::application
