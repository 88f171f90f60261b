#include "service_table.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>

#include "json_file.h"

namespace sylctl {

std::uint16_t Ports::service_port(const ServiceSpec& spec) const {
  return static_cast<std::uint16_t>(base + (spec.port - kDefaultPortBase));
}

std::string Ports::redis_url() const {
  return "redis://127.0.0.1:" + std::to_string(redis);
}

std::optional<ServiceSpec> find_service(std::string_view name) {
  for (const ServiceSpec& spec : kServices) {
    if (spec.name == name) return spec;
  }
  return std::nullopt;
}

std::optional<std::string> service_database_url(std::string_view service) {
  const char* url = std::getenv("SYL_DATABASE_URL");
  if (url == nullptr || std::string_view(url).find("{service}") == std::string_view::npos)
    return std::nullopt;
  std::string name(service);
  std::replace(name.begin(), name.end(), '-', '_');
  std::string own(url);
  for (auto at = own.find("{service}"); at != std::string::npos; at = own.find("{service}"))
    own.replace(at, 9, name);
  return own;
}

std::filesystem::path Layout::log_file(std::string_view name) const {
  return log_dir() / (std::string(name) + ".log");
}

std::filesystem::path Layout::pid_file(std::string_view name) const {
  return run_dir() / (std::string(name) + ".pid");
}

void write_state(const Layout& layout, const State& state) {
  boost::json::array services;
  for (const std::string& name : state.services) services.emplace_back(name);
  const boost::json::object document{{"port_base", state.ports.base},
                                     {"redis_port", state.ports.redis},
                                     {"services", std::move(services)}};
  write_json_file(layout.state_file(), document);
}

std::optional<State> read_state(const Layout& layout) {
  const auto value = read_json_file(layout.state_file());
  if (!value || !value->is_object()) return std::nullopt;
  const auto& object = value->get_object();
  State state;
  const auto* base = object.if_contains("port_base");
  const auto* redis = object.if_contains("redis_port");
  const auto* services = object.if_contains("services");
  if (base == nullptr || !base->is_int64() || redis == nullptr || !redis->is_int64() ||
      services == nullptr || !services->is_array()) {
    return std::nullopt;
  }
  state.ports.base = static_cast<std::uint16_t>(base->as_int64());
  state.ports.redis = static_cast<std::uint16_t>(redis->as_int64());
  for (const auto& name : services->as_array()) {
    if (name.is_string()) state.services.emplace_back(name.as_string());
  }
  return state;
}

std::string instance_name(std::string_view service, std::string_view colour) {
  return colour == "green" ? std::string(service) + "-green" : std::string(service);
}

std::uint16_t instance_port(const Ports& ports, const ServiceSpec& spec, std::string_view colour) {
  const std::uint16_t port = ports.service_port(spec);
  return colour == "green" ? static_cast<std::uint16_t>(port + kGreenPortOffset) : port;
}

void write_instances(const Layout& layout, const std::vector<InstanceSpec>& instances) {
  boost::json::array list;
  for (const InstanceSpec& instance : instances) {
    list.push_back(boost::json::object{{"name", instance.name},
                                       {"service", instance.service},
                                       {"binary", instance.binary},
                                       {"port", instance.port},
                                       {"colour", instance.colour}});
  }
  write_json_file(layout.instances_file(), list);
}

std::vector<InstanceSpec> read_instances(const Layout& layout) {
  const auto value = read_json_file(layout.instances_file());
  if (!value || !value->is_array()) return {};
  std::vector<InstanceSpec> instances;
  for (const auto& item : value->get_array()) {
    if (!item.is_object()) continue;
    const auto& object = item.get_object();
    const auto text_of = [&object](std::string_view key) {
      const auto* found = object.if_contains(key);
      return found != nullptr && found->is_string() ? std::string(found->get_string())
                                                    : std::string();
    };
    const auto* port = object.if_contains("port");
    InstanceSpec instance{
        text_of("name"), text_of("service"), text_of("binary"),
        static_cast<std::uint16_t>(port != nullptr && port->is_int64() ? port->get_int64() : 0),
        text_of("colour")};
    if (!instance.name.empty() && !instance.binary.empty() && instance.port != 0)
      instances.push_back(std::move(instance));
  }
  return instances;
}

}  // namespace sylctl
