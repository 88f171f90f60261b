// The client's plain functions: URLs, retry rules, what a peer's answer says (problem
// bodies, Retry-After). No socket here; see client.cpp for the exchange.
#include <boost/json.hpp>
#include <cctype>
#include <ctime>
#include <vector>

#include "platform/core/problem.h"
#include "platform/core/strings.h"
#include "platform/core/url.h"
#include "platform/http/client.h"

namespace platform::http {
namespace {

constexpr std::size_t kMaxDetailFromBody = 200;

core::Error invalid_url(std::string_view url, const std::string& reason) {
  return core::Error::invalid_argument("url", "\"" + std::string(url) + "\" " + reason);
}

bool is_problem_json(const Headers& headers) {
  const std::string_view content_type = headers.get("Content-Type");
  const std::string_view media_type = core::trim(content_type.substr(0, content_type.find(';')));
  return core::iequals(media_type, core::kProblemContentType);
}

std::string string_member(const boost::json::object& object, std::string_view key) {
  const auto* value = object.if_contains(key);
  if (value == nullptr || !value->is_string()) return {};
  return std::string(value->as_string());
}

}  // namespace

// ---- URLs ----------------------------------------------------------------------------------

std::string Url::authority() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  return (ipv6 ? "[" + host + "]" : host) + ":" + std::to_string(port);
}

std::string Url::host_header() const {
  const bool ipv6 = host.find(':') != std::string::npos;
  const std::string name = ipv6 ? "[" + host + "]" : host;
  const bool default_port = (tls() && port == 443) || (!tls() && port == 80);
  return default_port ? name : name + ":" + std::to_string(port);
}

namespace {

// A path and query that the strict parser would take as they are: pchar, '/' and '?'
// only, every '%' followed by two hex digits (RFC 3986). Anything else (a fragment, a
// space, a control character, a bad escape) is left to the parser and its error.
bool is_plain_target(std::string_view target) {
  for (std::size_t i = 0; i < target.size(); ++i) {
    const auto c = static_cast<unsigned char>(target[i]);
    if (std::isalnum(c) != 0) continue;
    switch (c) {
      case '-':
      case '.':
      case '_':
      case '~':
      case '!':
      case '$':
      case '&':
      case '\'':
      case '(':
      case ')':
      case '*':
      case '+':
      case ',':
      case ';':
      case '=':
      case ':':
      case '@':
      case '/':
      case '?':
        continue;
      case '%':
        if (i + 2 < target.size() &&
            std::isxdigit(static_cast<unsigned char>(target[i + 1])) != 0 &&
            std::isxdigit(static_cast<unsigned char>(target[i + 2])) != 0) {
          i += 2;
          continue;
        }
        return false;
      default:
        return false;
    }
  }
  return true;
}

// The scheme and authority of the URLs a thread parsed last, parsed once: a client calls
// the same few peers again and again, and the strict parse of the whole URL was a few
// percent of a proxied request.
struct KnownOrigin {
  std::string prefix;  // "http://host:port", as written
  Url url;             // its scheme, host and port; target empty
};
constexpr std::size_t kKnownOrigins = 16;

core::Result<Url> parse_url_strictly(std::string_view text);

// "scheme://authority" of a lower-case http or https URL, or empty.
std::string_view origin_prefix(std::string_view text) {
  std::size_t start = 0;
  if (text.starts_with("http://")) {
    start = 7;
  } else if (text.starts_with("https://")) {
    start = 8;
  } else {
    return {};
  }
  // A loop rather than find_first_of, which would call memchr for each character.
  std::size_t end = start;
  while (end < text.size() && text[end] != '/' && text[end] != '?' && text[end] != '#') ++end;
  return text.substr(0, end);
}

}  // namespace

core::Result<Url> parse_url(std::string_view text) {
  thread_local std::vector<KnownOrigin> known;
  const std::string_view prefix = origin_prefix(text);
  const std::string_view rest = text.substr(prefix.size());
  if (!prefix.empty() && is_plain_target(rest)) {
    for (const KnownOrigin& origin : known) {
      if (origin.prefix != prefix) continue;
      Url url = origin.url;
      std::string_view target = rest;
      if (!target.empty() && target.find('?') == target.size() - 1) {
        target.remove_suffix(1);  // an empty query, as the parser drops it
      }
      if (target.empty() || target.front() == '?') url.target = "/";
      url.target.append(target);
      return url;
    }
  }
  auto url = parse_url_strictly(text);
  if (url && !prefix.empty() && is_plain_target(rest)) {
    if (known.size() == kKnownOrigins) known.erase(known.begin());
    Url origin = *url;
    origin.target.clear();
    known.push_back({std::string(prefix), std::move(origin)});
  }
  return url;
}

namespace {

core::Result<Url> parse_url_strictly(std::string_view text) {
  auto parsed = core::parse_url(text);
  if (!parsed) return invalid_url(text, parsed.error().detail());
  Url url;
  url.scheme = std::move(parsed->scheme);
  if (url.scheme != "http" && url.scheme != "https") {
    return invalid_url(text, "must start with http:// or https://");
  }
  if (!parsed->user.empty() || parsed->password) {
    return invalid_url(text, "must not carry user information");
  }
  if (parsed->host.empty()) return invalid_url(text, "has no host");
  if (parsed->port_given && parsed->port == 0) return invalid_url(text, "has an invalid port");
  url.host = core::ascii_lower(parsed->host);
  url.port = parsed->port;
  url.target = parsed->target();
  return url;
}

}  // namespace

// ---- retries -------------------------------------------------------------------------------

bool is_idempotent_method(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "PUT" || method == "DELETE" ||
         method == "OPTIONS";
}

bool may_retry_on_fresh_connection(std::string_view method, const FailedAttempt& attempt) {
  if (!attempt.reused_connection || attempt.response_started || attempt.timed_out) return false;
  return !attempt.request_written || is_idempotent_method(method);
}

// ---- what the peer answered ------------------------------------------------------------------

core::Error PeerProblem::as_dependency_failure() const {
  const std::string said = detail.empty() ? title : detail;
  const std::string log = "HTTP " + std::to_string(status) + " from " + peer +
                          (type.empty() ? "" : " (" + type + ")") + ": " + said;
  if (status == 504 || status == 408) {
    return {core::ErrorCode::kDeadlineExceeded, peer + " did not answer in time", log};
  }
  if (status >= 500 || status == 429) {
    return core::Error::unavailable(peer + " is unavailable", log);
  }
  return core::Error::internal(peer + " refused the request: " + said + " (" + log + ")");
}

std::optional<PeerProblem> ClientResponse::problem() const {
  if (status < 400) return std::nullopt;
  PeerProblem problem;
  problem.peer = peer;
  problem.status = status;
  if (is_problem_json(headers)) {
    boost::system::error_code ec;
    const boost::json::value parsed = boost::json::parse(body, ec);
    if (!ec && parsed.is_object()) {
      const auto& object = parsed.as_object();
      problem.type = string_member(object, "type");
      problem.title = string_member(object, "title");
      problem.detail = string_member(object, "detail");
      if (const auto* errors = object.if_contains("errors"); errors && errors->is_array()) {
        for (const auto& item : errors->as_array()) {
          if (!item.is_object()) continue;
          problem.errors.push_back({string_member(item.as_object(), "field"),
                                    string_member(item.as_object(), "message")});
        }
      }
    }
  }
  if (problem.title.empty()) problem.title = std::string(core::status_title(status));
  if (problem.detail.empty() && !is_problem_json(headers) && !body_stream) {
    problem.detail = body.substr(0, kMaxDetailFromBody);
  }
  return problem;
}

std::optional<std::chrono::seconds> ClientResponse::retry_after() const {
  const auto value = headers.find("Retry-After");
  if (!value) return std::nullopt;
  const std::string_view text = core::trim(*value);
  if (text.empty()) return std::nullopt;
  if (text.find_first_not_of("0123456789") == std::string_view::npos) {
    if (text.size() > 9) return std::chrono::seconds(999'999'999);
    return std::chrono::seconds(std::stol(std::string(text)));
  }
  // An HTTP date: "Wed, 21 Oct 2015 07:28:00 GMT".
  std::tm parts{};
  const std::string date(text);
  const char* end = strptime(date.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &parts);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const std::time_t when = timegm(&parts);
  const std::time_t now = std::time(nullptr);
  return std::chrono::seconds(when > now ? when - now : 0);
}

}  // namespace platform::http
