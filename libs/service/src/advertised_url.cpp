#include "platform/service/advertised_url.h"

#include <unistd.h>

#include <array>

#include "platform/core/url.h"

namespace platform::service {

AdvertisedUrl advertised_url(std::string_view configured, std::string_view bind_host,
                             std::uint16_t port, std::string_view host_name) {
  if (!configured.empty()) return {std::string(configured), false};
  std::string host(bind_host);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const bool every_address = core::is_unspecified_address(host);
  if (every_address) host = host_name;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";  // an IPv6 address
  return {"http://" + host + ":" + std::to_string(port), every_address};
}

std::string host_name() {
  std::array<char, 256> name{};
  if (::gethostname(name.data(), name.size() - 1) != 0 || name[0] == '\0') return "localhost";
  return name.data();
}

}  // namespace platform::service
