#include "platform/testing/postgres.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <soci/postgresql/soci-postgresql.h>
#include <soci/soci.h>

#include <cctype>
#include <cstdlib>
#include <iostream>
#include <memory>
#include <random>
#include <stdexcept>

#include "random_name.h"

namespace platform::testing {
namespace {

using internal::random_hex;

// SOCI mangles a URI (it splits its connect string into "key=value" words), so it gets
// libpq's keyword/value form of the same options, escaped to survive SOCI's splitting
// (see libs/db/src/url.cpp, which does the same for services).
std::string keyword_value_form(const std::string& uri) {
  char* message = nullptr;
  std::unique_ptr<PQconninfoOption, decltype(&PQconninfoFree)> options(
      PQconninfoParse(uri.c_str(), &message), &PQconninfoFree);
  if (!options) {
    std::string reason = message ? message : "unparsable URI";
    PQfreemem(message);
    throw std::runtime_error("SYLTEST_POSTGRES_URL is not a valid libpq URI: " + reason);
  }
  std::string text;
  for (const PQconninfoOption* option = options.get(); option->keyword; ++option) {
    if (!option->val) continue;
    std::string value;
    bool space = false;
    for (const char* c = option->val; *c; ++c) {
      if (*c == '\'' || *c == '\\' || *c == '"') value += '\\';
      if (std::isspace(static_cast<unsigned char>(*c))) space = true;
      value += *c;
    }
    if (value.empty()) value = "''";
    if (space) value = "\"'" + value + "'\"";
    text += std::string(text.empty() ? "" : " ") + option->keyword + "=" + value;
  }
  return text;
}

}  // namespace

std::string postgres_server_url() {
  const char* url = std::getenv("SYLTEST_POSTGRES_URL");
  if (url == nullptr || *url == '\0') {
    const std::string message =
        "SYLTEST_POSTGRES_URL is not set: run the tests with scripts/test.sh, which starts a "
        "throwaway PostgreSQL";
    ADD_FAILURE() << message;
    throw std::runtime_error(message);
  }
  return url;
}

std::string with_database_name(const std::string& server_url, const std::string& database) {
  std::size_t scheme_end = server_url.find("://");
  std::size_t authority = scheme_end == std::string::npos ? 0 : scheme_end + 3;
  std::size_t path = server_url.find_first_of("/?", authority);
  if (path == std::string::npos) return server_url + "/" + database;
  std::size_t path_end = server_url.find('?', path);
  if (path_end == std::string::npos) path_end = server_url.size();
  return server_url.substr(0, path) + "/" + database + server_url.substr(path_end);
}

TemporaryPostgresDatabase::TemporaryPostgresDatabase()
    : server_url_(postgres_server_url()), name_("syltest_" + random_hex(16)) {
  try {
    soci::session sql(soci::postgresql, keyword_value_form(server_url_));
    sql << "CREATE DATABASE " + name_;
  } catch (const std::exception& error) {
    throw std::runtime_error("cannot create the test database " + name_ + ": " + error.what());
  }
  url_ = with_database_name(server_url_, name_);
}

TemporaryPostgresDatabase::~TemporaryPostgresDatabase() {
  try {
    soci::session sql(soci::postgresql, keyword_value_form(server_url_));
    // FORCE ends sessions a test left open (a leaked pool, a terminated test).
    sql << "DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)";
  } catch (const std::exception& error) {
    std::cerr << "warning: cannot drop the test database " << name_ << ": " << error.what() << "\n";
  }
}

}  // namespace platform::testing
