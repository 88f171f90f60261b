#include "url.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>

namespace platform::db {
namespace {

constexpr std::string_view kSqliteScheme = "sqlite://";
constexpr std::string_view kSqliteMemory = "sqlite::memory:";

core::Error bad_url(std::string message) {
  return {core::ErrorCode::kInvalidArgument, "invalid database URL: " + std::move(message)};
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

core::Result<DatabaseUrl> parse_sqlite(std::string_view path) {
  if (path.empty()) {
    return bad_url(
        "sqlite URL has no file path (use sqlite:///absolute/path.db, "
        "sqlite://relative/path.db or sqlite::memory:)");
  }
  if (path == ":memory:") return DatabaseUrl{Backend::kSqlite, ":memory:", true};
  if (path.back() == '/') return bad_url("sqlite URL names a directory, not a file");
  // SOCI's SQLite backend reads "key=value" options when the connect string holds '='.
  if (path.find('=') != std::string_view::npos) {
    return bad_url("sqlite file path must not contain '='");
  }
  std::error_code error;
  std::filesystem::path absolute = std::filesystem::absolute(std::filesystem::path(path), error);
  if (error) return bad_url("sqlite file path cannot be resolved: " + error.message());
  return DatabaseUrl{Backend::kSqlite, absolute.lexically_normal().string(), false};
}

bool has_space(std::string_view value) {
  return std::any_of(value.begin(), value.end(),
                     [](char c) { return std::isspace(static_cast<unsigned char>(c)); });
}

// One value in libpq's keyword/value syntax, written so that it survives SOCI: SOCI splits
// its connect string at whitespace, except inside double quotes, which it strips.
core::Result<std::string> connect_value(std::string_view value) {
  std::string escaped;
  for (char c : value) {
    if (c == '\'' || c == '\\' || c == '"') escaped += '\\';
    escaped += c;
  }
  if (value.empty()) return std::string("''");
  if (!has_space(value)) return escaped;
  if (value.find('"') != std::string_view::npos) {
    return bad_url(
        "a PostgreSQL option holds both a space and a double quote, which SOCI "
        "cannot pass on");
  }
  return "\"'" + escaped + "'\"";
}

core::Result<DatabaseUrl> parse_postgresql(std::string_view url) {
  std::string uri(url);
  char* message = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(uri.c_str(), &message), &PQconninfoFree);
  if (!options) {
    // libpq's messages name the offending part but never echo the password.
    std::string reason = message ? message : "unparsable PostgreSQL URI";
    PQfreemem(message);
    while (!reason.empty() && (reason.back() == '\n' || reason.back() == ' ')) reason.pop_back();
    return bad_url(reason);
  }
  // SOCI splits its connect string into "key=value" words and mangles a URI, so libpq
  // gets the parsed options back as a keyword/value string.
  std::string keywords;
  bool has_timeout = false;
  for (const PQconninfoOption* option = options.get(); option->keyword; ++option) {
    if (!option->val) continue;
    std::string_view keyword(option->keyword);
    if (keyword == "connect_timeout") has_timeout = true;
    core::Result<std::string> value = connect_value(option->val);
    if (!value) return std::move(value).error();
    if (!keywords.empty()) keywords += ' ';
    keywords += std::string(keyword) + "=" + *value;
  }
  if (!has_timeout) {
    if (!keywords.empty()) keywords += ' ';
    keywords += "connect_timeout=" + std::to_string(kDefaultConnectTimeoutSeconds);
  }
  return DatabaseUrl{Backend::kPostgresql, std::move(keywords), false};
}

}  // namespace

core::Result<DatabaseUrl> parse_database_url(std::string_view url) {
  if (url.empty()) return bad_url("the URL is empty");
  if (url == kSqliteMemory) return DatabaseUrl{Backend::kSqlite, ":memory:", true};
  if (starts_with(url, kSqliteScheme)) return parse_sqlite(url.substr(kSqliteScheme.size()));
  if (starts_with(url, "postgresql://") || starts_with(url, "postgres://")) {
    return parse_postgresql(url);
  }
  std::size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos || scheme_end == 0) {
    return bad_url("the URL has no scheme (expected sqlite:// or postgresql://)");
  }
  return bad_url("unsupported scheme '" + std::string(url.substr(0, scheme_end)) +
                 "' (expected sqlite or postgresql)");
}

std::string mask_password(std::string_view url) {
  std::string masked(url);
  std::size_t scheme_end = masked.find("://");
  if (scheme_end != std::string::npos) {
    std::size_t authority = scheme_end + 3;
    std::size_t authority_end = masked.find_first_of("/?", authority);
    if (authority_end == std::string::npos) authority_end = masked.size();
    // The last '@' ends the user info: a password may itself contain '@' when unencoded.
    std::size_t at = masked.rfind('@', authority_end);
    if (at != std::string::npos && at >= authority) {
      std::size_t colon = masked.find(':', authority);
      if (colon != std::string::npos && colon < at) {
        masked.replace(colon + 1, at - colon - 1, "***");
      }
    }
  }
  std::size_t query = masked.find('?');
  while (query != std::string::npos) {
    std::size_t key = query + 1;
    std::size_t end = masked.find('&', key);
    if (end == std::string::npos) end = masked.size();
    constexpr std::string_view kPasswordKey = "password=";
    if (std::string_view(masked).substr(key, kPasswordKey.size()) == kPasswordKey) {
      std::size_t value = key + kPasswordKey.size();
      masked.replace(value, end - value, "***");
      end = value + 3;
    }
    query = end < masked.size() ? end : std::string::npos;
  }
  return masked;
}

}  // namespace platform::db
