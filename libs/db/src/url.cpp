#include "url.h"

#include <libpq-fe.h>

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <memory>
#include <utility>
#include <vector>

#include "platform/core/url.h"

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

// libpq's own option names ("sslmode", "connect_timeout", ...): a query parameter must be
// one of them, so that a typo is an error at start-up rather than an ignored setting.
bool is_libpq_option(std::string_view name) {
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> defaults(PQconndefaults(),
                                                                        &PQconninfoFree);
  if (!defaults) return true;  // out of memory: let libpq itself judge at connect time
  for (const PQconninfoOption* option = defaults.get(); option->keyword; ++option)
    if (name == option->keyword) return true;
  return false;
}

// The URI becomes libpq's keyword/value form (SOCI splits its connect string into words
// and would mangle a URI): the authority and path give host, port, dbname, user and
// password, the query any further option. Several hosts go in the query
// (?host=a,b&port=5432,5433), since one URL names one authority.
core::Result<DatabaseUrl> parse_postgresql(std::string_view text) {
  auto url = core::parse_url(text);
  if (!url) {
    std::string_view reason = url.error().detail();
    if (reason.starts_with("invalid URL: ")) reason.remove_prefix(13);
    return bad_url(std::string(reason));
  }
  std::vector<std::pair<std::string, std::string>> options;
  const auto set = [&options](std::string_view keyword, std::string value) {
    for (auto& [name, existing] : options) {
      if (name == keyword) {
        existing = std::move(value);
        return;
      }
    }
    options.emplace_back(keyword, std::move(value));
  };
  if (!url->host.empty()) set("host", url->host);
  if (url->port_given) set("port", std::to_string(url->port));
  if (url->path.size() > 1) set("dbname", url->path.substr(1));
  if (!url->user.empty()) set("user", url->user);
  if (url->password) set("password", *url->password);
  for (const auto& [name, value] : url->query_params) {
    if (!is_libpq_option(name))
      return bad_url("unknown PostgreSQL connection option '" + name + "'");
    set(name, value);
  }
  bool has_timeout = false;
  for (const auto& [name, value] : options) has_timeout = has_timeout || name == "connect_timeout";
  if (!has_timeout) set("connect_timeout", std::to_string(kDefaultConnectTimeoutSeconds));

  std::string keywords;
  for (const auto& [name, value] : options) {
    core::Result<std::string> written = connect_value(value);
    if (!written) return std::move(written).error();
    if (!keywords.empty()) keywords += ' ';
    keywords += name + "=" + *written;
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

}  // namespace platform::db
