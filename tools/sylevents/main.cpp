// sylevents: inspect and repair the event backbone.
//
//   sylevents dlq list --stream events.subject [--limit 50] [--json]
//   sylevents dlq replay --stream events.subject (--id <dlq entry id> | --all)
//   sylevents outbox status --database postgresql://... [--json]
//   sylevents stream info --stream events.subject [--group syllabus-service] [--json]
//
// --redis defaults to SYL_REDIS_URL, else redis://127.0.0.1:6379. Exit codes: 0 done,
// 1 failed (the message says why), 2 bad usage.
#include <charconv>
#include <cstdlib>
#include <iostream>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "platform/cli/arguments.h"
#include "platform/core/url.h"
#include "platform/events/consumer.h"
#include "platform/events/outbox.h"
#include "platform/events/redis.h"
#include "platform/logging/logger.h"

namespace {

using platform::cli::Arguments;
using platform::cli::parse_options;

using platform::core::Error;
namespace events = platform::events;

constexpr int kOk = 0;
constexpr int kFailed = 1;
constexpr int kUsage = 2;

constexpr const char* kUsageText =
    R"(usage:
  sylevents dlq list --stream <stream> [--limit N] [--json] [--redis URL]
  sylevents dlq replay --stream <stream> (--id <dlq entry id> | --all) [--redis URL]
  sylevents outbox status --database <url> [--json]
  sylevents stream info --stream <stream> [--group <group>] [--json] [--redis URL]

--redis defaults to $SYL_REDIS_URL, else redis://127.0.0.1:6379.
)";

int usage(const std::string& message) {
  std::cerr << "sylevents: " << message << "\n\n" << kUsageText;
  return kUsage;
}

std::string json_string(std::string_view text) {
  std::string out = "\"";
  platform::logging::append_json_escaped(out, text);
  out += '"';
  return out;
}

int fail(const std::string& what, const Error& error) {
  std::cerr << "sylevents: " << what << ": " << error.detail();
  if (!error.log_detail().empty() && error.log_detail() != error.detail())
    std::cerr << " (" << error.log_detail() << ")";
  for (const auto& field : error.field_errors())
    std::cerr << "; " << field.field << ": " << field.message;
  std::cerr << "\n";
  return kFailed;
}

std::string redis_url(const Arguments& arguments) {
  if (auto url = arguments.get("redis")) return *url;
  if (const char* env = std::getenv("SYL_REDIS_URL"); env != nullptr && *env != '\0') return env;
  return "redis://127.0.0.1:6379";
}

platform::core::Result<std::unique_ptr<events::RedisConnection>> connect(
    const Arguments& arguments) {
  return events::RedisConnection::connect({.url = redis_url(arguments)});
}

std::string redacted_redis(const Arguments& arguments) {
  return platform::core::redact_url(redis_url(arguments));
}

int dlq_list(const Arguments& arguments) {
  const std::string stream = arguments.get("stream").value_or("");
  if (stream.empty()) return usage("--stream is required");
  std::size_t limit = 50;
  if (auto text = arguments.get("limit")) {
    const auto [end, ec] = std::from_chars(text->data(), text->data() + text->size(), limit);
    if (text->empty() || ec != std::errc() || end != text->data() + text->size() || limit == 0)
      return usage("--limit must be a positive integer");
  }
  auto redis = connect(arguments);
  if (!redis) return fail("cannot connect to " + redacted_redis(arguments), redis.error());
  auto letters = events::list_dead_letters(**redis, stream, limit);
  if (!letters) return fail("cannot read " + events::dead_letter_stream(stream), letters.error());

  const bool json = arguments.has("json");
  for (const events::DeadLetter& letter : *letters) {
    if (json) {
      std::cout << "{\"id\":" << json_string(letter.id)
                << ",\"type\":" << json_string(letter.event.type)
                << ",\"event_id\":" << json_string(letter.event.id)
                << ",\"attempts\":" << letter.attempts << ",\"group\":" << json_string(letter.group)
                << ",\"failed_at\":" << json_string(letter.failed_at)
                << ",\"original_id\":" << json_string(letter.original_id)
                << ",\"error\":" << json_string(letter.error)
                << ",\"event\":" << json_string(letter.event_json) << "}\n";
    } else {
      const auto or_dash = [](const std::string& s) { return s.empty() ? std::string("-") : s; };
      std::cout << letter.id << "  " << or_dash(letter.event.type) << "  "
                << or_dash(letter.event.id) << "  attempts=" << letter.attempts
                << "  group=" << or_dash(letter.group)
                << "  failed_at=" << or_dash(letter.failed_at) << "  error=" << letter.error
                << "\n";
    }
  }
  if (!json)
    std::cerr << letters->size() << " dead letter(s) in " << events::dead_letter_stream(stream)
              << "\n";
  return kOk;
}

int dlq_replay(const Arguments& arguments) {
  const std::string stream = arguments.get("stream").value_or("");
  if (stream.empty()) return usage("--stream is required");
  const auto id = arguments.get("id");
  const bool all = arguments.has("all");
  if (all == id.has_value()) return usage("give exactly one of --id <dlq entry id> or --all");
  if (id && id->empty()) return usage("--id needs a value");
  auto redis = connect(arguments);
  if (!redis) return fail("cannot connect to " + redacted_redis(arguments), redis.error());
  auto replayed = events::replay_dead_letters(**redis, stream, all ? "all" : *id);
  if (!replayed) return fail("replay failed", replayed.error());
  std::cout << "replayed " << *replayed << " dead letter(s) to " << stream << "\n";
  return kOk;
}

int outbox_status(const Arguments& arguments) {
  const std::string url = arguments.get("database").value_or("");
  if (url.empty()) return usage("--database is required");
  auto database = platform::db::Database::open({.url = url, .pool_size = 1});
  if (!database) return fail("cannot open " + platform::core::redact_url(url), database.error());
  auto status = events::outbox_status(**database);
  if (!status) return fail("cannot read the outbox", status.error());
  if (arguments.has("json")) {
    std::cout << "{\"backlog\":" << status->backlog << ",\"oldest_age_seconds\":";
    if (status->oldest_age_seconds)
      std::cout << *status->oldest_age_seconds;
    else
      std::cout << "null";
    std::cout << "}\n";
  } else {
    std::cout << "backlog: " << status->backlog << "\n";
    std::cout << "oldest_age_seconds: ";
    if (status->oldest_age_seconds)
      std::cout << *status->oldest_age_seconds << "\n";
    else
      std::cout << "-\n";
  }
  return kOk;
}

int stream_info(const Arguments& arguments) {
  const std::string stream = arguments.get("stream").value_or("");
  if (stream.empty()) return usage("--stream is required");
  const auto group = arguments.get("group");
  auto redis = connect(arguments);
  if (!redis) return fail("cannot connect to " + redacted_redis(arguments), redis.error());
  auto length = (*redis)->xlen(stream);
  if (!length) return fail("cannot read " + stream, length.error());
  auto dead = (*redis)->xlen(events::dead_letter_stream(stream));
  if (!dead) return fail("cannot read " + events::dead_letter_stream(stream), dead.error());
  std::optional<std::uint64_t> lag;
  if (group) {
    auto read = (*redis)->group_lag(stream, *group);
    if (!read) return fail("cannot read group " + *group, read.error());
    lag = *read;
  }
  if (arguments.has("json")) {
    std::cout << "{\"stream\":" << json_string(stream) << ",\"length\":" << *length
              << ",\"dead_letters\":" << *dead;
    if (group) {
      std::cout << ",\"group\":" << json_string(*group) << ",\"lag\":";
      if (lag)
        std::cout << *lag;
      else
        std::cout << "null";
    }
    std::cout << "}\n";
  } else {
    std::cout << "stream: " << stream << "\nlength: " << *length << "\ndead_letters: " << *dead
              << "\n";
    if (group)
      std::cout << "group: " << *group << "\nlag: " << (lag ? std::to_string(*lag) : "-") << "\n";
  }
  return kOk;
}

int run(const std::vector<std::string>& words) {
  if (words.size() == 1 && (words[0] == "--help" || words[0] == "-h" || words[0] == "help")) {
    std::cout << kUsageText;
    return kOk;
  }
  if (words.size() < 2) return usage("missing command");
  const std::string command = words[0] + " " + words[1];
  const std::vector<std::string> rest(words.begin() + 2, words.end());

  struct Command {
    std::set<std::string> takes_value;
    std::set<std::string> switches;
    int (*run)(const Arguments&);
  };
  static const std::map<std::string, Command> kCommands{
      {"dlq list", {{"stream", "limit", "redis"}, {"json"}, dlq_list}},
      {"dlq replay", {{"stream", "id", "redis"}, {"all"}, dlq_replay}},
      {"outbox status", {{"database"}, {"json"}, outbox_status}},
      {"stream info", {{"stream", "group", "redis"}, {"json"}, stream_info}},
  };
  auto found = kCommands.find(command);
  if (found == kCommands.end()) return usage("unknown command \"" + command + "\"");
  Arguments arguments;
  if (auto wrong =
          parse_options(rest, found->second.takes_value, found->second.switches, arguments))
    return usage(*wrong);
  return found->second.run(arguments);
}

}  // namespace

int main(int argc, char** argv) {
  return run(std::vector<std::string>(argv + 1, argv + argc));
}
