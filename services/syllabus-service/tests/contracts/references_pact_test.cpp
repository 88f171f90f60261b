// The syllabus-service as a consumer: what it asks the subject- and file-service and what
// it relies on in their answers, stated as Pact interactions and checked by running its
// real client (PeerReferences over the resilient PeerClient) against Pact's mock server.
// The events it consumes are message pacts: the envelope fields and the parts of `data` it
// relies on, handed as the pact's example to the real syllabus-service binary through a
// broker of its own, and seen in its answers. Each test writes its pact to
// contracts/pacts/, which the providers verify (scripts/pact-verify.sh, part of the test
// command).
#include <gtest/gtest.h>

#include <array>
#include <boost/json.hpp>
#include <cstdio>
#include <map>
#include <mutex>
#include <thread>

#include "infrastructure/peer_references.h"
#include "platform/events/event.h"
#include "platform/events/redis.h"
#include "platform/testing/http_client.h"
#include "platform/testing/pact.h"
#include "platform/testing/redis.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"

namespace {

using namespace syllabus_service;
using application::Known;
using platform::core::Result;
using platform::core::Uuid;
namespace pact = platform::testing::pact;

const std::string kPactDir = std::string(SYL_SOURCE_DIR) + "/contracts/pacts";

// The pacts are this binary's output: written afresh, each test adding its interactions
// (so run them all to regenerate the files).
class FreshPacts : public ::testing::Environment {
 public:
  void SetUp() override { pact::remove_pacts(kPactDir, "syllabus-service"); }
};
const auto* const kFreshPacts = ::testing::AddGlobalTestEnvironment(new FreshPacts);

// A read model in memory: the client stores what an owner answered.
class MemoryViews : public application::ReferenceViews {
 public:
  Result<Known<application::SubjectView>> subject(const Uuid& id) override {
    const auto found = subjects.find(id.to_string());
    if (found == subjects.end()) return Known<application::SubjectView>::unknown();
    return Known<application::SubjectView>::live(found->second);
  }
  Result<Known<application::FileView>> file(const Uuid& id) override {
    const auto found = files.find(id.to_string());
    if (found == files.end()) return Known<application::FileView>::unknown();
    return Known<application::FileView>::live(found->second);
  }
  Result<void> store_subject(const application::SubjectView& view) override {
    subjects[view.id.to_string()] = view;
    return platform::core::ok();
  }
  Result<void> store_file(const application::FileView& view) override {
    files[view.id.to_string()] = view;
    return platform::core::ok();
  }
  std::map<std::string, application::SubjectView> subjects;
  std::map<std::string, application::FileView> files;
};

// Any value of the example's type.
std::string like(const std::string& example_json) {
  return R"({"pact:matcher:type":"type","value":)" + example_json + "}";
}
std::string uuid(const std::string& example) {
  return R"({"pact:matcher:type":"regex","regex":"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$","value":")" +
         example + "\"}";
}

class ReferencesPact : public ::testing::Test {
 protected:
  platform::resilience::PeerClient client(const std::string& peer, const std::string& url) {
    return platform::resilience::PeerClient(
        {.peer = peer, .endpoints = platform::resilience::static_urls({url}), .max_attempts = 1});
  }

  platform::logging::Logger logger_{"syllabus-service", "pact", platform::logging::Level::kError};
  MemoryViews views_;
};

TEST_F(ReferencesPact, TheSubjectServiceSaysWhetherASubjectExistsAndWhatItIs) {
  const std::string id = "0191a0c4-1111-7c3b-9d4e-5f6a7b8c9d0e";
  const std::string missing = "0191a0c4-2222-7c3b-9d4e-5f6a7b8c9d0e";
  pact::Pact pact("syllabus-service", "subject-service");
  pact.interaction("a request for a subject")
      .given("a subject exists",
             R"({"id":")" + id +
                 R"(","code":"CS-101","name":"Compilers","credits":6,"department":"Informatics"})")
      .request("GET", "/subjects/" + id)
      .response(200)
      .response_body("application/json", "{\"id\":" + uuid(id) + ",\"code\":" + like("\"CS-101\"") +
                                             ",\"name\":" + like("\"Compilers\"") +
                                             ",\"credits\":" + like("6") +
                                             ",\"department\":" + like("\"Informatics\"") +
                                             ",\"version\":" + like("1") + "}");
  pact.interaction("a request for a subject that does not exist")
      .given("no subject exists", R"({"id":")" + missing + "\"}")
      .request("GET", "/subjects/" + missing)
      .response(404);
  pact::MockServer server(pact);

  auto subjects = client("subject-service", server.url());
  auto files = client("file-service", server.url());
  infrastructure::PeerReferences references(subjects, files, views_, logger_);
  const auto found = references.subject(*Uuid::parse(id), {});
  ASSERT_TRUE(found) << found.error().detail();
  EXPECT_EQ(found->state, Known<application::SubjectView>::State::kLive);
  EXPECT_EQ(found->view.code, "CS-101");
  EXPECT_EQ(found->view.name, "Compilers");
  EXPECT_EQ(found->view.credits, 6);
  EXPECT_EQ(found->view.department, "Informatics");
  EXPECT_EQ(found->view.version, 1);
  const auto gone = references.subject(*Uuid::parse(missing), {});
  ASSERT_TRUE(gone) << gone.error().detail();
  EXPECT_EQ(gone->state, Known<application::SubjectView>::State::kDeleted);

  ASSERT_TRUE(server.matched()) << server.mismatches();
  server.write(kPactDir);
}

TEST_F(ReferencesPact, TheFileServiceSaysWhetherAFileExistsAndWhatItIs) {
  const std::string id = "0191a0c4-3333-7c3b-9d4e-5f6a7b8c9d0e";
  const std::string missing = "0191a0c4-4444-7c3b-9d4e-5f6a7b8c9d0e";
  const std::string sha256 = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";
  pact::Pact pact("syllabus-service", "file-service");
  pact.interaction("a request for a file's record")
      .given("a file exists", R"({"id":")" + id + R"(","filename":"outline.pdf","content":"test"})")
      .request("GET", "/files/" + id)
      .response(200)
      .response_body("application/json",
                     "{\"id\":" + uuid(id) + ",\"filename\":" + like("\"outline.pdf\"") +
                         ",\"content_type\":" + like("\"application/pdf\"") + ",\"size\":" +
                         like("4") + ",\"sha256\":" + like("\"" + sha256 + "\"") + "}");
  pact.interaction("a request for a file that does not exist")
      .given("no file exists", R"({"id":")" + missing + "\"}")
      .request("GET", "/files/" + missing)
      .response(404);
  pact::MockServer server(pact);

  auto subjects = client("subject-service", server.url());
  auto files = client("file-service", server.url());
  infrastructure::PeerReferences references(subjects, files, views_, logger_);
  const auto found = references.file(*Uuid::parse(id), {});
  ASSERT_TRUE(found) << found.error().detail();
  EXPECT_EQ(found->state, Known<application::FileView>::State::kLive);
  EXPECT_EQ(found->view.filename, "outline.pdf");
  EXPECT_EQ(found->view.content_type, "application/pdf");
  EXPECT_EQ(found->view.size, 4);
  EXPECT_EQ(found->view.sha256, sha256);
  const auto gone = references.file(*Uuid::parse(missing), {});
  ASSERT_TRUE(gone) << gone.error().detail();
  EXPECT_EQ(gone->state, Known<application::FileView>::State::kDeleted);

  ASSERT_TRUE(server.matched()) << server.mismatches();
  server.write(kPactDir);
}

// --- events: message pacts -------------------------------------------------------------

using namespace std::chrono_literals;

std::string regex(const std::string& pattern, const std::string& example_json) {
  return R"({"pact:matcher:type":"regex","regex":")" + pattern + R"(","value":)" + example_json +
         "}";
}

// A CloudEvents envelope as the syllabus-service reads one: what it needs of the envelope,
// and `data` as given.
std::string envelope(const std::string& type, const std::string& subject_id,
                     const std::string& data) {
  // Each event its own id (the consumer's inbox drops one it has seen).
  static int sequence = 0;
  std::array<char, 40> event_id{};
  std::snprintf(event_id.data(), event_id.size(), "0191a0c4-9999-7c3b-9d4e-%012d", ++sequence);
  return "{\"specversion\":\"1.0\",\"id\":" + uuid(event_id.data()) +
         ",\"source\":" + like("\"/producer\"") + ",\"type\":\"" + type + "\",\"time\":" +
         regex(R"(^\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}(\\.\\d+)?Z$)",
               "\"2026-12-01T08:00:00Z\"") +
         ",\"subject\":" + like("\"" + subject_id + "\"") + ",\"data\":" + data + "}";
}

// The syllabus-service binary with a broker of its own and no neighbours: what it knows
// of subjects and files comes from the events it is given.
class EventsPact : public ::testing::Test {
 protected:
  void SetUp() override {
    service_ = std::make_unique<platform::testing::ServiceProcess>(
        SYLLABUS_SERVICE_BINARY,
        platform::testing::Environment{
            {"SYL_HTTP_PORT", "0"},
            {"SYL_DATABASE_URL", "sqlite://" + (dir_.path() / "syllabi.db").string()},
            {"SYL_REDIS_URL", redis_.url()}});
    auto connected = platform::events::RedisConnection::connect({.url = redis_.url()});
    ASSERT_TRUE(connected);
    broker_ = std::move(*connected);
  }

  // Puts the message on the stream as the producers' relays do, and waits until applied.
  void deliver(const std::string& stream, const std::string& message) {
    const auto event = platform::events::parse_event(message);
    ASSERT_TRUE(event) << event.error().detail() << "\n" << message;
    const auto before = applied(stream);
    ASSERT_TRUE(
        broker_->xadd(stream, {{"event", message}, {"type", event->type}, {"id", event->id}}));
    for (int i = 0; i < 200 && applied(stream) <= before; ++i) std::this_thread::sleep_for(25ms);
    ASSERT_GT(applied(stream), before) << "the syllabus-service did not apply " << event->type;
  }
  std::int64_t applied(const std::string& stream) {
    const auto response = call("GET", "/admin/read-model");
    const auto model = boost::json::parse(response.body).as_object();
    const auto* streams = model.at("streams").as_object().if_contains(stream);
    return streams == nullptr ? 0 : streams->at("applied_total").as_int64();
  }
  platform::testing::HttpResponse call(const std::string& method, const std::string& target,
                                       const std::string& body = "") {
    return platform::testing::http_request(service_->port(), method, target, body);
  }
  boost::json::object expanded(const std::string& syllabus_id) {
    return boost::json::parse(call("GET", "/syllabi/" + syllabus_id + "?expand=subject,files").body)
        .as_object();
  }

  platform::testing::TemporaryDirectory dir_;
  platform::testing::RedisServer redis_;
  std::unique_ptr<platform::testing::ServiceProcess> service_;
  std::unique_ptr<platform::events::RedisConnection> broker_;
};

TEST_F(EventsPact, TheSubjectEventsTheSyllabusServiceReliesOn) {
  const std::string id = "0191a0c4-5555-7c3b-9d4e-5f6a7b8c9d0e";
  const auto subject = [&](const std::string& name, int version) {
    return "{\"id\":" + uuid(id) + ",\"code\":" + like("\"CS-101\"") +
           ",\"name\":" + like("\"" + name + "\"") + ",\"credits\":" + like("6") +
           ",\"department\":" + like("\"Informatics\"") +
           ",\"version\":" + like(std::to_string(version)) + "}";
  };
  const std::string created =
      envelope("subject.created.v1", id, "{\"subject\":" + subject("Compilers", 1) + "}");
  const std::string updated = envelope("subject.updated.v1", id,
                                       "{\"subject\":" + subject("Compiler Construction", 2) + "}");
  const std::string deleted =
      envelope("subject.deleted.v1", id, "{\"id\":" + uuid(id) + ",\"version\":" + like("3") + "}");
  pact::Pact pact("syllabus-service", "subject-service");
  pact.message("a subject.created.v1 event").contents(created);
  pact.message("a subject.updated.v1 event").contents(updated);
  pact.message("a subject.deleted.v1 event").contents(deleted);

  // Created: the subject is known, so a syllabus of it can be written with no one to ask.
  ASSERT_NO_FATAL_FAILURE(deliver("events.subject", pact::example(created)));
  const auto syllabus = call(
      "POST", "/syllabi",
      R"({"subject_id":")" + id + R"(","academic_year":"2026/2027","term":"autumn","title":"C"})");
  ASSERT_EQ(syllabus.status, 201) << syllabus.body;
  const std::string syllabus_id(boost::json::parse(syllabus.body).at("id").as_string());
  EXPECT_EQ(expanded(syllabus_id).at("subject").at("name"), "Compilers");
  // Updated: the new name shows.
  ASSERT_NO_FATAL_FAILURE(deliver("events.subject", pact::example(updated)));
  EXPECT_EQ(expanded(syllabus_id).at("subject").at("name"), "Compiler Construction");
  // Deleted: the draft is archived.
  ASSERT_NO_FATAL_FAILURE(deliver("events.subject", pact::example(deleted)));
  EXPECT_EQ(expanded(syllabus_id).at("status"), "archived");

  pact.write(kPactDir);
}

TEST_F(EventsPact, TheFileEventsTheSyllabusServiceReliesOn) {
  const std::string subject_id = "0191a0c4-6666-7c3b-9d4e-5f6a7b8c9d0e";
  const std::string id = "0191a0c4-7777-7c3b-9d4e-5f6a7b8c9d0e";
  const std::string uploaded =
      envelope("file.uploaded.v1", id,
               "{\"id\":" + uuid(id) + ",\"filename\":" + like("\"outline.pdf\"") +
                   ",\"content_type\":" + like("\"application/pdf\"") +
                   ",\"size\":" + like("4096") + ",\"sha256\":" +
                   regex("^[0-9a-f]{64}$",
                         "\"9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08\"") +
                   "}");
  const std::string deleted = envelope("file.deleted.v1", id, "{\"id\":" + uuid(id) + "}");
  pact::Pact pact("syllabus-service", "file-service");
  pact.message("a file.uploaded.v1 event").contents(uploaded);
  pact.message("a file.deleted.v1 event").contents(deleted);

  // The subject (its own event, outside this pact) and the file.
  ASSERT_NO_FATAL_FAILURE(
      deliver("events.subject",
              platform::events::to_json(platform::events::make_event(
                  "/subject-service", "subject.created.v1", subject_id,
                  R"({"subject":{"id":")" + subject_id +
                      R"(","code":"CS-7","name":"Seven","credits":6,"department":"","version":1}})",
                  {}))));
  ASSERT_NO_FATAL_FAILURE(deliver("events.file", pact::example(uploaded)));
  const auto syllabus =
      call("POST", "/syllabi",
           R"({"subject_id":")" + subject_id +
               R"(","academic_year":"2026/2027","term":"autumn","title":"C","attachments":[")" +
               id + "\"]}");
  ASSERT_EQ(syllabus.status, 201) << syllabus.body;
  const std::string syllabus_id(boost::json::parse(syllabus.body).at("id").as_string());
  const auto files = expanded(syllabus_id).at("files").as_array();
  ASSERT_EQ(files.size(), 1u);
  EXPECT_EQ(files[0].at("filename"), "outline.pdf");
  // Deleted: detached from the draft.
  ASSERT_NO_FATAL_FAILURE(deliver("events.file", pact::example(deleted)));
  EXPECT_TRUE(expanded(syllabus_id).at("attachments").as_array().empty());

  pact.write(kPactDir);
}

}  // namespace
