#include "platform/config/config.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

namespace platform::config {
namespace {

class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text)
      : path_(std::filesystem::temp_directory_path() /
              ("syl-config-" + std::to_string(::testing::UnitTest::GetInstance()->random_seed()) +
               "-" + ::testing::UnitTest::GetInstance()->current_test_info()->name() + ".yaml")) {
    std::ofstream(path_) << text;
  }
  ~ConfigFile() { std::filesystem::remove(path_); }
  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

Schema test_schema() {
  return common_schema("subject-service", 8101);
}

TEST(Config, UsesDefaultsWhenNothingIsSet) {
  auto config = load(test_schema(), {});
  ASSERT_TRUE(config) << format_errors(config.error());
  EXPECT_EQ(config->get("http.host"), "127.0.0.1");
  EXPECT_EQ(config->get_int("http.port"), 8101);
  EXPECT_EQ(config->get("database.url"), "sqlite://var/subject-service.db");
  EXPECT_EQ(config->get("log.level"), "info");
  EXPECT_EQ(config->source("http.port"), Source::kDefault);
}

TEST(Config, FileOverridesDefaultsAndEnvironmentOverridesFile) {
  ConfigFile file("http:\n  port: 9000\n  host: 0.0.0.0\nlog:\n  level: debug\n");
  auto config = load(test_schema(), {{"SYL_CONFIG_FILE", file.path()}, {"SYL_HTTP_PORT", "9100"}});
  ASSERT_TRUE(config) << format_errors(config.error());
  EXPECT_EQ(config->get_int("http.port"), 9100);
  EXPECT_EQ(config->source("http.port"), Source::kEnvironment);
  EXPECT_EQ(config->get("http.host"), "0.0.0.0");
  EXPECT_EQ(config->source("http.host"), Source::kFile);
  EXPECT_EQ(config->get("log.level"), "debug");
}

TEST(Config, ReadsASettingFromTheFileItsFileVariableNames) {
  ConfigFile secret("s3cr3t-platform-token-of-enough-length\n");
  auto config = load(test_schema(), {{"SYL_PLATFORM_TOKEN_FILE", secret.path()},
                                     // another service's secret, as compose passes all
                                     {"SYL_AUTH_JWT_SECRET_FILE", secret.path()}});
  ASSERT_TRUE(config) << format_errors(config.error());
  EXPECT_EQ(config->get("platform.token"), "s3cr3t-platform-token-of-enough-length");
  EXPECT_EQ(config->source("platform.token"), Source::kEnvironment);

  auto missing = load(test_schema(), {{"SYL_PLATFORM_TOKEN_FILE", "/nonexistent/token"}});
  ASSERT_FALSE(missing);
  EXPECT_EQ(missing.error().field_errors().at(0).field, "SYL_PLATFORM_TOKEN_FILE");
  // The file wins over the plain variable (an image's default).
  auto both = load(test_schema(), {{"SYL_PLATFORM_TOKEN", "an-image-default"},
                                   {"SYL_PLATFORM_TOKEN_FILE", secret.path()}});
  ASSERT_TRUE(both) << format_errors(both.error());
  EXPECT_EQ(both->get("platform.token"), "s3cr3t-platform-token-of-enough-length");
  auto typo = load(test_schema(), {{"SYL_PLATFORM_TOKN_FILE", secret.path()}});
  EXPECT_FALSE(typo);
}

TEST(Config, IgnoresVariablesWithoutTheSylPrefix) {
  auto config = load(test_schema(), {{"HOME", "/root"}, {"HTTP_PORT", "1"}});
  EXPECT_TRUE(config);
}

TEST(Config, OneEnvironmentStartsEveryServiceButAServicesOwnTypoIsStillAnError) {
  // Another service's settings are passed over...
  auto subjects = load(test_schema(), {{"SYL_AUTH_JWT_SECRET", "x"},
                                       {"SYL_GATEWAY_DOCS_DIR", "/x"},
                                       {"SYL_RATELIMIT_DEFAULT_RPS", "5"},
                                       {"SYL_STORAGE_LOCAL_ROOT", "/tmp/x"},
                                       {"SYL_PEERS_SUBJECT_SERVICE_URL", "http://a"}});
  EXPECT_TRUE(subjects) << format_errors(subjects.error());
  // ...while a misspelt one of the service's own namespace is not.
  Schema gateway = common_schema("api-gateway", 8080);
  gateway.add({"auth.jwt_secret", ""});
  auto typo = load(gateway, {{"SYL_AUTH_JWT_SECRTE", "x"}});
  ASSERT_FALSE(typo);
  EXPECT_NE(format_errors(typo.error()).find("SYL_AUTH_JWT_SECRTE"), std::string::npos);
  auto unknown = load(test_schema(), {{"SYL_NOBODYS_SETTING", "x"}});
  EXPECT_FALSE(unknown);
  EXPECT_TRUE(belongs_to_another_service("subject-service", "SYL_SYLLABUS_REVIEW_REQUIRED"));
  EXPECT_FALSE(belongs_to_another_service("syllabus-service", "SYL_SYLLABUS_REVEIW_REQUIRED"));
}

TEST(Config, ListsEveryBadAndUnknownSettingAtOnce) {
  ConfigFile file("http:\n  prot: 1\n");
  auto config = load(test_schema(), {{"SYL_CONFIG_FILE", file.path()},
                                     {"SYL_HTTP_PORT", "70000"},
                                     {"SYL_LOG_LEVEL", "loud"},
                                     {"SYL_DATABSE_URL", "x"}});
  ASSERT_FALSE(config);
  const auto& errors = config.error().field_errors();
  ASSERT_EQ(errors.size(), 4u) << format_errors(config.error());
  const std::string text = format_errors(config.error());
  EXPECT_NE(text.find("SYL_HTTP_PORT: must be an integer from 0 to 65535 (got \"70000\")"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("SYL_LOG_LEVEL: must be one of debug, info, warn, error"), std::string::npos)
      << text;
  EXPECT_NE(text.find("SYL_DATABSE_URL: is not a known setting"), std::string::npos) << text;
  EXPECT_NE(text.find("http.prot: is not a known setting"), std::string::npos) << text;
}

TEST(Config, NeverEchoesASecretValueInAnError) {
  auto config = load(test_schema(), {{"SYL_DATABASE_URL", "mysql://root:hunter2@db/x"}});
  ASSERT_FALSE(config);
  EXPECT_EQ(format_errors(config.error()).find("hunter2"), std::string::npos);
  EXPECT_NE(format_errors(config.error()).find("SYL_DATABASE_URL"), std::string::npos);
}

TEST(Config, ReportsAnUnreadableFile) {
  auto config = load(test_schema(), {{"SYL_CONFIG_FILE", "/nonexistent/syl.yaml"}});
  ASSERT_FALSE(config);
  EXPECT_NE(format_errors(config.error()).find("/nonexistent/syl.yaml"), std::string::npos);
}

TEST(Config, RejectsAFileThatIsNotAMapping) {
  ConfigFile file("- 1\n- 2\n");
  auto config = load(test_schema(), {{"SYL_CONFIG_FILE", file.path()}});
  ASSERT_FALSE(config);
}

TEST(Config, DescribeMasksSecrets) {
  auto config = load(test_schema(), {{"SYL_DATABASE_URL", "postgresql://u:pw@h/db"}});
  ASSERT_TRUE(config);
  for (const auto& [key, value] : config->describe())
    EXPECT_EQ(value.find("pw@"), std::string::npos);
}

TEST(EnvironmentName, UpperCasesAndReplacesDots) {
  EXPECT_EQ(environment_name("database.url"), "SYL_DATABASE_URL");
  EXPECT_EQ(environment_name("worker_threads"), "SYL_WORKER_THREADS");
}

TEST(Validators, CheckTheirRanges) {
  EXPECT_FALSE(integer_in(1, 5)("3").has_value());
  EXPECT_TRUE(integer_in(1, 5)("6").has_value());
  EXPECT_TRUE(integer_in(1, 5)("3x").has_value());
  EXPECT_TRUE(integer_in(1, 5)("").has_value());
  EXPECT_FALSE(boolean()("yes").has_value());
  EXPECT_TRUE(boolean()("maybe").has_value());
  EXPECT_TRUE(non_empty()("  ").has_value());
}

TEST(Validators, DescribeWhatTheyAcceptForOtherProcesses) {
  const Validator port = integer_in(0, 65535);
  EXPECT_EQ(port.type(), "integer");
  EXPECT_EQ(port.min(), 0);
  EXPECT_EQ(port.max(), 65535);
  const Validator level = one_of({"debug", "info"});
  EXPECT_EQ(level.type(), "enum");
  EXPECT_EQ(level.values(), (std::vector<std::string>{"debug", "info"}));
  EXPECT_EQ(boolean().type(), "boolean");
  const Validator custom = [](std::string_view) -> std::optional<std::string> {
    return std::nullopt;
  };
  EXPECT_EQ(custom.type(), "string");
}

TEST(Config, ChecksUrlSettingsWithTheUrlParser) {
  EXPECT_TRUE(load(test_schema(), {{"SYL_REDIS_URL", "redis://:pw@[::1]:6380/2"},
                                   {"SYL_CONFIG_SERVICE_URL", "http://config:8100"}}));
  EXPECT_TRUE(load(test_schema(), {{"SYL_CONFIG_SERVICE_URL", ""}}));
  for (const auto& [variable, value] :
       std::vector<std::pair<std::string, std::string>>{{"SYL_REDIS_URL", "http://cache:6379"},
                                                        {"SYL_REDIS_URL", "redis://"},
                                                        {"SYL_REDIS_URL", "redis://a b"},
                                                        {"SYL_CONFIG_SERVICE_URL", "config:8100"},
                                                        {"SYL_CONFIG_SERVICE_URL", "ftp://c"}}) {
    auto config = load(test_schema(), {{variable, value}});
    ASSERT_FALSE(config) << variable << "=" << value;
    ASSERT_EQ(config.error().field_errors().size(), 1u);
    EXPECT_EQ(config.error().field_errors()[0].field, variable);
    EXPECT_NE(config.error().field_errors()[0].message.find("a URL"), std::string::npos)
        << config.error().field_errors()[0].message;
  }
}

TEST(Config, AcceptsAnAdvertisedUrlPeersCanReachOnly) {
  EXPECT_TRUE(load(test_schema(), {{"SYL_HTTP_ADVERTISE_URL", "http://subjects-1.internal:8101"}}));
  EXPECT_TRUE(load(test_schema(), {{"SYL_HTTP_ADVERTISE_URL", "https://[2001:db8::1]/api"}}));
  EXPECT_EQ(load(test_schema(), {})->get("http.advertise_url"), "");
  for (const char* value : {"http://0.0.0.0:8101", "http://[::]:8101", "subjects:8101",
                            "ftp://subjects", "http://u:p@subjects"}) {
    auto config = load(test_schema(), {{"SYL_HTTP_ADVERTISE_URL", value}});
    ASSERT_FALSE(config) << value;
    EXPECT_EQ(config.error().field_errors().at(0).field, "SYL_HTTP_ADVERTISE_URL");
  }
}

}  // namespace
}  // namespace platform::config
