// Migrating from the monolith (issue 14), end to end: a legacy database with every kind
// of dirt (sylmigrate generate; SQLite, and PostgreSQL with the platform on PostgreSQL
// too) split into the services of a platform as `sylctl up` runs it, through the
// api-gateway with an admin's token; killed at several points and run again; verified;
// run a second time; and changed behind the tool's back.
#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <sstream>

#include "platform/testing/http_client.h"
#include "platform/testing/ports.h"
#include "platform/testing/postgres.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"
#include "sylctl_platform.h"

namespace {

using namespace std::chrono_literals;
using platform::testing::HttpResponse;
using platform::testing::ProcessResult;
namespace fs = std::filesystem;

using e2e::Databases;

boost::json::value json_file(const fs::path& path) {
  std::ifstream in(path);
  const std::string text{std::istreambuf_iterator<char>(in), {}};
  return boost::json::parse(text);
}

std::string text(const boost::json::value& value) {
  return std::string(value.as_string());
}

class Migration : public e2e::PlatformTest {
 protected:
  Migration() : PlatformTest("sylmigration") {}

  void SetUp() override {
    PlatformTest::SetUp();
    if (HasFatalFailure()) return;
    if (GetParam() == Databases::kPostgresql) {
      databases_.push_back(std::make_unique<platform::testing::TemporaryPostgresDatabase>(
          "sylmigration_" + std::to_string(::getpid()) + "_legacy"));
      legacy_url_ = databases_.back()->url();
    } else {
      legacy_url_ = "sqlite://" + (dir_.path() / "legacy.db").string();
    }
    token_ = e2e::sylctl_token("migrator", "admin");
    ASSERT_FALSE(token_.empty());

    const auto generated =
        sylmigrate({"generate", "--to-database", legacy_url_, "--uploads", uploads().string(),
                    "--subjects", "80", "--syllabi", "260", "--files", "30", "--file-kib", "16"});
    ASSERT_EQ(generated.exit_code, 0) << generated.output;
  }

  fs::path uploads() const { return dir_.path() / "uploads"; }
  fs::path report() const { return dir_.path() / "report"; }
  std::string gateway_url() const { return "http://127.0.0.1:" + std::to_string(port_base_ - 20); }

  ProcessResult sylmigrate(const std::vector<std::string>& args,
                           platform::testing::Environment env = {}) const {
    env.emplace_back("SYL_TOKEN", token_);
    return platform::testing::run_process(SYLMIGRATE_BINARY, env, args, 180s);
  }
  // split or verify of the generated legacy data into this platform.
  ProcessResult run(const std::string& command, platform::testing::Environment env = {},
                    std::vector<std::string> extra = {}) const {
    std::vector<std::string> args = {command, "--from",      legacy_url_, "--uploads", uploads(),
                                     "--to",  gateway_url(), "--report",  report()};
    args.insert(args.end(), extra.begin(), extra.end());
    return sylmigrate(args, std::move(env));
  }

  HttpResponse call(const std::string& method, const std::string& target,
                    const std::string& body = "", platform::testing::HeaderList headers = {}) {
    headers.emplace_back("Authorization", "Bearer " + token_);
    return platform::testing::http_request(static_cast<std::uint16_t>(port_base_ - 20), method,
                                           "/api/v1" + target, body, headers);
  }

  // How many items a listing holds, page by page.
  std::size_t count(const std::string& path) {
    std::size_t items = 0;
    std::string cursor;
    for (;;) {
      const auto response =
          call("GET", path + "?limit=200" + (cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(response.status, 200) << response.body;
      if (response.status != 200) return items;
      const auto page = boost::json::parse(response.body).as_object();
      items += page.at("items").as_array().size();
      if (!page.at("next_cursor").is_string()) return items;
      cursor = text(page.at("next_cursor"));
    }
  }

  // The platform's id of legacy row `legacy_id` of `table`, from the report's mapping.csv.
  std::string mapped(const std::string& table, const std::string& legacy_id) const {
    std::ifstream in(report() / "mapping.csv");
    std::string line;
    const std::string prefix = table + "," + legacy_id + ",";
    while (std::getline(in, line))
      if (line.starts_with(prefix)) return line.substr(prefix.size());
    return "";
  }

  std::string token_;
  std::string legacy_url_;
};

TEST_P(Migration, KilledAnywhereAndRunAgainItImportsEveryKeptRowOnceAndProvesIt) {
  const auto plan = sylmigrate({"plan", "--from", legacy_url_, "--uploads", uploads().string()});
  ASSERT_EQ(plan.exit_code, 0) << plan.output;
  EXPECT_NE(plan.output.find("subjects: 80 rows"), std::string::npos) << plan.output;
  EXPECT_NE(plan.output.find("× code: … is …, the code of subject …"), std::string::npos);

  // Killed (SIGKILL) in each phase, mid-way; each run goes on from what the services hold.
  for (const char* point : {"subjects:20", "files:7", "syllabi:60"}) {
    const auto killed =
        run("split", {{"SYLMIGRATE_FAULT_KILL_AFTER", point}}, {"--batch-rows", "20"});
    EXPECT_EQ(killed.exit_code, 128 + SIGKILL) << point << "\n" << killed.output;
  }
  const auto split = run("split", {}, {"--batch-rows", "20"});
  ASSERT_EQ(split.exit_code, 0) << split.output;

  const auto verified = run("verify");
  ASSERT_EQ(verified.exit_code, 0) << verified.output;
  const auto verification = json_file(report() / "verify.json").at("tables").as_object();
  const auto quarantine = json_file(report() / "quarantine.json").as_array();
  std::size_t rejected = 0;
  for (const char* table : {"subjects", "files", "syllabi"}) {
    const auto& result = verification.at(table).as_object();
    EXPECT_EQ(text(result.at("state")), "validated") << table;
    EXPECT_EQ(result.at("imported").as_int64() + result.at("rejected").as_int64(),
              result.at("source").as_int64())
        << table << ": every legacy row imported or rejected";
    EXPECT_GT(result.at("rejected").as_int64(), 0) << table << ": the generator's dirt";
    EXPECT_EQ(text(result.at("source_checksum")), text(result.at("imported_checksum")));
    rejected += static_cast<std::size_t>(result.at("rejected").as_int64());
  }
  // Never dropped silently: each rejected row is in the quarantine, with its reason and row.
  EXPECT_EQ(quarantine.size(), rejected);
  for (const auto& row : quarantine) {
    EXPECT_FALSE(text(row.at("reason")).empty());
    EXPECT_TRUE(row.at("row").as_object().contains("id"));
  }
  std::ifstream csv(report() / "quarantine.csv");
  EXPECT_EQ(std::count(std::istreambuf_iterator<char>(csv), {}, '\n'),
            static_cast<long>(rejected + 1));

  // No duplicate anywhere: the services hold exactly what was imported.
  EXPECT_EQ(count("/subjects"),
            static_cast<std::size_t>(verification.at("subjects").at("imported").as_int64()));
  EXPECT_EQ(count("/files"),
            static_cast<std::size_t>(verification.at("files").at("imported").as_int64()));
  EXPECT_EQ(count("/syllabi"),
            static_cast<std::size_t>(verification.at("syllabi").at("imported").as_int64()));

  // A second split of the same data changes nothing.
  const auto again = run("split");
  ASSERT_EQ(again.exit_code, 0) << again.output;
  for (const char* table : {"subjects", "files", "syllabi"}) {
    EXPECT_NE(again.output.find(std::string(table) + ": "), std::string::npos);
    EXPECT_EQ(
        json_file(report() / "split.json").at("tables").at(table).at("imported_now").as_int64(), 0)
        << table;
  }
  EXPECT_EQ(count("/subjects"),
            static_cast<std::size_t>(verification.at("subjects").at("imported").as_int64()));

  // The mapping, exportable at any time.
  const auto mapping = sylmigrate({"mapping", "--to", gateway_url()});
  ASSERT_EQ(mapping.exit_code, 0) << mapping.output;
  std::size_t imported = 0;
  for (const char* table : {"subjects", "files", "syllabi"})
    imported += static_cast<std::size_t>(verification.at(table).at("imported").as_int64());
  EXPECT_EQ(
      static_cast<std::size_t>(std::count(mapping.output.begin(), mapping.output.end(), '\n')),
      imported + 1);
}

TEST_P(Migration, VerifyNamesARowOrAFileChangedBehindItsBack) {
  ASSERT_EQ(run("split").exit_code, 0);
  ASSERT_EQ(run("verify").exit_code, 0);

  // Subject 2 (kept, normalised) renamed on the platform.
  const std::string subject = mapped("subjects", "2");
  ASSERT_FALSE(subject.empty());
  const auto renamed = call("PATCH", "/subjects/" + subject, R"({"name":"Renamed meanwhile"})",
                            {{"Content-Type", "application/merge-patch+json"}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  auto verified = run("verify");
  EXPECT_EQ(verified.exit_code, 1) << verified.output;
  EXPECT_NE(verified.output.find("subjects: mismatched"), std::string::npos) << verified.output;
  EXPECT_NE(verified.output.find("mismatch 2: differs: \"Physics 2\" expected, "
                                 "\"Renamed meanwhile\" held"),
            std::string::npos)
      << verified.output;
  const auto verification = json_file(report() / "verify.json").at("tables");
  EXPECT_NE(text(verification.at("subjects").at("source_checksum")),
            text(verification.at("subjects").at("imported_checksum")));
  EXPECT_EQ(text(verification.at("files").at("state")), "validated");

  // One byte of file 1's stored content changed in the file-service's storage.
  const std::string file = mapped("files", "1");
  ASSERT_FALSE(file.empty());
  const fs::path object = fs::path("var/files/objects") / file.substr(file.size() - 2) / file;
  ASSERT_TRUE(fs::exists(object)) << object;
  {
    std::fstream bytes(object, std::ios::in | std::ios::out | std::ios::binary);
    bytes.seekp(100);
    bytes.put('X');
  }
  verified = run("verify");
  EXPECT_EQ(verified.exit_code, 1) << verified.output;
  EXPECT_NE(verified.output.find("files: mismatched"), std::string::npos) << verified.output;
  EXPECT_NE(verified.output.find("mismatch 1: the stored bytes of file " + file), std::string::npos)
      << verified.output;
}

INSTANTIATE_TEST_SUITE_P(Databases, Migration, e2e::kBothDatabases, e2e::database_name);

}  // namespace
