#include "platform/core/url.h"

#include <gtest/gtest.h>

namespace platform::core {
namespace {

TEST(ParseUrl, SplitsEveryPartAndDecodesWhatIsDecoded) {
  auto url = parse_url("HTTPS://ana:pa%3Ass@example.org:8443/my%20docs/?q=a%26b&flag#top");

  ASSERT_TRUE(url) << url.error().detail();
  EXPECT_EQ(url->scheme, "https");
  EXPECT_EQ(url->user, "ana");
  EXPECT_EQ(url->password, "pa:ss");
  EXPECT_EQ(url->host, "example.org");
  EXPECT_FALSE(url->ipv6);
  EXPECT_EQ(url->port, 8443);
  EXPECT_TRUE(url->port_given);
  EXPECT_EQ(url->path, "/my docs/");
  EXPECT_EQ(url->encoded_path, "/my%20docs/");
  EXPECT_EQ(url->query, "q=a%26b&flag");
  EXPECT_EQ(url->query_params,
            (std::vector<std::pair<std::string, std::string>>{{"q", "a&b"}, {"flag", ""}}));
  EXPECT_EQ(url->query_param("q"), "a&b");
  EXPECT_EQ(url->query_param("nope"), std::nullopt);
  EXPECT_EQ(url->target(), "/my%20docs/?q=a%26b&flag");
}

TEST(ParseUrl, TakesTheSchemesDefaultPortWhenNoneIsWritten) {
  struct Case {
    const char* url;
    std::uint16_t port;
  };
  for (const Case& c :
       {Case{"http://h", 80}, Case{"https://h/x", 443}, Case{"redis://h", 6379},
        Case{"rediss://h", 6379}, Case{"postgresql://h/db", 5432}, Case{"postgres://h/db", 5432},
        Case{"ws://h", 80}, Case{"wss://h", 443}, Case{"ftp://h", 0}, Case{"http://h:/", 80}}) {
    auto url = parse_url(c.url);

    ASSERT_TRUE(url) << c.url;
    EXPECT_EQ(url->port, c.port) << c.url;
    EXPECT_FALSE(url->port_given) << c.url;
  }
}

TEST(ParseUrl, TakesIpv6LiteralsWithoutTheirBrackets) {
  auto url = parse_url("http://[::1]:8080/health");

  ASSERT_TRUE(url);
  EXPECT_EQ(url->host, "::1");
  EXPECT_TRUE(url->ipv6);
  EXPECT_EQ(url->port, 8080);
  EXPECT_EQ(url->url_host(), "[::1]");
  EXPECT_EQ(url->host_port(), "[::1]:8080");
  EXPECT_EQ(url->host_header(), "[::1]:8080");
  EXPECT_EQ(parse_url("https://[2001:db8::7]/")->host_header(), "[2001:db8::7]");
}

TEST(ParseUrl, LeavesTheDefaultPortOutOfTheHostHeader) {
  EXPECT_EQ(parse_url("http://example.org:80/")->host_header(), "example.org");
  EXPECT_EQ(parse_url("http://example.org:8080/")->host_header(), "example.org:8080");
  EXPECT_EQ(parse_url("http://example.org/")->host_port(), "example.org:80");
}

TEST(ParseUrl, GivesAtLeastSlashAsTheTarget) {
  EXPECT_EQ(parse_url("http://h")->target(), "/");
  EXPECT_EQ(parse_url("http://h?x=1")->target(), "/?x=1");
  EXPECT_EQ(parse_url("http://h/a/b#frag")->target(), "/a/b");
}

TEST(ParseUrl, TellsAnAbsentPasswordFromAnEmptyOne) {
  EXPECT_EQ(parse_url("redis://cache:6379")->password, std::nullopt);
  EXPECT_EQ(parse_url("redis://:@cache:6379")->password, "");
  EXPECT_EQ(parse_url("redis://:secret@cache:6379")->password, "secret");
  EXPECT_EQ(parse_url("redis://:secret@cache:6379")->user, "");
  EXPECT_EQ(parse_url("redis://default@cache")->user, "default");
}

TEST(ParseUrl, AcceptsAnEmptyHostAndDecodesAPercentEncodedOne) {
  auto no_host = parse_url("postgresql:///subjects?host=/var/run/postgresql");
  ASSERT_TRUE(no_host);
  EXPECT_EQ(no_host->host, "");
  EXPECT_EQ(no_host->path, "/subjects");
  EXPECT_EQ(no_host->query_param("host"), "/var/run/postgresql");

  auto socket = parse_url("postgresql://app@%2Fvar%2Frun%2Fpostgresql/subjects");
  ASSERT_TRUE(socket);
  EXPECT_EQ(socket->host, "/var/run/postgresql");
}

TEST(ParseUrl, KeepsAPlusAsAPlus) {
  auto url = parse_url("http://h/a+b?x=1+2");

  ASSERT_TRUE(url);
  EXPECT_EQ(url->path, "/a+b");
  EXPECT_EQ(url->query_param("x"), "1+2");
}

TEST(ParseUrl, RefusesWhatIsNotAnAbsoluteUrlWithoutQuotingIt) {
  for (const char* text : {"", "example.org", "/just/a/path", "mailto:ana@example.org",
                           "http://[::1/x", "http://h:99999/", "http://h:80a/",
                           "http://ana:p ss@h/", "http://[v7.abc]/", "http://h/a b"}) {
    auto url = parse_url(text);

    ASSERT_FALSE(url) << text;
    EXPECT_EQ(url.error().code(), ErrorCode::kInvalidArgument) << text;
    EXPECT_TRUE(url.error().detail().starts_with("invalid URL: ")) << url.error().detail();
  }
  auto secret = parse_url("http://ana:hunter2 x@h/");
  ASSERT_FALSE(secret);
  EXPECT_EQ(secret.error().detail().find("hunter2"), std::string::npos);
}

TEST(IsUnspecifiedAddress, RecognisesTheAnyAddressesInEverySpelling) {
  for (const char* host : {"0.0.0.0", "::", "[::]", "0:0:0:0:0:0:0:0", "::0"})
    EXPECT_TRUE(is_unspecified_address(host)) << host;
  for (const char* host : {"127.0.0.1", "::1", "[::1]", "localhost", "0.0.0.1", "", "0"})
    EXPECT_FALSE(is_unspecified_address(host)) << host;
}

TEST(RedactUrl, HidesThePasswordOfTheUserInfo) {
  EXPECT_EQ(redact_url("postgresql://app:hunter2@db:5432/subjects"),
            "postgresql://app:***@db:5432/subjects");
  EXPECT_EQ(redact_url("https://ana:pa%3Ass@[::1]:8443/x"), "https://ana:***@[::1]:8443/x");
}

TEST(RedactUrl, HidesTheBareUserInfoOfARedisUrlWhichIsItsPassword) {
  EXPECT_EQ(redact_url("redis://s3cret@cache:6379/0"), "redis://***@cache:6379/0");
  EXPECT_EQ(redact_url("rediss://:s3cret@cache"), "rediss://:***@cache");
  EXPECT_EQ(redact_url("redis://default:s3cret@cache"), "redis://default:***@cache");
  // Elsewhere a lone user name is no secret.
  EXPECT_EQ(redact_url("postgresql://app@db/subjects"), "postgresql://app@db/subjects");
}

TEST(RedactUrl, HidesQueryParametersThatNameASecret) {
  EXPECT_EQ(redact_url("postgresql://app@db/subjects?password=hunter2&sslmode=require"),
            "postgresql://app@db/subjects?password=***&sslmode=require");
  EXPECT_EQ(redact_url("postgresql://db/s?sslmode=require&password=hunter2"),
            "postgresql://db/s?sslmode=require&password=***");
  EXPECT_EQ(redact_url("http://h/files/1/content?expires=9&kid=k1&signature=abc#x"),
            "http://h/files/1/content?expires=9&kid=k1&signature=***#x");
  EXPECT_EQ(redact_url("http://h/?access_token=t&API_KEY=k&sslpassword=p&empty_token="),
            "http://h/?access_token=***&API_KEY=***&sslpassword=***&empty_token=");
}

TEST(RedactUrl, HidesThePasswordOfTextThatIsNoValidUrl) {
  // An unescaped '@' or '/' in the password: everything up to the last '@' is user info.
  EXPECT_EQ(redact_url("postgresql://app:p@ss@db/subjects"), "postgresql://app:***@db/subjects");
  EXPECT_EQ(redact_url("postgresql://app:p/ss@db/subjects?password=x y"),
            "postgresql://app:***@db/subjects?password=***");
  EXPECT_EQ(redact_url("redis://s3 cret@cache"), "redis://***@cache");
}

TEST(RedactUrl, LeavesUrlsWithoutSecretsAlone) {
  for (const char* text : {"postgresql://app@db/subjects", "sqlite:///var/lib/subject.db",
                           "sqlite::memory:", "http://127.0.0.1:8100", "redis://127.0.0.1:6379",
                           "not a url at all", "", "http://user:@h/"}) {
    EXPECT_EQ(redact_url(text), text);
  }
}

}  // namespace
}  // namespace platform::core
