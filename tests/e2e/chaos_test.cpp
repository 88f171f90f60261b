// Chaos under load: the whole platform as separate processes that find each other through
// the config-service's registry, a steady load through the api-gateway, and one part taken
// away at a time. Each scenario asserts what the clients saw, and prints what was sent,
// the answers by status and how long recovery took.
//
//   subject-service SIGKILLed for 10 s   reads of syllabi go on; the gateway says 503 +
//                                        Retry-After, never 500, never hangs; normal
//                                        within 5 s of its return
//   Redis stopped for 10 s               every write succeeds; every event then arrives
//                                        exactly once and the read model converges
//   PostgreSQL restarted                 pools reconnect; what fails, fails with 503
//   one of two syllabus-services killed  no client error once the instance is ejected
#include <gtest/gtest.h>
#include <signal.h>

#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <ctime>
#include <functional>
#include <iomanip>
#include <iostream>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <set>
#include <sstream>
#include <thread>

#include "platform/auth/mint.h"
#include "platform/testing/http_client.h"
#include "platform/testing/platform_token.h"
#include "platform/testing/ports.h"
#include "platform/testing/postgres.h"
#include "platform/testing/redis.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"

namespace {

using namespace std::chrono_literals;
using platform::testing::Environment;
using platform::testing::HttpResponse;
using platform::testing::ServiceProcess;
using Clock = std::chrono::steady_clock;

constexpr const char* kJwtSecret = "a-jwt-secret-for-the-chaos-test-0123456789ab";
constexpr const char* kIdentityKeys = "gw1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=";
// No answer through the gateway may take longer: its connect timeout is 2 s, and a dead
// upstream refuses at once.
constexpr auto kNoHang = 3s;

boost::json::object json_of(const HttpResponse& response) {
  return boost::json::parse(response.body).as_object();
}
std::string text(const boost::json::value& value) {
  return std::string(value.as_string());
}
double seconds(Clock::duration duration) {
  return std::chrono::duration<double>(duration).count();
}

// One answer the load saw.
struct Answer {
  std::string operation;
  Clock::time_point sent;
  Clock::duration took{};
  int status = 0;  // 0: no answer (connection failed or timed out)
  bool retry_after = false;
  std::string problem;  // the body of a failure
};

// A steady load: `threads` callers, each sending the next operation every `pace`, until
// stopped. An operation returns the response (it may throw: no answer).
class Load {
 public:
  using Operation = std::pair<std::string, std::function<HttpResponse(int sequence)>>;

  Load(std::vector<Operation> operations, int threads, std::chrono::milliseconds pace)
      : operations_(std::move(operations)) {
    for (int thread = 0; thread < threads; ++thread) {
      callers_.emplace_back([this, thread, threads, pace] {
        for (int sequence = thread; !stopping_; sequence += threads) {
          const auto& [name, operation] =
              operations_[static_cast<std::size_t>(sequence) % operations_.size()];
          Answer answer{name, Clock::now()};
          try {
            const HttpResponse response = operation(sequence);
            answer.status = response.status;
            answer.retry_after = response.has_header("Retry-After");
            if (!(response.status >= 200 && response.status < 300)) answer.problem = response.body;
          } catch (const std::exception&) {
            answer.status = 0;
          }
          answer.took = Clock::now() - answer.sent;
          {
            std::lock_guard lock(mutex_);
            answers_.push_back(answer);
          }
          std::this_thread::sleep_until(answer.sent + pace);
        }
      });
    }
  }
  ~Load() { stop(); }

  void stop() {
    stopping_ = true;
    for (auto& caller : callers_)
      if (caller.joinable()) caller.join();
  }
  std::vector<Answer> answers() const {
    std::lock_guard lock(mutex_);
    return answers_;
  }

 private:
  std::vector<Operation> operations_;
  std::atomic<bool> stopping_{false};
  mutable std::mutex mutex_;
  std::vector<Answer> answers_;
  std::vector<std::thread> callers_;
};

bool ok(int status) {
  return status >= 200 && status < 300;
}

// What the load saw, per operation: requests, answers by status; and when the failures
// ended (the recovery time is measured from `since`).
struct Report {
  std::map<std::string, std::map<int, int>> by_operation;
  std::optional<Clock::time_point> last_failure;

  Report(const std::vector<Answer>& answers, const std::function<bool(const Answer&)>& counted) {
    for (const Answer& answer : answers) {
      if (!counted(answer)) continue;
      ++by_operation[answer.operation][answer.status];
      if (!ok(answer.status) && (!last_failure || answer.sent > *last_failure))
        last_failure = answer.sent;
    }
  }

  std::string describe(const std::string& scenario, Clock::time_point since) const {
    std::ostringstream out;
    out << "[chaos] " << scenario << "\n";
    for (const auto& [operation, statuses] : by_operation) {
      int sent = 0;
      std::ostringstream detail;
      for (const auto& [status, count] : statuses) {
        sent += count;
        detail << " " << (status == 0 ? std::string("no-answer") : std::to_string(status)) << "×"
               << count;
      }
      out << "[chaos]   " << std::left << std::setw(16) << operation << " sent " << std::setw(5)
          << sent << detail.str() << "\n";
    }
    out << "[chaos]   recovered "
        << (last_failure ? std::to_string(std::max(0.0, seconds(*last_failure - since))) +
                               " s after the fault ended (last failed request)"
                         : std::string("- no request failed"))
        << "\n";
    return out.str();
  }
};

bool eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = Clock::now() + timeout;
  while (Clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(50ms);
  }
  return condition();
}

enum class Store { kSqlite, kPostgresql };

// The platform: a config-service, subject-, file- and `syllabus_instances` syllabus-
// services and the gateway, each on a port of its own that a restart keeps; its own Redis
// (persistent, as in production) and, for kPostgresql, its own PostgreSQL server.
class ChaosPlatform : public ::testing::Test {
 protected:
  void start_platform(Store store, int syllabus_instances = 1) {
    redis_ = std::make_unique<platform::testing::RedisServer>(dir_.path() / "redis");
    if (store == Store::kPostgresql)
      postgres_ = std::make_unique<platform::testing::PostgresServer>(dir_.path() / "pg");
    for (const char* name : {"config-service", "subject-service", "file-service", "api-gateway",
                             "syllabus-service-1", "syllabus-service-2"})
      ports_[name] = platform::testing::free_port_below_ephemeral();
    config_ = start("config-service", CONFIG_SERVICE_BINARY);
    subjects_ = start("subject-service", SUBJECT_SERVICE_BINARY);
    files_ = start("file-service", FILE_SERVICE_BINARY);
    for (int instance = 1; instance <= syllabus_instances; ++instance)
      syllabi_.push_back(
          start("syllabus-service-" + std::to_string(instance), SYLLABUS_SERVICE_BINARY));
    gateway_ = start("api-gateway", API_GATEWAY_BINARY);
    staff_ = token("sam", "editor");
    viewer_ = token("vic", "viewer");
    // Ready when the gateway reaches every service through the registry.
    ASSERT_TRUE(eventually(
        [&] {
          return call(viewer_, "GET", "/subjects").status == 200 &&
                 call(viewer_, "GET", "/syllabi").status == 200 &&
                 call(viewer_, "GET", "/files").status == 200;
        },
        20s));
  }

  std::string database_url(const std::string& service) {
    std::string name = service.substr(0, service.find("-service") + 8);
    std::replace(name.begin(), name.end(), '-', '_');
    if (!postgres_) return "sqlite://" + (dir_.path() / (name + ".db")).string();
    if (!databases_.contains(name)) {
      postgres_->create_database(name);
      databases_.insert(name);
    }
    return platform::testing::with_database_name(postgres_->url(), name);
  }

  // Starts (or starts again) one service as it was configured.
  std::unique_ptr<ServiceProcess> start(const std::string& name, const char* binary) {
    const std::string config_url = "http://127.0.0.1:" + std::to_string(ports_["config-service"]);
    Environment env{{"SYL_HTTP_PORT", std::to_string(ports_[name])},
                    {"SYL_DATABASE_URL", database_url(name)},
                    {"SYL_REDIS_URL", redis_->url()},
                    {"SYL_PLATFORM_TOKEN", platform::testing::kPlatformToken},
                    {"SYL_GATEWAY_IDENTITY_KEYS", kIdentityKeys},
                    {"SYL_AUTH_JWT_SECRET", kJwtSecret},
                    {"SYL_RATELIMIT_DEFAULT_RPS", "100000"},
                    {"SYL_RATELIMIT_DEFAULT_BURST", "100000"},
                    {"SYL_STORAGE_LOCAL_ROOT", (dir_.path() / "storage").string()}};
    if (name != "config-service") env.emplace_back("SYL_CONFIG_SERVICE_URL", config_url);
    return std::make_unique<ServiceProcess>(binary, env);
  }

  static std::string token(const std::string& subject, const std::string& roles) {
    return *platform::auth::mint_hs256(
        {.subject = subject, .roles = {roles}, .issued_at = std::time(nullptr)}, kJwtSecret);
  }

  HttpResponse call(const std::string& who, const std::string& method, const std::string& target,
                    const std::string& body = "", platform::testing::HeaderList headers = {}) {
    headers.emplace_back("Authorization", "Bearer " + who);
    return platform::testing::http_request(ports_["api-gateway"], method, "/api/v1" + target, body,
                                           headers);
  }
  HttpResponse send(const std::string& who, const std::string& method, const std::string& target,
                    const boost::json::object& body, platform::testing::HeaderList headers = {}) {
    return call(who, method, target, boost::json::serialize(body), std::move(headers));
  }

  std::string create_subject(const std::string& code) {
    const auto created =
        send(staff_, "POST", "/subjects", {{"code", code}, {"name", "Subject " + code}});
    EXPECT_EQ(created.status, 201) << created.body;
    return created.status == 201 ? text(json_of(created).at("id")) : std::string();
  }
  HttpResponse create_syllabus(const std::string& subject_id, int sequence) {
    return send(
        staff_, "POST", "/syllabi",
        {{"subject_id", subject_id},
         {"academic_year", std::to_string(2030 + sequence) + "/" + std::to_string(2031 + sequence)},
         {"term", "autumn"},
         {"title", "Chaos " + std::to_string(sequence)}});
  }

  // Subjects and a syllabus for each, made before the fault.
  void seed(int count) {
    for (int i = 0; i < count; ++i) {
      subject_ids_.push_back(create_subject("SEED-" + std::to_string(i)));
      const auto syllabus =
          create_syllabus(subject_ids_.back(), 5000 + i);  // apart from the load's
      ASSERT_EQ(syllabus.status, 201) << syllabus.body;
      syllabus_ids_.push_back(text(json_of(syllabus).at("id")));
    }
  }

  // The reads and writes every scenario runs: syllabi read and listed, a syllabus created
  // for a known subject, a subject read.
  std::vector<Load::Operation> syllabus_traffic() {
    return {{"syllabus read",
             [this](int i) {
               return call(viewer_, "GET", "/syllabi/" + syllabus_ids_[i % syllabus_ids_.size()]);
             }},
            {"syllabus list",
             [this](int i) {
               return call(viewer_, "GET",
                           "/syllabi?subject_id=" + subject_ids_[i % subject_ids_.size()]);
             }},
            {"syllabus create",
             [this](int i) { return create_syllabus(subject_ids_[i % subject_ids_.size()], i); }}};
  }

  Load::Operation subject_read() {
    return {"subject read", [this](int i) {
              return call(viewer_, "GET", "/subjects/" + subject_ids_[i % subject_ids_.size()]);
            }};
  }
  Load::Operation subject_create() {
    return {"subject create", [this](int i) {
              return send(staff_, "POST", "/subjects",
                          {{"code", "LOAD-" + std::to_string(i)}, {"name", "Load"}});
            }};
  }

  platform::testing::TemporaryDirectory dir_;
  std::unique_ptr<platform::testing::RedisServer> redis_;
  std::unique_ptr<platform::testing::PostgresServer> postgres_;
  std::set<std::string> databases_;
  std::map<std::string, std::uint16_t> ports_;
  std::unique_ptr<ServiceProcess> config_, subjects_, files_, gateway_;
  std::vector<std::unique_ptr<ServiceProcess>> syllabi_;
  std::string staff_, viewer_;
  std::vector<std::string> subject_ids_, syllabus_ids_;
};

TEST_F(ChaosPlatform, SubjectServiceKilledForTenSeconds) {
  ASSERT_NO_FATAL_FAILURE(start_platform(Store::kSqlite));
  ASSERT_NO_FATAL_FAILURE(seed(5));
  auto operations = syllabus_traffic();
  operations.push_back(subject_read());
  operations.push_back(subject_create());
  Load load(operations, 4, 25ms);
  std::this_thread::sleep_for(2s);

  const auto killed = Clock::now();
  subjects_->send_signal(SIGKILL);
  subjects_->wait(5s);
  std::this_thread::sleep_for(10s);
  const auto restarted = Clock::now();
  subjects_ = start("subject-service", SUBJECT_SERVICE_BINARY);
  const auto ready = Clock::now();
  std::this_thread::sleep_for(7s);
  load.stop();
  const auto answers = load.answers();

  const auto is_subject = [](const Answer& a) { return a.operation.rfind("subject ", 0) == 0; };
  const Report report(answers, [](const Answer&) { return true; });
  const Report subject_report(
      answers, [&](const Answer& a) { return is_subject(a) && a.sent >= restarted; });
  std::cout << report.describe("subject-service SIGKILLed for 10 s (restart took " +
                                   std::to_string(seconds(ready - restarted)) + " s)",
                               ready);

  int refused_with_retry_after = 0;
  for (const Answer& answer : answers) {
    SCOPED_TRACE(answer.operation + " at +" + std::to_string(seconds(answer.sent - killed)) +
                 " s: " + std::to_string(answer.status));
    EXPECT_LT(answer.took, kNoHang);
    if (!is_subject(answer) || answer.sent + answer.took < killed) {
      // Before the fault everything works; syllabi are served throughout (the read model
      // knows the subjects).
      EXPECT_TRUE(ok(answer.status));
      continue;
    }
    // A subject route while its service is gone: a stale copy, or the gateway's 502/503/504,
    // never a 500; a 503 says when to come back.
    EXPECT_TRUE(ok(answer.status) || answer.status == 502 || answer.status == 503 ||
                answer.status == 504);
    if (answer.status == 503) {
      EXPECT_TRUE(answer.retry_after);
      ++refused_with_retry_after;
    }
  }
  EXPECT_GT(refused_with_retry_after, 0) << "the breaker never opened";
  // Normal within 5 s of its return.
  if (subject_report.last_failure) {
    EXPECT_LE(seconds(*subject_report.last_failure - ready), 5.0);
  }
}

// Sum of a counter's series whose labels start with `labels_prefix` (e.g. `type="subject.`).
double metric_sum(std::uint16_t port, const std::string& name, const std::string& labels_prefix) {
  const auto response = platform::testing::http_request(port, "GET", "/metrics");
  std::istringstream lines(response.body);
  std::string line;
  double sum = 0;
  const std::string prefix = name + "{" + labels_prefix;
  while (std::getline(lines, line)) {
    if (line.rfind(prefix, 0) == 0) sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

TEST_F(ChaosPlatform, RedisStoppedForTenSeconds) {
  ASSERT_NO_FATAL_FAILURE(start_platform(Store::kSqlite));
  ASSERT_NO_FATAL_FAILURE(seed(5));
  const auto consumer = syllabi_[0]->port();
  // The seed's events arrived: the count starts from here.
  ASSERT_TRUE(eventually(
      [&] { return metric_sum(consumer, "events_consumed_total", "type=\"subject.") >= 5; }, 10s));
  const double consumed_before = metric_sum(consumer, "events_consumed_total", "type=\"subject.");

  const auto subject_of = [this](int i) {
    return subject_ids_[static_cast<std::size_t>(i / 5) % subject_ids_.size()];
  };
  auto operations = syllabus_traffic();
  operations.push_back(subject_create());
  operations.emplace_back("subject rename", [this, subject_of](int i) {
    return send(staff_, "PATCH", "/subjects/" + subject_of(i),
                {{"name", "Renamed " + std::to_string(i)}},
                {{"Content-Type", "application/merge-patch+json"}});
  });
  Load load(operations, 4, 25ms);
  std::this_thread::sleep_for(2s);
  const auto stopped = Clock::now();
  redis_->stop();
  std::this_thread::sleep_for(10s);
  redis_->start();
  const auto restarted = Clock::now();
  std::this_thread::sleep_for(3s);
  load.stop();
  const auto answers = load.answers();
  const Report report(answers, [](const Answer&) { return true; });

  // Every write succeeded, Redis or not.
  for (const Answer& answer : answers) {
    SCOPED_TRACE(answer.operation + " at +" + std::to_string(seconds(answer.sent - stopped)) +
                 " s: " + std::to_string(answer.status) + " " + answer.problem);
    EXPECT_TRUE(ok(answer.status));
    EXPECT_LT(answer.took, kNoHang);
  }
  // Each subject event the writes made arrives exactly once: as many handled as written,
  // and no more later.
  int written = 0;
  for (const Answer& answer : answers) {
    if (!ok(answer.status) || answer.operation.rfind("subject ", 0) != 0) continue;
    ++written;
  }
  const auto handled = [&] {
    return metric_sum(consumer, "events_consumed_total", "type=\"subject.") - consumed_before;
  };
  const auto converging = Clock::now();
  EXPECT_TRUE(eventually([&] { return handled() >= written; }, 30s))
      << handled() << " of " << written << " events handled";
  const double converged_after = seconds(Clock::now() - converging);
  std::this_thread::sleep_for(2s);
  EXPECT_EQ(handled(), written);
  const double duplicates = metric_sum(consumer, "events_duplicates_total", "type=\"subject.");

  // The read model converged: each syllabus shows its subject's last name.
  for (std::size_t s = 0; s < subject_ids_.size(); ++s) {
    const auto subject = json_of(call(viewer_, "GET", "/subjects/" + subject_ids_[s]));
    const std::string name = text(subject.at("name"));
    EXPECT_TRUE(eventually(
        [&] {
          const auto syllabus =
              call(viewer_, "GET", "/syllabi/" + syllabus_ids_[s] + "?expand=subject");
          return syllabus.status == 200 && json_of(syllabus).at("subject").is_object() &&
                 text(json_of(syllabus).at("subject").at("name")) == name;
        },
        10s))
        << "the syllabus of subject " << s << " does not show its name " << name;
  }
  std::cout << report.describe("Redis stopped for 10 s", restarted) << "[chaos]   " << written
            << " subject events written, " << handled() << " handled once, " << duplicates
            << " redeliveries absorbed; all handled " << converged_after
            << " s after the load ended\n";
}

TEST_F(ChaosPlatform, PostgresqlRestarted) {
  ASSERT_NO_FATAL_FAILURE(start_platform(Store::kPostgresql));
  ASSERT_NO_FATAL_FAILURE(seed(5));
  auto operations = syllabus_traffic();
  operations.push_back(subject_read());
  operations.push_back(subject_create());
  Load load(operations, 4, 25ms);
  std::this_thread::sleep_for(2s);
  const auto stopping = Clock::now();
  postgres_->stop();
  postgres_->start();
  const auto back = Clock::now();
  std::this_thread::sleep_for(6s);
  load.stop();
  const auto answers = load.answers();
  const Report report(answers, [](const Answer&) { return true; });
  std::cout << report.describe(
      "PostgreSQL restarted (down " + std::to_string(seconds(back - stopping)) + " s)", back);
  for (const Answer& answer : answers) {
    SCOPED_TRACE(answer.operation + " at +" + std::to_string(seconds(answer.sent - stopping)) +
                 " s: " + std::to_string(answer.status) + " " + answer.problem);
    EXPECT_LT(answer.took, kNoHang);
    if (ok(answer.status)) continue;
    // What fails is what met the restart, and it fails with 503 and when to come back.
    EXPECT_EQ(answer.status, 503);
    EXPECT_TRUE(answer.retry_after);
    EXPECT_GE(answer.sent + answer.took, stopping);
    EXPECT_LT(answer.sent, back + 1s) << "the pools did not reconnect";
  }
}

TEST_F(ChaosPlatform, OneOfTwoSyllabusInstancesKilled) {
  ASSERT_NO_FATAL_FAILURE(start_platform(Store::kPostgresql, 2));
  ASSERT_NO_FATAL_FAILURE(seed(5));
  Load load(syllabus_traffic(), 4, 25ms);
  std::this_thread::sleep_for(2s);
  const auto killed = Clock::now();
  syllabi_[1]->send_signal(SIGKILL);
  syllabi_[1]->wait(5s);
  // The signal takes its moment: a request sent between the kill and the death may still
  // have reached the instance.
  const auto dead = Clock::now();
  std::this_thread::sleep_for(8s);
  load.stop();
  const auto answers = load.answers();
  const Report report(answers, [](const Answer&) { return true; });
  std::cout << report.describe("one of two syllabus-service instances SIGKILLed", killed);
  for (const Answer& answer : answers) {
    SCOPED_TRACE(answer.operation + " at +" + std::to_string(seconds(answer.sent - killed)) +
                 " s: " + std::to_string(answer.status) + " " + answer.problem);
    EXPECT_LT(answer.took, kNoHang);
    // Only a write the instance held when it died may fail (it cannot be sent again: it
    // may have been done); whatever comes after goes to the other instance, and a read is
    // retried there.
    const bool in_flight = answer.sent <= dead && answer.sent + answer.took >= killed;
    if (!in_flight || answer.operation != "syllabus create") {
      EXPECT_TRUE(ok(answer.status));
    }
  }
}

}  // namespace
