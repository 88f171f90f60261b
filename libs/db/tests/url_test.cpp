#include "url.h"

#include <gtest/gtest.h>

#include <filesystem>

namespace platform::db {
namespace {

TEST(ParseDatabaseUrl, TakesAnAbsoluteSqlitePath) {
  auto url = parse_database_url("sqlite:///var/lib/subject/subject.db");

  ASSERT_TRUE(url);
  EXPECT_EQ(url->backend, Backend::kSqlite);
  EXPECT_EQ(url->target, "/var/lib/subject/subject.db");
  EXPECT_FALSE(url->in_memory);
}

TEST(ParseDatabaseUrl, ResolvesARelativeSqlitePathAgainstTheWorkingDirectory) {
  auto url = parse_database_url("sqlite://data/subject.db");

  ASSERT_TRUE(url);
  EXPECT_EQ(url->target, (std::filesystem::current_path() / "data" / "subject.db").string());
}

TEST(ParseDatabaseUrl, RecognisesAnInMemorySqliteDatabase) {
  for (const char* text : {"sqlite::memory:", "sqlite://:memory:"}) {
    auto url = parse_database_url(text);

    ASSERT_TRUE(url) << text;
    EXPECT_TRUE(url->in_memory);
    EXPECT_EQ(url->target, ":memory:");
  }
}

TEST(ParseDatabaseUrl, TurnsAPostgresqlUriIntoLibpqKeywordsWithADefaultConnectTimeout) {
  auto url = parse_database_url("postgresql://app:secret@db.internal:5432/subjects");

  ASSERT_TRUE(url);
  EXPECT_EQ(url->backend, Backend::kPostgresql);
  EXPECT_EQ(url->target,
            "host=db.internal port=5432 dbname=subjects user=app password=secret "
            "connect_timeout=10");
}

TEST(ParseDatabaseUrl, KeepsTheOptionsAndTheConnectTimeoutOfAPostgresUri) {
  auto url = parse_database_url("postgres://app@db/subjects?sslmode=disable&connect_timeout=2");

  ASSERT_TRUE(url);
  EXPECT_EQ(url->backend, Backend::kPostgresql);
  EXPECT_EQ(url->target, "host=db dbname=subjects user=app sslmode=disable connect_timeout=2");
}

TEST(ParseDatabaseUrl, DecodesAndQuotesPostgresqlValues) {
  auto url = parse_database_url("postgresql://app:it%27s%20a%20secret@db/subjects");

  ASSERT_TRUE(url);
  EXPECT_NE(url->target.find(R"(password="'it\'s a secret'")"), std::string::npos) << url->target;
}

TEST(ParseDatabaseUrl, EscapesQuotesInPostgresqlValuesWithoutSpaces) {
  auto url = parse_database_url("postgresql://app:a%22b%27c%5Cd@db/subjects");

  ASSERT_TRUE(url);
  EXPECT_NE(url->target.find(R"(password=a\"b\'c\\d )"), std::string::npos) << url->target;
}

TEST(ParseDatabaseUrl, RejectsMalformedUrlsNamingTheProblem) {
  struct Case {
    const char* url;
    const char* mentions;
  };
  for (const Case& c : {
           Case{"", "empty"},
           Case{"subject.db", "no scheme"},
           Case{"mysql://localhost/subjects", "unsupported scheme 'mysql'"},
           Case{"sqlite://", "no file path"},
           Case{"sqlite:///var/lib/", "directory"},
           Case{"sqlite:///tmp/a=b.db", "'='"},
           Case{"postgresql://db/subjects?frobnicate=1",
                "unknown PostgreSQL connection option 'frobnicate'"},
           Case{"postgresql://app:p@ss@db/subjects", "percent-encoded"},
           Case{"postgresql://[::1/subjects", "invalid database URL"},
       }) {
    auto url = parse_database_url(c.url);

    ASSERT_FALSE(url) << c.url;
    EXPECT_EQ(url.error().code(), core::ErrorCode::kInvalidArgument) << c.url;
    EXPECT_NE(url.error().detail().find(c.mentions), std::string::npos)
        << c.url << ": " << url.error().detail();
  }
}

TEST(ParseDatabaseUrl, NeverEchoesThePasswordInAnError) {
  auto url = parse_database_url("postgresql://app:hunter2@db/subjects?frobnicate=1");

  ASSERT_FALSE(url);
  EXPECT_EQ(url.error().detail().find("hunter2"), std::string::npos);
}

TEST(ParseDatabaseUrl, TakesAnIpv6LiteralAUnixSocketAndSeveralHostsInTheQuery) {
  EXPECT_EQ(parse_database_url("postgresql://app@[::1]:5433/subjects")->target,
            "host=::1 port=5433 dbname=subjects user=app connect_timeout=10");
  EXPECT_EQ(parse_database_url("postgresql://app@%2Fvar%2Frun%2Fpostgresql/subjects")->target,
            "host=/var/run/postgresql dbname=subjects user=app connect_timeout=10");
  EXPECT_EQ(parse_database_url("postgresql:///subjects?host=a,b&port=5432,5433")->target,
            "dbname=subjects host=a,b port=5432,5433 connect_timeout=10");
}

TEST(ParseDatabaseUrl, LetsAQueryOptionOverrideTheAuthority) {
  EXPECT_EQ(parse_database_url("postgresql://app@db/subjects?user=other")->target,
            "host=db dbname=subjects user=other connect_timeout=10");
}

}  // namespace
}  // namespace platform::db
