// events-bench: commit-to-handled latency of the event backbone, end to end through the
// real pieces: a transaction appends an event to the outbox and commits, the relay
// publishes it to Redis, a consumer in another database applies it (inbox included).
//
//   events-bench --database sqlite:///tmp/p.db --consumer-database sqlite:///tmp/c.db
//                --redis redis://127.0.0.1:6379 --rate 500 --seconds 10
//
// Prints one line: rate, sent, handled, p50/p99/max latency in ms, and the backlog left.
// With --find-max it steps the rate up until the consumer no longer keeps up and prints
// a line per step.
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/db/database.h"
#include "platform/db/migrations.h"
#include "platform/events/consumer.h"
#include "platform/events/outbox.h"

namespace {

using Clock = std::chrono::steady_clock;
using platform::events::Event;

struct Options {
  std::string database = "sqlite:///tmp/events-bench-producer.db";
  std::string consumer_database = "sqlite:///tmp/events-bench-consumer.db";
  std::string redis = "redis://127.0.0.1:6379";
  int rate = 500;
  int seconds = 10;
  bool find_max = false;
};

struct StepResult {
  int rate = 0;
  std::size_t sent = 0;
  std::size_t handled = 0;
  double p50 = 0, p99 = 0, max = 0;
  std::size_t backlog = 0;  // sent but not handled when the drain time ran out
};

std::int64_t now_ns() {
  return std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch())
      .count();
}

double percentile(std::vector<double>& values, double p) {
  if (values.empty()) return 0;
  const auto index = static_cast<std::size_t>(p * static_cast<double>(values.size() - 1));
  std::nth_element(values.begin(), values.begin() + static_cast<long>(index), values.end());
  return values[index];
}

std::unique_ptr<platform::db::Database> open(const std::string& url) {
  auto database = platform::db::Database::open({.url = url, .pool_size = 4});
  if (!database) {
    std::fprintf(stderr, "cannot open %s: %s\n", url.c_str(), database.error().detail().c_str());
    std::exit(1);
  }
  auto migrated = platform::db::migrate(**database, platform::events::migration_files());
  if (!migrated) {
    std::fprintf(stderr, "cannot migrate %s: %s\n", url.c_str(), migrated.error().detail().c_str());
    std::exit(1);
  }
  return std::move(database).value();
}

StepResult run_step(const Options& options, int rate, int step) {
  auto producer_db = open(options.database);
  auto consumer_db = open(options.consumer_database);
  platform::logging::Logger logger("events-bench", "events-bench-1",
                                   platform::logging::Level::kWarn);
  platform::metrics::Registry registry;
  const std::string stream =
      "events.bench." + std::to_string(::getpid()) + "." + std::to_string(step);

  platform::events::OutboxRelay relay(
      *producer_db, {.stream = stream, .redis = {.url = options.redis}}, logger, registry);
  platform::events::Consumer consumer(*consumer_db,
                                      {.stream = stream,
                                       .group = "bench",
                                       .consumer = "bench-1",
                                       .redis = {.url = options.redis},
                                       .batch_size = 256,
                                       .block = std::chrono::milliseconds(100)},
                                      logger, registry);
  std::mutex mutex;
  std::vector<double> latencies_ms;
  std::atomic<std::size_t> handled{0};
  consumer.on("bench.tick", 1, [&](const Event& event, platform::db::Session&) {
    // data is {"sent_ns": N}: the moment the producing transaction committed.
    const auto at = event.data.find(':');
    const std::int64_t sent = std::stoll(event.data.substr(at + 1));
    const double latency = static_cast<double>(now_ns() - sent) / 1e6;
    std::lock_guard lock(mutex);
    latencies_ms.push_back(latency);
    ++handled;
    return platform::core::ok();
  });
  relay.start();
  consumer.start();

  StepResult result;
  result.rate = rate;
  const auto interval = std::chrono::nanoseconds(1'000'000'000 / rate);
  const auto start = Clock::now();
  const auto end = start + std::chrono::seconds(options.seconds);
  auto next = start;
  while (next < end) {
    std::this_thread::sleep_until(next);
    // The timestamp is taken after the commit, so the latency is commit-to-handled.
    auto committed = producer_db->transaction<void>([&](platform::db::Session& session) {
      Event event = platform::events::make_event("/events-bench", "bench.tick.v1", "bench",
                                                 R"({"sent_ns":0})", {});
      event.data = "{\"sent_ns\":" + std::to_string(now_ns()) + "}";
      return platform::events::append_to_outbox(session, stream, event);
    });
    if (!committed) {
      std::fprintf(stderr, "append failed: %s\n", committed.error().detail().c_str());
      std::exit(1);
    }
    relay.notify();
    ++result.sent;
    next += interval;
  }
  // Let what was sent drain, for at most two seconds.
  const auto drain_deadline = Clock::now() + std::chrono::seconds(2);
  while (handled < result.sent && Clock::now() < drain_deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  consumer.stop();
  relay.stop();

  std::lock_guard lock(mutex);
  result.handled = handled;
  result.backlog = result.sent - std::min(result.sent, result.handled);
  result.p50 = percentile(latencies_ms, 0.50);
  result.p99 = percentile(latencies_ms, 0.99);
  result.max =
      latencies_ms.empty() ? 0 : *std::max_element(latencies_ms.begin(), latencies_ms.end());
  return result;
}

void print(const StepResult& r) {
  std::printf("rate=%d sent=%zu handled=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f backlog=%zu\n",
              r.rate, r.sent, r.handled, r.p50, r.p99, r.max, r.backlog);
  std::fflush(stdout);
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const auto value = [&]() -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "%s needs a value\n", arg.c_str());
        std::exit(2);
      }
      return argv[++i];
    };
    if (arg == "--database")
      options.database = value();
    else if (arg == "--consumer-database")
      options.consumer_database = value();
    else if (arg == "--redis")
      options.redis = value();
    else if (arg == "--rate")
      options.rate = std::stoi(value());
    else if (arg == "--seconds")
      options.seconds = std::stoi(value());
    else if (arg == "--find-max")
      options.find_max = true;
    else {
      std::fprintf(stderr, "unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  if (!options.find_max) {
    print(run_step(options, options.rate, 0));
    return 0;
  }
  // Double the rate until the consumer falls behind (events left unhandled after the
  // drain time, or p99 beyond a second), then report the last rate that kept up.
  int best = 0;
  for (int rate = options.rate, step = 0; rate <= 256000; rate *= 2, ++step) {
    const StepResult result = run_step(options, rate, step);
    print(result);
    const bool kept_up = result.backlog == 0 && result.p99 < 1000 &&
                         result.sent >= static_cast<std::size_t>(rate * options.seconds * 9 / 10);
    if (!kept_up) break;
    best = rate;
  }
  std::printf("highest_sustained_rate=%d\n", best);
  return 0;
}
