// Reading and replaying "<stream>.dlq": the operator's side of dead-lettering.
#include <algorithm>
#include <charconv>

#include "dead_letter_fields.h"
#include "platform/events/consumer.h"

namespace platform::events {
namespace {

using core::Error;
using core::Result;
namespace f = dead_letter_fields;

constexpr std::size_t kPage = 500;

// "1732480000000-0": the only form of entry id a replay accepts.
bool is_entry_id(std::string_view id) {
  const auto dash = id.find('-');
  if (dash == std::string_view::npos || dash == 0 || dash + 1 == id.size()) return false;
  auto digits = [](std::string_view text) {
    return std::all_of(text.begin(), text.end(), [](char c) { return c >= '0' && c <= '9'; });
  };
  return digits(id.substr(0, dash)) && digits(id.substr(dash + 1));
}

DeadLetter to_dead_letter(const StreamEntry& entry) {
  DeadLetter letter;
  letter.id = entry.id;
  letter.event_json = entry.field(f::kEvent).value_or("");
  if (auto parsed = parse_event(letter.event_json)) letter.event = std::move(parsed).value();
  letter.error = entry.field(f::kError).value_or("");
  const std::string attempts = entry.field(f::kAttempts).value_or("0");
  std::from_chars(attempts.data(), attempts.data() + attempts.size(), letter.attempts);
  letter.group = entry.field(f::kGroup).value_or("");
  letter.failed_at = entry.field(f::kFailedAt).value_or("");
  letter.original_id = entry.field(f::kOriginalId).value_or("");
  return letter;
}

// Up to `limit` entries from the start of `stream`, a page at a time.
Result<std::vector<StreamEntry>> read_entries(RedisConnection& redis, const std::string& stream,
                                              std::size_t limit) {
  std::vector<StreamEntry> entries;
  std::string start = "-";
  while (entries.size() < limit) {
    auto page = redis.xrange(stream, start, "+", std::min(kPage, limit - entries.size()));
    if (!page) return std::move(page).error();
    if (page->empty()) break;
    start = "(" + page->back().id;  // exclusive: after the last one read
    for (auto& entry : *page) entries.push_back(std::move(entry));
  }
  return entries;
}

// Written the way the relay writes it, so that consumers cannot tell a replay apart.
StreamFields stream_fields(const DeadLetter& letter) {
  StreamFields fields{{f::kEvent, letter.event_json}};
  if (!letter.event.id.empty()) {
    fields.emplace_back(f::kType, letter.event.type);
    fields.emplace_back(f::kEventId, letter.event.id);
  }
  return fields;
}

}  // namespace

std::string dead_letter_stream(const std::string& stream) {
  return stream + ".dlq";
}

Result<std::vector<DeadLetter>> list_dead_letters(RedisConnection& redis, const std::string& stream,
                                                  std::size_t limit) {
  auto entries = read_entries(redis, dead_letter_stream(stream), limit);
  if (!entries) return std::move(entries).error();
  std::vector<DeadLetter> letters;
  letters.reserve(entries->size());
  for (const StreamEntry& entry : *entries) letters.push_back(to_dead_letter(entry));
  return letters;
}

Result<std::size_t> replay_dead_letters(RedisConnection& redis, const std::string& stream,
                                        const std::string& id) {
  const std::string dlq = dead_letter_stream(stream);
  std::vector<StreamEntry> entries;
  if (id == "all") {
    // Only what is there now: an event that fails again comes back to the DLQ while we
    // replay, and must not be replayed a second time in the same run.
    auto length = redis.xlen(dlq);
    if (!length) return std::move(length).error();
    auto read = read_entries(redis, dlq, *length);
    if (!read) return std::move(read).error();
    entries = std::move(read).value();
  } else {
    if (!is_entry_id(id))
      return Error::invalid_argument("id",
                                     "must be a stream entry id like 1732480000000-0 or \"all\"");
    auto read = redis.xrange(dlq, id, id, 1);
    if (!read) return std::move(read).error();
    if (read->empty()) return Error::not_found("no dead letter " + id + " in " + dlq);
    entries = std::move(read).value();
  }

  std::size_t replayed = 0;
  for (const StreamEntry& entry : entries) {
    const DeadLetter letter = to_dead_letter(entry);
    // Added before it is deleted: a failure in between leaves a copy in both places,
    // which the consumers' inbox absorbs, never none.
    if (auto added = redis.xadd(stream, stream_fields(letter)); !added)
      return std::move(added).error();
    if (auto removed = redis.xdel(dlq, entry.id); !removed) return std::move(removed).error();
    ++replayed;
  }
  return replayed;
}

}  // namespace platform::events
