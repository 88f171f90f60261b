// The URL an instance registers under: where its peers reach it (http.advertise_url).
//
//   AdvertisedUrl advertised = advertised_url(config.get("http.advertise_url"),
//                                             config.get("http.host"), port, host_name());
//   advertised.url;              // "http://127.0.0.1:8101"
//   advertised.from_host_name;   // true when http.host was 0.0.0.0 or ::
//
// The configured URL wins. Without one the URL is http://<http.host>:<port> (an IPv6
// address in brackets), except that an address a server binds to for every interface
// (0.0.0.0, ::) is never advertised: no peer can connect to it, so the machine's host
// name stands in, and the caller says so in its log.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace platform::service {

struct AdvertisedUrl {
  std::string url;
  bool from_host_name = false;
};

AdvertisedUrl advertised_url(std::string_view configured, std::string_view bind_host,
                             std::uint16_t port, std::string_view host_name);

// This machine's name (gethostname()); "localhost" when it has none.
std::string host_name();

}  // namespace platform::service
