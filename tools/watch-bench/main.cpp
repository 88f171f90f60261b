// watch-bench: how long a change takes to reach 100 long-polling watchers of the
// config-service (docs/config-service-api.md).
//
//   watch-bench --url http://127.0.0.1:8100 --mode registry --watchers 100 --changes 50
//   watch-bench --url http://127.0.0.1:8100 --mode config   --watchers 100 --changes 50
//
// registry: the changer registers a new instance of "bench-service" every --interval-ms;
// every watcher long-polls /registry/services/bench-service/instances?wait=30s&after=N.
// config: the changer PUTs a new log.level of "bench-service"; watchers long-poll
// /config/bench-service?wait=30s&after=N.
// Prints: mode, watchers, changes, samples, p50/p99/max change-to-seen in ms, missed.
// The writes carry the platform token: --token, else $SYL_PLATFORM_TOKEN.
#include <algorithm>
#include <atomic>
#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "platform/http/client.h"

namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

struct Options {
  std::string url = "http://127.0.0.1:8100";
  std::string mode = "registry";
  int watchers = 100;
  int changes = 50;
  int interval_ms = 100;
  std::string token;
};

std::int64_t version_of(const std::string& body, const char* field) {
  boost::system::error_code ec;
  const auto value = boost::json::parse(body, ec);
  if (ec || !value.is_object()) return -1;
  const auto* found = value.as_object().if_contains(field);
  return found && found->is_number() ? found->to_number<std::int64_t>() : -1;
}

double percentile(std::vector<double> values, double p) {
  if (values.empty()) return 0;
  std::sort(values.begin(), values.end());
  return values[static_cast<std::size_t>(p * static_cast<double>(values.size() - 1))];
}

}  // namespace

int main(int argc, char** argv) {
  Options options;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string arg = argv[i], value = argv[i + 1];
    if (arg == "--url")
      options.url = value;
    else if (arg == "--mode")
      options.mode = value;
    else if (arg == "--watchers")
      options.watchers = std::stoi(value);
    else if (arg == "--changes")
      options.changes = std::stoi(value);
    else if (arg == "--interval-ms")
      options.interval_ms = std::stoi(value);
    else if (arg == "--token")
      options.token = value;
    else {
      std::fprintf(stderr, "unknown argument %s\n", arg.c_str());
      return 2;
    }
  }
  if (options.token.empty()) {
    const char* token = std::getenv("SYL_PLATFORM_TOKEN");
    options.token = token != nullptr ? token : "";
  }
  const std::string authorization = "Bearer " + options.token;
  const bool registry = options.mode == "registry";
  const char* version_field = registry ? "registry_version" : "version";
  const std::string watch_path =
      registry ? "/registry/services/bench-service/instances" : "/config/bench-service";
  // Every watcher holds a connection for its long poll; the changes need one more.
  const std::size_t connections = static_cast<std::size_t>(options.watchers) + 4;
  platform::http::Client client({.request_timeout = 40s,
                                 .max_connections_per_host = connections,
                                 .max_idle_connections_per_host = connections});

  if (!registry) {  // a schema to validate against, and a first version
    platform::http::ClientRequest schema{
        .method = "PUT",
        .url = options.url + "/config/bench-service/schema",
        .body =
            R"({"settings":[{"key":"log.level","type":"enum","values":["debug","info"],"dynamic":true,"description":"level"}]})"};
    schema.headers.set("Content-Type", "application/json");
    schema.headers.set("Authorization", authorization);
    auto answer = client.send(schema);
    if (!answer || answer->status != 200) {
      std::fprintf(stderr, "cannot put the schema (is the config mode implemented?)\n");
      return 1;
    }
  }

  // The moment each version became visible to the changer (its write returned).
  std::mutex mutex;
  std::map<std::int64_t, Clock::time_point> changed_at;
  struct Observation {
    std::int64_t after, version;  // the answer covers versions after+1 .. version
    Clock::time_point seen;
  };
  std::vector<Observation> observations;
  std::atomic<bool> stop{false};
  std::atomic<int> ready{0};

  auto current = client.send({.url = options.url + watch_path});
  if (!current || current->status != 200) {
    std::fprintf(stderr, "cannot read %s\n", watch_path.c_str());
    return 1;
  }
  const std::int64_t start_version = version_of(current->body, version_field);

  std::vector<std::thread> watchers;
  for (int w = 0; w < options.watchers; ++w) {
    watchers.emplace_back([&] {
      std::int64_t after = start_version;
      ++ready;
      while (!stop) {
        auto answer = client.send(
            {.url = options.url + watch_path + "?wait=30s&after=" + std::to_string(after)});
        const auto seen = Clock::now();
        if (!answer || answer->status != 200) continue;
        const std::int64_t version = version_of(answer->body, version_field);
        if (version <= after) continue;
        {
          // Matched with the send times at the end: a watcher may see a version before
          // the changer has read its own answer.
          std::lock_guard lock(mutex);
          observations.push_back({after, version, seen});
        }
        after = version;
      }
    });
  }
  // Stops the watchers: a parked one returns when the client shuts down.
  const auto stop_watchers = [&] {
    stop = true;
    client.shutdown();
    for (auto& watcher : watchers) watcher.join();
  };
  while (ready < options.watchers) std::this_thread::sleep_for(1ms);
  std::this_thread::sleep_for(300ms);  // every watcher parked

  for (int c = 0; c < options.changes; ++c) {
    platform::http::ClientRequest change;
    if (registry) {
      change = {.method = "POST",
                .url = options.url + "/registry/instances",
                .body = R"({"service":"bench-service","instance_id":"bench-)" + std::to_string(c) +
                        R"(","url":"http://127.0.0.1:9","ttl_seconds":300})"};
    } else {
      change = {.method = "PUT",
                .url = options.url + "/config/bench-service?env=default",
                .body = std::string(R"({"settings":{"log.level":")") + (c % 2 ? "info" : "debug") +
                        R"("},"author":"watch-bench"})"};
    }
    change.headers.set("Content-Type", "application/json");
    change.headers.set("Authorization", authorization);
    const auto before = Clock::now();
    auto answer = client.send(change);
    if (!answer || answer->status >= 300) {
      std::fprintf(stderr, "change %d failed: %s\n", c,
                   answer ? ("HTTP " + std::to_string(answer->status)).c_str()
                          : answer.error().detail().c_str());
      stop_watchers();
      return 1;
    }
    const std::int64_t version = version_of(answer->body, version_field);
    {
      std::lock_guard lock(mutex);
      // Timed from when the change was sent: what a user waits for after saving.
      if (version >= 0) changed_at[version] = before;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(options.interval_ms));
  }
  std::this_thread::sleep_for(500ms);
  stop = true;
  // Wake the parked watchers with one last change, then collect them.
  if (registry) {
    platform::http::ClientRequest last{.method = "DELETE",
                                       .url = options.url + "/registry/instances/bench-0"};
    last.headers.set("Authorization", authorization);
    (void)client.send(last);
  }
  stop_watchers();

  std::lock_guard lock(mutex);
  std::vector<double> samples;
  for (const auto& observation : observations)
    for (auto v = observation.after + 1; v <= observation.version; ++v) {
      const auto found = changed_at.find(v);
      if (found != changed_at.end())
        samples.push_back(
            std::chrono::duration<double, std::milli>(observation.seen - found->second).count());
    }
  const std::size_t expected =
      static_cast<std::size_t>(options.watchers) * static_cast<std::size_t>(changed_at.size());
  std::printf(
      "mode=%s watchers=%d changes=%zu samples=%zu p50_ms=%.2f p99_ms=%.2f max_ms=%.2f "
      "missed=%zu\n",
      options.mode.c_str(), options.watchers, changed_at.size(), samples.size(),
      percentile(samples, 0.5), percentile(samples, 0.99),
      samples.empty() ? 0.0 : *std::max_element(samples.begin(), samples.end()),
      expected > samples.size() ? expected - samples.size() : 0);
  return 0;
}
