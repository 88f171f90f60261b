// URLs, parsed in one place (RFC 3986, by Boost.URL, which stays out of this header), and
// the one function that hides a URL's secrets before it is logged or shown.
//
//   auto url = parse_url("https://ana:pa%3Ass@[::1]:8443/my%20docs/?q=a%26b#top");
//   if (!url) return url.error();   // kInvalidArgument; the detail never repeats the URL
//   url->scheme;          // "https"          lower-cased
//   url->user;            // "ana"            percent-decoded
//   url->password;        // "pa:ss"          decoded; nullopt when the URL has none
//   url->host;            // "::1"            an IPv6 literal without its brackets
//   url->ipv6;            // true
//   url->port;            // 8443             the scheme's default when none is written
//   url->path;            // "/my docs/"      decoded
//   url->query_params;    // {{"q", "a&b"}}   decoded, in order
//   url->target();        // "/my%20docs/?q=a%26b"  an HTTP request's target, as written
//   url->host_header();   // "[::1]:8443"     the port only when it is not the default
//   url->host_port();     // "[::1]:8443"     always with the port
//
//   log.info("connecting", {{"url", redact_url(text)}});
//   // "https://ana:***@[::1]:8443/my%20docs/?q=a%26b#top"
//
// What parse_url accepts: an absolute URL with an authority, "scheme://[userinfo@]host
// [:port][/path][?query][#fragment]"; the host may be empty ("postgresql:///db",
// "file:///x"), which callers that need one reject. The fragment is dropped. Refused:
// no scheme, no "//", a malformed part (an unterminated IPv6 literal, a port that is not a
// number from 0 to 65535, a space or other character that must be escaped), an IPvFuture
// host. Percent-decoding is plain RFC 3986: '+' stays '+'.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "platform/core/result.h"

namespace platform::core {

struct Url {
  std::string scheme;                   // lower-case
  std::string user;                     // decoded; "" when absent
  std::optional<std::string> password;  // decoded; nullopt when the URL has none
  std::string host;                     // decoded; IPv6 literals without brackets; may be ""
  bool ipv6 = false;                    // the host is an IPv6 literal
  std::uint16_t port = 0;               // as written, else default_port(scheme) (0: none)
  bool port_given = false;              // the URL wrote a port
  std::string path;                     // decoded; "" when the URL has no path
  std::string encoded_path;             // as written
  std::string query;                    // as written (encoded), without '?'; "" when none
  std::vector<std::pair<std::string, std::string>> query_params;  // decoded, in order

  // The host as it stands in a URL: "[::1]" for an IPv6 literal, else the host.
  std::string url_host() const;
  // "host:port" ("[::1]:8080"), for connecting and for messages.
  std::string host_port() const;
  // The Host header's value: the host, and ":port" unless it is the scheme's default.
  std::string host_header() const;
  // The request target of an HTTP request: the encoded path (at least "/") and "?query".
  std::string target() const;
  // The first value of query parameter `name`, or nullopt.
  std::optional<std::string> query_param(std::string_view name) const;
};

// kInvalidArgument saying what is wrong (never quoting the URL, which may hold a password).
Result<Url> parse_url(std::string_view text);

// 80 for http and ws, 443 for https and wss, 6379 for redis and rediss, 5432 for
// postgres and postgresql; 0 for other schemes.
std::uint16_t default_port(std::string_view scheme);

// True for the addresses a server binds to in order to listen on every interface, and that
// no peer can connect to: "0.0.0.0", "::" (any spelling, with or without brackets).
bool is_unspecified_address(std::string_view host);

// The URL with every secret it holds replaced by "***", everything else as written: the
// password of the user info ("postgresql://app:***@db/x"), the bare user info of a Redis
// URL, which Redis reads as a password ("redis://***@cache:6379"), and the value of every
// query parameter whose name says it is a secret (password, secret, token, signature,
// api_key: "?sslmode=require&password=***"). Text that is not a URL is masked all the same
// from "://" to the last '@' of its authority. The one masker of the platform: use it
// wherever a URL is logged or shown.
std::string redact_url(std::string_view url);

}  // namespace platform::core
