// A user's journey through the whole platform as `sylctl up` runs it (every built service,
// a real Redis; SQLite files, and once a PostgreSQL database per service), driven only
// through the api-gateway with real tokens: staff
// write a syllabus with its document, a reviewer publishes it, a viewer finds and reads
// it; revisions, copy forward, a renamed subject, a deleted file; the calls the gateway
// refuses. The platform lives in a temporary directory and goes with it.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <set>
#include <thread>

#include "platform/testing/http_client.h"
#include "platform/testing/ports.h"
#include "platform/testing/postgres.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"
#include "sylctl_platform.h"

namespace {

using namespace std::chrono_literals;
using platform::testing::HttpResponse;
namespace fs = std::filesystem;

// A small but real PDF: the file-service decides the type from the bytes.
constexpr std::string_view kPdf =
    "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
    "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";

boost::json::object json_of(const HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}
std::string text(const boost::json::value& value) {
  return std::string(value.as_string());
}

using e2e::Databases;

class Journey : public e2e::PlatformTest {
 protected:
  Journey() : PlatformTest("syljourney") {}

  void SetUp() override {
    PlatformTest::SetUp();
    if (HasFatalFailure()) return;
    if (GetParam() == Databases::kPostgresql) {
      // Each service opened its own database on the server.
      for (const char* service : {"subject-service", "file-service", "syllabus-service"}) {
        std::ifstream log(fs::path("var/log") / (std::string(service) + ".log"));
        const std::string text{std::istreambuf_iterator<char>(log), {}};
        std::string database = service;
        std::replace(database.begin(), database.end(), '-', '_');
        EXPECT_NE(text.find("postgresql://"), std::string::npos) << service;
        EXPECT_NE(text.find("_" + database), std::string::npos) << text;
      }
    }
    staff_ = token("sam", "editor");
    reviewer_ = token("rita", "editor");
    viewer_ = token("vic", "viewer");
    admin_ = token("ada", "admin");
  }

  static std::string token(const std::string& subject, const std::string& roles) {
    auto minted = e2e::sylctl_token(subject, roles);
    EXPECT_FALSE(minted.empty()) << "sylctl token failed";
    return minted;
  }

  HttpResponse call(const std::string& who, const std::string& method, const std::string& target,
                    const std::string& body = "", platform::testing::HeaderList headers = {}) {
    if (!who.empty()) headers.emplace_back("Authorization", "Bearer " + who);
    return platform::testing::http_request(gateway(), method, "/api/v1" + target, body, headers);
  }
  HttpResponse send(const std::string& who, const std::string& method, const std::string& target,
                    const boost::json::object& body, platform::testing::HeaderList headers = {}) {
    return call(who, method, target, boost::json::serialize(body), std::move(headers));
  }

  // Polls `target` (as `who`) until `done` holds for its JSON body, for up to 10 s.
  bool eventually(const std::string& who, const std::string& target,
                  const std::function<bool(const boost::json::object&)>& done) {
    for (int i = 0; i < 200; ++i) {
      const auto response = call(who, "GET", target);
      if (response.status == 200 && done(json_of(response))) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }

  std::string staff_, reviewer_, viewer_, admin_;
};

TEST_P(Journey, FromASubjectToAPublishedSyllabusAndItsLaterLife) {
  // The gateway refuses a caller without a token, and a viewer's write.
  EXPECT_EQ(call("", "GET", "/subjects").status, 401);
  EXPECT_EQ(
      send(viewer_, "POST", "/subjects", {{"code", "JR-0"}, {"name", "No"}, {"credits", 1}}).status,
      403);

  // Staff create the subject and upload the syllabus's PDF.
  const auto subject = send(staff_, "POST", "/subjects",
                            {{"code", "JR-101"}, {"name", "Compilers"}, {"credits", 6}});
  ASSERT_EQ(subject.status, 201) << subject.body;
  const std::string subject_id = text(json_of(subject).at("id"));
  const auto upload = call(staff_, "POST", "/files?filename=outline.pdf", std::string(kPdf),
                           {{"Content-Type", "application/pdf"}});
  ASSERT_EQ(upload.status, 201) << upload.body;
  const std::string file_id = text(json_of(upload).at("id"));

  // ... and write the syllabus, with outcomes, assessments and the document.
  const boost::json::object syllabus{
      {"subject_id", subject_id},
      {"academic_year", "2026/2027"},
      {"term", "autumn"},
      {"title", "Compilers"},
      {"summary", "Lexing, parsing and code generation."},
      {"languages", boost::json::array{"en"}},
      {"ects_credits", 6},
      {"teaching_mode", "hybrid"},
      {"workload", {{"lectures", 26}, {"tutorials", 26}, {"labs", 0}, {"self_study", 108}}},
      {"learning_outcomes", boost::json::array{boost::json::object{
                                {"code", "LO1"}, {"statement", "Build a small compiler."}}}},
      {"schedule", boost::json::array{boost::json::object{
                       {"week", 1}, {"title", "Lexing"}, {"topics", boost::json::array{}}}}},
      {"assessments",
       boost::json::array{boost::json::object{{"name", "Project"},
                                              {"kind", "exam"},
                                              {"session", "first"},
                                              {"weight_pct", 100},
                                              {"outcome_codes", boost::json::array{"LO1"}}}}},
      {"instructors", boost::json::array{boost::json::object{{"name", "Grace Hopper"}}}},
      {"attachments", boost::json::array{boost::json::value(file_id)}},
      {"body", "# Compilers\n\nFrom **source** to machine code."},
      {"visibility", "public"}};
  const auto created = send(staff_, "POST", "/syllabi", syllabus);
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string id = text(json_of(created).at("id"));

  // Submitted by staff, published by a reviewer.
  ASSERT_EQ(call(staff_, "POST", "/syllabi/" + id + "/submit").status, 200);
  const auto published = call(reviewer_, "POST", "/syllabi/" + id + "/publish");
  ASSERT_EQ(published.status, 200) << published.body;
  EXPECT_EQ(text(json_of(published).at("status")), "published");

  // A viewer finds it by full-text search, reads its page and downloads the PDF.
  EXPECT_TRUE(eventually(viewer_, "/syllabi?q=compilers", [&](const auto& page) {
    for (const auto& item : page.at("items").as_array())
      if (item.at("id").as_string() == id) return true;
    return false;
  }));
  const auto document = call(viewer_, "GET", "/syllabi/" + id + "/document");
  ASSERT_EQ(document.status, 200);
  EXPECT_NE(document.header("Content-Type").find("text/html"), std::string::npos);
  EXPECT_NE(document.body.find("<strong>source</strong>"), std::string::npos);
  const auto link = call(viewer_, "GET", "/files/" + file_id + "/download-url");
  ASSERT_EQ(link.status, 200) << link.body;
  const std::string url = text(json_of(link).at("url"));
  const auto path = url.substr(url.find("/api/v1/"));  // the gateway's own address
  const auto download = platform::testing::http_request(gateway(), "GET", path);  // no token
  ASSERT_EQ(download.status, 200) << download.body;
  EXPECT_EQ(download.body, kPdf);

  // A new revision supersedes the published one.
  ASSERT_EQ(call(staff_, "POST", "/syllabi/" + id + "/revisions").status, 201);
  const auto draft = call(staff_, "GET", "/syllabi/" + id);
  ASSERT_EQ(draft.status, 200);
  const auto patched =
      send(staff_, "PATCH", "/syllabi/" + id, {{"title", "Compilers II"}},
           {{"If-Match", draft.header("ETag")}, {"Content-Type", "application/merge-patch+json"}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  ASSERT_EQ(call(staff_, "POST", "/syllabi/" + id + "/submit").status, 200);
  ASSERT_EQ(call(reviewer_, "POST", "/syllabi/" + id + "/publish").status, 200);
  const auto history = json_of(call(viewer_, "GET", "/syllabi/" + id + "/revisions"));
  const auto& revisions = history.at("items").as_array();
  ASSERT_EQ(revisions.size(), 2u) << boost::json::serialize(history);
  EXPECT_EQ(text(revisions[0].at("status")), "superseded");
  EXPECT_EQ(text(revisions[1].at("status")), "published");

  // Copied forward to next year, as a new draft.
  const auto copy = send(staff_, "POST", "/syllabi/" + id + "/copy",
                         {{"academic_year", "2027/2028"}, {"term", "autumn"}});
  ASSERT_EQ(copy.status, 201) << copy.body;
  EXPECT_EQ(text(json_of(copy).at("status")), "draft");

  // Renaming the subject shows in the syllabus.
  const auto renamed =
      send(staff_, "PATCH", "/subjects/" + subject_id, {{"name", "Compiler Construction"}},
           {{"Content-Type", "application/merge-patch+json"}});
  ASSERT_EQ(renamed.status, 200) << renamed.body;
  EXPECT_TRUE(eventually(viewer_, "/syllabi/" + id + "?expand=subject", [](const auto& body) {
    return body.at("subject").is_object() &&
           body.at("subject").at("name") == "Compiler Construction";
  }));

  // Deleting the file (an admin's call) flags it on the published revision.
  EXPECT_EQ(call(staff_, "DELETE", "/files/" + file_id).status, 403);
  ASSERT_EQ(call(admin_, "DELETE", "/files/" + file_id).status, 204);
  EXPECT_TRUE(eventually(viewer_, "/syllabi/" + id + "?revision=published", [](const auto& body) {
    return body.at("flagged_attachments").as_array().size() == 1;
  }));
}

TEST_P(Journey, SeedMakesDemoDataThroughTheGatewayOnce) {
  const auto seeded = sylctl({"seed", "--demo", "--subjects", "12"}, 120s);
  ASSERT_EQ(seeded.exit_code, 0) << seeded.output;
  EXPECT_NE(seeded.output.find("subjects: 12 created, 0 there already"), std::string::npos)
      << seeded.output;
  EXPECT_NE(seeded.output.find("syllabi: 12 created (6 published), 0 there already"),
            std::string::npos)
      << seeded.output;
  EXPECT_NE(seeded.output.find("documents: 3 uploaded"), std::string::npos) << seeded.output;

  // What a viewer finds: the subjects of six departments, the published syllabi with
  // their outcomes and assessments, a document attached.
  const auto subjects = json_of(call(viewer_, "GET", "/subjects?limit=100"));
  EXPECT_EQ(subjects.at("items").as_array().size(), 12u);
  std::set<std::string> departments;
  for (const auto& item : subjects.at("items").as_array())
    departments.insert(text(item.at("department")));
  EXPECT_EQ(departments.size(), 6u);
  const auto published = json_of(call(viewer_, "GET", "/syllabi?status=published&limit=100"));
  ASSERT_EQ(published.at("items").as_array().size(), 6u);
  const auto& first = published.at("items").as_array()[0].as_object();
  EXPECT_EQ(first.at("learning_outcomes").as_array().size(), 3u);
  EXPECT_EQ(first.at("assessments").as_array().size(), 2u);
  EXPECT_EQ(first.at("attachments").as_array().size(), 1u) << "the first of every four has one";

  // Run again: nothing new; with more subjects: only the difference.
  const auto again = sylctl({"seed", "--demo", "--subjects", "12"}, 120s);
  ASSERT_EQ(again.exit_code, 0) << again.output;
  EXPECT_NE(again.output.find("subjects: 0 created, 12 there already"), std::string::npos)
      << again.output;
  EXPECT_NE(again.output.find("syllabi: 0 created (0 published), 12 there already"),
            std::string::npos)
      << again.output;
  const auto more = sylctl({"seed", "--demo", "--subjects", "14"}, 120s);
  ASSERT_EQ(more.exit_code, 0) << more.output;
  EXPECT_NE(more.output.find("subjects: 2 created, 12 there already"), std::string::npos)
      << more.output;
  EXPECT_EQ(json_of(call(viewer_, "GET", "/subjects?limit=100")).at("items").as_array().size(),
            14u);
}

INSTANTIATE_TEST_SUITE_P(Databases, Journey, e2e::kBothDatabases, e2e::database_name);

// The gateway's rate limit set low: a seed of four subjects makes about twenty calls, twice
// the burst, and must wait out the 429s (they carry Retry-After) rather than fail.
class SeedUnderARateLimit : public e2e::PlatformTest {
 protected:
  SeedUnderARateLimit()
      : PlatformTest("sylseedlimit", {},
                     {{"SYL_RATELIMIT_DEFAULT_RPS", "4"}, {"SYL_RATELIMIT_DEFAULT_BURST", "8"}}) {}
};

TEST_P(SeedUnderARateLimit, WaitsOutTheGatewaysRateLimit) {
  const auto seeded = sylctl({"seed", "--demo", "--subjects", "4"}, 120s);
  ASSERT_EQ(seeded.exit_code, 0) << seeded.output;
  EXPECT_NE(seeded.output.find("slowed down by the gateway's rate limit"), std::string::npos)
      << seeded.output;
  EXPECT_NE(seeded.output.find("subjects: 4 created, 0 there already"), std::string::npos)
      << seeded.output;
  EXPECT_NE(seeded.output.find("syllabi: 4 created (2 published), 0 there already"),
            std::string::npos)
      << seeded.output;
}

INSTANTIATE_TEST_SUITE_P(Databases, SeedUnderARateLimit, ::testing::Values(Databases::kSqlite),
                         e2e::database_name);

}  // namespace
