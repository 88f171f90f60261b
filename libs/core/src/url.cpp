#include "platform/core/url.h"

#include <arpa/inet.h>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <charconv>

#include "platform/core/strings.h"

namespace platform::core {
namespace {

Error bad_url(std::string reason) {
  return {ErrorCode::kInvalidArgument, "invalid URL: " + std::move(reason)};
}

std::string_view view_of(boost::urls::string_view text) {
  return {text.data(), text.size()};
}

bool is_redis(std::string_view scheme) {
  return scheme == "redis" || scheme == "rediss";
}

constexpr std::string_view kSecretParameterWords[] = {"password",  "passwd",  "secret", "token",
                                                      "signature", "api_key", "apikey"};

bool names_secret(std::string_view name) {
  const std::string lower = ascii_lower(name);
  for (std::string_view word : kSecretParameterWords)
    if (lower.find(word) != std::string::npos) return true;
  return false;
}

// Where the secrets of a URL may stand: its user info and its query, as offsets into the
// text (npos: absent).
struct Parts {
  std::string scheme;
  std::size_t userinfo_begin = std::string_view::npos, userinfo_end = 0;
  std::size_t query_begin = std::string_view::npos, query_end = 0;
};

// Boost.URL 1.81 lets a path that does not start with '/' follow an authority
// ("http://h:80a/" as port 80 and path "a/"; "x://u:p@ss@db/" as host "ss" and path
// "@db/"), which RFC 3986 forbids: such text is refused here.
boost::system::result<boost::urls::url_view> parse_strictly(std::string_view text) {
  auto parsed = boost::urls::parse_uri(boost::urls::string_view(text.data(), text.size()));
  if (parsed && parsed->has_authority() && !parsed->encoded_path().empty() &&
      parsed->encoded_path().front() != '/')
    return boost::urls::error::bad_pct_hexdig;  // any error: the text is not a URL
  return parsed;
}

std::size_t offset_in(std::string_view text, boost::urls::string_view part) {
  return static_cast<std::size_t>(part.data() - text.data());
}

// For text Boost.URL refuses (a password with an unescaped '@' or '/', a space): the user
// info runs to the last '@', the query from the first '?' after it.
Parts guess_parts(std::string_view text) {
  Parts parts;
  const std::size_t scheme_end = text.find("://");
  if (scheme_end == std::string_view::npos) return parts;
  parts.scheme = ascii_lower(text.substr(0, scheme_end));
  const std::size_t authority = scheme_end + 3;
  const std::size_t at = text.rfind('@');
  std::size_t after_userinfo = authority;
  if (at != std::string_view::npos && at >= authority) {
    parts.userinfo_begin = authority;
    parts.userinfo_end = at;
    after_userinfo = at + 1;
  }
  const std::size_t question = text.find('?', after_userinfo);
  if (question != std::string_view::npos) {
    parts.query_begin = question + 1;
    parts.query_end = std::min(text.find('#', question), text.size());
  }
  return parts;
}

Parts find_parts(std::string_view text) {
  auto parsed = parse_strictly(text);
  if (!parsed) return guess_parts(text);
  const boost::urls::url_view& url = *parsed;
  Parts parts;
  parts.scheme = ascii_lower(view_of(url.scheme()));
  if (url.has_userinfo()) {
    const auto userinfo = url.encoded_userinfo();
    parts.userinfo_begin = offset_in(text, userinfo);
    parts.userinfo_end = parts.userinfo_begin + userinfo.size();
  }
  if (url.has_query()) {
    const auto query = url.encoded_query();
    parts.query_begin = offset_in(text, query);
    parts.query_end = parts.query_begin + query.size();
  }
  return parts;
}

}  // namespace

std::uint16_t default_port(std::string_view scheme) {
  const std::string lower = ascii_lower(scheme);
  if (lower == "http" || lower == "ws") return 80;
  if (lower == "https" || lower == "wss") return 443;
  if (lower == "redis" || lower == "rediss") return 6379;
  if (lower == "postgres" || lower == "postgresql") return 5432;
  return 0;
}

Result<Url> parse_url(std::string_view text) {
  if (text.empty()) return bad_url("it is empty");
  auto parsed = parse_strictly(text);
  if (!parsed) {
    if (text.find("://") == std::string_view::npos)
      return bad_url("it is not of the form scheme://host[:port][/path][?query]");
    return bad_url(
        "it is malformed; characters such as spaces, '@' or '/' in a user name or password "
        "must be percent-encoded");
  }
  const boost::urls::url_view& view = *parsed;
  if (!view.has_authority())
    return bad_url("it has no authority (expected scheme://host[:port][/path][?query])");
  if (view.host_type() == boost::urls::host_type::ipvfuture)
    return bad_url("IPvFuture hosts are not supported");

  Url url;
  url.scheme = ascii_lower(view_of(view.scheme()));
  if (view.has_userinfo()) {
    url.user = view.user();
    if (view.has_password()) url.password = view.password();
  }
  url.ipv6 = view.host_type() == boost::urls::host_type::ipv6;
  url.host = url.ipv6 ? std::string(view.host_address()) : std::string(view.host());
  url.port = default_port(url.scheme);
  if (view.has_port() && !view.port().empty()) {
    const std::string_view digits = view_of(view.port());
    unsigned value = 0;
    const auto [end, error] = std::from_chars(digits.data(), digits.data() + digits.size(), value);
    if (error != std::errc{} || end != digits.data() + digits.size() || value > 65535)
      return bad_url("the port must be a number from 0 to 65535");
    url.port = static_cast<std::uint16_t>(value);
    url.port_given = true;
  }
  url.encoded_path = std::string(view.encoded_path());
  url.path = view.path();
  if (view.has_query()) {
    url.query = std::string(view.encoded_query());
    for (const auto& param : view.params(boost::urls::encoding_opts(false, false, false)))
      url.query_params.emplace_back(param.key, param.value);
  }
  return url;
}

std::string Url::url_host() const {
  return ipv6 ? "[" + host + "]" : host;
}

std::string Url::host_port() const {
  return url_host() + ":" + std::to_string(port);
}

std::string Url::host_header() const {
  if (port == default_port(scheme)) return url_host();
  return host_port();
}

std::string Url::target() const {
  std::string out = encoded_path.empty() ? "/" : encoded_path;
  if (!query.empty()) out += "?" + query;
  return out;
}

std::optional<std::string> Url::query_param(std::string_view name) const {
  for (const auto& [key, value] : query_params)
    if (key == name) return value;
  return std::nullopt;
}

bool is_unspecified_address(std::string_view host) {
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']')
    host = host.substr(1, host.size() - 2);
  const std::string text(host);
  in_addr v4{};
  if (::inet_pton(AF_INET, text.c_str(), &v4) == 1) return v4.s_addr == 0;
  in6_addr v6{};
  if (::inet_pton(AF_INET6, text.c_str(), &v6) == 1) {
    for (const unsigned char byte : v6.s6_addr)
      if (byte != 0) return false;
    return true;
  }
  return false;
}

std::string redact_url(std::string_view text) {
  const Parts parts = find_parts(text);
  // Ranges to replace with "***", in order.
  std::vector<std::pair<std::size_t, std::size_t>> secrets;
  if (parts.userinfo_begin != std::string_view::npos) {
    const std::string_view userinfo =
        text.substr(parts.userinfo_begin, parts.userinfo_end - parts.userinfo_begin);
    const std::size_t colon = userinfo.find(':');
    if (colon != std::string_view::npos && colon + 1 < userinfo.size()) {
      secrets.emplace_back(parts.userinfo_begin + colon + 1, parts.userinfo_end);
    } else if (colon == std::string_view::npos && !userinfo.empty() && is_redis(parts.scheme)) {
      secrets.emplace_back(parts.userinfo_begin, parts.userinfo_end);  // a bare password
    }
  }
  if (parts.query_begin != std::string_view::npos) {
    std::size_t at = parts.query_begin;
    while (at <= parts.query_end) {
      std::size_t end = text.find('&', at);
      if (end == std::string_view::npos || end > parts.query_end) end = parts.query_end;
      const std::string_view parameter = text.substr(at, end - at);
      const std::size_t equals = parameter.find('=');
      if (equals != std::string_view::npos && equals + 1 < parameter.size() &&
          names_secret(parameter.substr(0, equals)))
        secrets.emplace_back(at + equals + 1, end);
      at = end + 1;
    }
  }
  std::string out;
  out.reserve(text.size());
  std::size_t copied = 0;
  for (const auto& [begin, end] : secrets) {
    out.append(text.substr(copied, begin - copied));
    out.append("***");
    copied = end;
  }
  out.append(text.substr(copied));
  return out;
}

}  // namespace platform::core
