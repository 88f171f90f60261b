// RedisConnection over hiredis 0.14: one blocking connection, reconnected lazily.
//
// Every command goes through redisCommandArgv / redisAppendCommandArgv so that event
// JSON and names are passed as binary-safe arguments, never formatted into a command.
// hiredis leaves a context unusable after any I/O error or timeout (a NULL reply), so
// such a context is dropped at once and the next call connects afresh.
#include "platform/events/redis.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <optional>
#include <stdexcept>
#include <string_view>

#include "platform/core/url.h"

namespace platform::events {
namespace {

using core::Error;
using core::Result;

struct Endpoint {
  std::string host;
  int port = 6379;
  std::string username;  // Redis 6 ACL user, or empty for the default user
  std::string password;
  int database = 0;
};

Result<int> parse_number(std::string_view text, std::string_view what, int max) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (text.empty() || ec != std::errc() || end != text.data() + text.size() || value < 0 ||
      value > max)
    return Error::invalid_argument("redis.url", std::string(what) + " is not a valid number");
  return value;
}

// redis://[[user]:password@]host[:port][/db], through the platform's one URL parser.
Result<Endpoint> parse_url(std::string_view text) {
  auto url = core::parse_url(text);
  if (!url) return Error::invalid_argument("redis.url", url.error().detail());
  if (url->scheme != "redis")
    return Error::invalid_argument("redis.url", "must start with redis://");
  if (url->host.empty()) return Error::invalid_argument("redis.url", "has no host");
  Endpoint endpoint;
  endpoint.host = url->host;
  endpoint.port = url->port;
  if (url->password) {
    endpoint.username = url->user;  // Redis 6 ACL user; empty: the default user
    endpoint.password = *url->password;
  } else {
    endpoint.password = url->user;  // "redis://secret@host": a bare password
  }
  std::string_view path = url->path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty()) {
    auto database = parse_number(path, "database", 1 << 20);
    if (!database) return std::move(database).error();
    endpoint.database = *database;
  }
  return endpoint;
}

timeval to_timeval(std::chrono::milliseconds duration) {
  const auto ms = std::max<long long>(duration.count(), 1);
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

struct ContextDeleter {
  void operator()(redisContext* context) const { redisFree(context); }
};
using Context = std::unique_ptr<redisContext, ContextDeleter>;

std::string_view text_of(const redisReply* reply) {
  return reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

bool is_text(const redisReply* reply) {
  return reply && (reply->type == REDIS_REPLY_STRING || reply->type == REDIS_REPLY_STATUS);
}

Error unexpected(std::string_view command, std::string_view what) {
  return Error::internal("redis " + std::string(command) +
                         ": unexpected reply: " + std::string(what));
}

bool starts_with(std::string_view text, std::string_view prefix) {
  return text.substr(0, prefix.size()) == prefix;
}

// A Redis error reply as an Error: the ones that mean "try again later" are kUnavailable,
// a missing consumer group kNotFound (the caller can recreate it: a Redis restarted
// without persistence has lost its groups), anything else kInternal.
Error from_error_reply(std::string_view command, std::string_view message) {
  const std::string text = "redis " + std::string(command) + ": " + std::string(message);
  for (const std::string_view transient :
       {"LOADING", "BUSY ", "MASTERDOWN", "TRYAGAIN", "NOAUTH", "WRONGPASS"})
    if (starts_with(message, transient)) return Error::unavailable("Redis is unavailable", text);
  if (starts_with(message, "NOGROUP")) return Error::not_found(text);
  return Error::internal(text);
}

// One entry of an XRANGE / XREADGROUP / XAUTOCLAIM reply: [id, [field, value, ...]].
// A nil field list (an entry deleted while pending) yields an entry without fields.
Result<StreamEntry> parse_entry(std::string_view command, const redisReply* reply) {
  if (!reply || reply->type != REDIS_REPLY_ARRAY || reply->elements != 2 ||
      !is_text(reply->element[0]))
    return unexpected(command, "an entry is not [id, fields]");
  StreamEntry entry;
  entry.id = std::string(text_of(reply->element[0]));
  const redisReply* fields = reply->element[1];
  if (fields->type == REDIS_REPLY_NIL) return entry;
  if (fields->type != REDIS_REPLY_ARRAY || fields->elements % 2 != 0)
    return unexpected(command, "entry fields are not pairs");
  entry.fields.reserve(fields->elements / 2);
  for (std::size_t i = 0; i < fields->elements; i += 2) {
    if (!is_text(fields->element[i]) || !is_text(fields->element[i + 1]))
      return unexpected(command, "an entry field is not a string");
    entry.fields.emplace_back(text_of(fields->element[i]), text_of(fields->element[i + 1]));
  }
  return entry;
}

// An array of entries. `skip_nil` drops nil elements (XAUTOCLAIM on Redis 6.2 lists
// entries deleted since as nil).
Result<std::vector<StreamEntry>> parse_entries(std::string_view command, const redisReply* reply,
                                               bool skip_nil) {
  if (!reply || reply->type != REDIS_REPLY_ARRAY) return unexpected(command, "not an array");
  std::vector<StreamEntry> entries;
  entries.reserve(reply->elements);
  for (std::size_t i = 0; i < reply->elements; ++i) {
    if (skip_nil && reply->element[i]->type == REDIS_REPLY_NIL) continue;
    auto entry = parse_entry(command, reply->element[i]);
    if (!entry) return std::move(entry).error();
    entries.push_back(std::move(*entry));
  }
  return entries;
}

// Any reply as a RedisValue; an error reply (also one nested in an array) is an Error.
Result<RedisValue> to_value(std::string_view command, const redisReply* reply) {
  switch (reply->type) {
    case REDIS_REPLY_NIL:
      return RedisValue();
    case REDIS_REPLY_INTEGER:
      return RedisValue::integer(reply->integer);
    case REDIS_REPLY_STRING:
    case REDIS_REPLY_STATUS:
      return RedisValue::string(std::string(text_of(reply)));
    case REDIS_REPLY_ERROR:
      return from_error_reply(command, text_of(reply));
    case REDIS_REPLY_ARRAY: {
      std::vector<RedisValue> elements;
      elements.reserve(reply->elements);
      for (std::size_t i = 0; i < reply->elements; ++i) {
        auto element = to_value(command, reply->element[i]);
        if (!element) return element;
        elements.push_back(std::move(*element));
      }
      return RedisValue::array(std::move(elements));
    }
    default:
      return unexpected(command, "a reply of unknown type");
  }
}

std::vector<std::string> script_arguments(std::string command, const std::string& script,
                                          const std::vector<std::string>& keys,
                                          const std::vector<std::string>& arguments) {
  std::vector<std::string> all;
  all.reserve(3 + keys.size() + arguments.size());
  all.push_back(std::move(command));
  all.push_back(script);
  all.push_back(std::to_string(keys.size()));
  all.insert(all.end(), keys.begin(), keys.end());
  all.insert(all.end(), arguments.begin(), arguments.end());
  return all;
}

class HiredisConnection final : public RedisConnection {
 public:
  HiredisConnection(RedisOptions options, Endpoint endpoint)
      : options_(std::move(options)), endpoint_(std::move(endpoint)) {}

  Result<void> connect() {
    context_.reset(redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port,
                                           to_timeval(options_.connect_timeout)));
    if (!context_) return unavailable("cannot allocate a connection");
    if (context_->err) {
      Error error = unavailable(context_->errstr);
      context_.reset();
      return error;
    }
    if (redisSetTimeout(context_.get(), to_timeval(options_.command_timeout)) != REDIS_OK) {
      Error error = unavailable(context_->errstr);
      context_.reset();
      return error;
    }
    if (!endpoint_.password.empty()) {
      std::vector<std::string> auth{"AUTH"};
      if (!endpoint_.username.empty()) auth.push_back(endpoint_.username);
      auth.push_back(endpoint_.password);
      if (auto reply = checked("AUTH", execute("AUTH", auth)); !reply) {
        context_.reset();
        return std::move(reply).error();
      }
    }
    if (endpoint_.database != 0) {
      if (auto reply =
              checked("SELECT", execute("SELECT", {"SELECT", std::to_string(endpoint_.database)}));
          !reply) {
        context_.reset();
        return std::move(reply).error();
      }
    }
    return core::ok();
  }

  Result<void> ping() override {
    auto reply = run("PING", {"PING"});
    if (!reply) return std::move(reply).error();
    if (!is_text(reply->get()) || text_of(reply->get()) != "PONG")
      return unexpected("PING", "not PONG");
    return core::ok();
  }

  Result<std::string> xadd(const std::string& stream, const StreamFields& fields) override {
    if (fields.empty()) return Error::invalid_argument("fields", "an entry needs a field");
    auto reply = run("XADD", xadd_arguments(stream, fields));
    if (!reply) return std::move(reply).error();
    if (!is_text(reply->get())) return unexpected("XADD", "not an id");
    return std::string(text_of(reply->get()));
  }

  Result<std::vector<std::string>> xadd_many(const std::string& stream,
                                             const std::vector<StreamFields>& entries) override {
    if (entries.empty()) return std::vector<std::string>{};
    for (const auto& fields : entries)
      if (fields.empty()) return Error::invalid_argument("fields", "an entry needs a field");
    if (auto connected = ensure_connected(); !connected) return std::move(connected).error();

    for (const auto& fields : entries) {
      const auto arguments = xadd_arguments(stream, fields);
      auto [argv, lengths] = argv_of(arguments);
      if (redisAppendCommandArgv(context_.get(), static_cast<int>(argv.size()), argv.data(),
                                 lengths.data()) != REDIS_OK)
        return broken("XADD");
    }
    // Every reply is read even after an error reply, so that the connection stays in step.
    std::vector<std::string> ids;
    ids.reserve(entries.size());
    std::optional<Error> first_error;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      void* raw = nullptr;
      if (redisGetReply(context_.get(), &raw) != REDIS_OK || !raw) return broken("XADD");
      Reply reply(static_cast<redisReply*>(raw));
      if (reply->type == REDIS_REPLY_ERROR) {
        if (!first_error) first_error = from_error_reply("XADD", text_of(reply.get()));
      } else if (!is_text(reply.get())) {
        if (!first_error) first_error = unexpected("XADD", "not an id");
      } else {
        ids.emplace_back(text_of(reply.get()));
      }
    }
    if (first_error) return *first_error;
    return ids;
  }

  Result<void> ensure_group(const std::string& stream, const std::string& group,
                            bool from_start) override {
    const auto connected = ensure_connected();
    if (!connected) return connected;
    auto reply =
        run_raw("XGROUP", {"XGROUP", "CREATE", stream, group, from_start ? "0" : "$", "MKSTREAM"});
    if (!reply) return std::move(reply).error();
    if ((*reply)->type == REDIS_REPLY_ERROR) {
      if (text_of(reply->get()).substr(0, 9) == "BUSYGROUP") return core::ok();
      return from_error_reply("XGROUP", text_of(reply->get()));
    }
    return core::ok();
  }

  Result<std::vector<StreamEntry>> xreadgroup(const std::string& stream, const std::string& group,
                                              const std::string& consumer, std::size_t count,
                                              std::chrono::milliseconds block,
                                              const std::string& start) override {
    std::vector<std::string> arguments{
        "XREADGROUP", "GROUP", group,
        consumer,     "COUNT", std::to_string(std::max<std::size_t>(count, 1))};
    // BLOCK 0 would wait forever: a zero block means "do not block" here.
    if (block.count() > 0) {
      arguments.push_back("BLOCK");
      arguments.push_back(std::to_string(block.count()));
    }
    arguments.insert(arguments.end(), {"STREAMS", stream, start});

    // A socket timeout shorter than BLOCK would break the connection on every idle read,
    // so the timeout is stretched beyond the block for this one call.
    const bool stretch =
        block.count() > 0 && block + options_.command_timeout / 2 > options_.command_timeout;
    if (stretch) {
      if (auto connected = ensure_connected(); !connected) return std::move(connected).error();
      redisSetTimeout(context_.get(), to_timeval(block + options_.command_timeout));
    }
    auto reply = run("XREADGROUP", arguments);
    if (stretch && context_) redisSetTimeout(context_.get(), to_timeval(options_.command_timeout));
    if (!reply) return std::move(reply).error();

    const redisReply* streams = reply->get();
    if (streams->type == REDIS_REPLY_NIL) return std::vector<StreamEntry>{};  // timed out
    if (streams->type != REDIS_REPLY_ARRAY) return unexpected("XREADGROUP", "not an array");
    std::vector<StreamEntry> entries;
    for (std::size_t i = 0; i < streams->elements; ++i) {
      const redisReply* one = streams->element[i];
      if (one->type != REDIS_REPLY_ARRAY || one->elements != 2)
        return unexpected("XREADGROUP", "a stream is not [name, entries]");
      auto parsed = parse_entries("XREADGROUP", one->element[1], false);
      if (!parsed) return std::move(parsed).error();
      for (auto& entry : *parsed) entries.push_back(std::move(entry));
    }
    return entries;
  }

  Result<void> xack(const std::string& stream, const std::string& group,
                    const std::string& id) override {
    auto reply = run("XACK", {"XACK", stream, group, id});
    if (!reply) return std::move(reply).error();
    if ((*reply)->type != REDIS_REPLY_INTEGER) return unexpected("XACK", "not an integer");
    return core::ok();
  }

  Result<std::vector<StreamEntry>> xautoclaim(const std::string& stream, const std::string& group,
                                              const std::string& consumer,
                                              std::chrono::milliseconds min_idle,
                                              std::size_t count) override {
    auto reply =
        run("XAUTOCLAIM", {"XAUTOCLAIM", stream, group, consumer, std::to_string(min_idle.count()),
                           "0-0", "COUNT", std::to_string(std::max<std::size_t>(count, 1))});
    if (!reply) return std::move(reply).error();
    // [next cursor, claimed entries, deleted ids] (Redis 7; 6.2 has no third element).
    const redisReply* top = reply->get();
    if (top->type != REDIS_REPLY_ARRAY || top->elements < 2)
      return unexpected("XAUTOCLAIM", "not [cursor, entries, ...]");
    auto entries = parse_entries("XAUTOCLAIM", top->element[1], true);
    if (!entries) return entries;
    // XAUTOCLAIM does not say how often an entry was delivered; claims are rare, so one
    // XPENDING per entry is cheap enough.
    for (auto& entry : *entries) {
      auto times = deliveries(stream, group, entry.id);
      if (!times) return std::move(times).error();
      entry.deliveries = *times;
    }
    return entries;
  }

  Result<std::vector<std::string>> xclaim_ids(const std::string& stream, const std::string& group,
                                              const std::string& consumer,
                                              std::chrono::milliseconds min_idle,
                                              const std::vector<std::string>& ids) override {
    if (ids.empty()) return std::vector<std::string>{};
    std::vector<std::string> arguments{"XCLAIM", stream, group, consumer,
                                       std::to_string(std::max<long long>(min_idle.count(), 0))};
    arguments.insert(arguments.end(), ids.begin(), ids.end());
    arguments.push_back("JUSTID");
    auto reply = run("XCLAIM", arguments);
    if (!reply) return std::move(reply).error();
    const redisReply* top = reply->get();
    if (top->type != REDIS_REPLY_ARRAY) return unexpected("XCLAIM", "not an array");
    std::vector<std::string> claimed;
    claimed.reserve(top->elements);
    for (std::size_t i = 0; i < top->elements; ++i) {
      if (!is_text(top->element[i])) return unexpected("XCLAIM", "an id is not a string");
      claimed.emplace_back(text_of(top->element[i]));
    }
    return claimed;
  }

  Result<std::uint64_t> deliveries(const std::string& stream, const std::string& group,
                                   const std::string& id) override {
    auto reply = run("XPENDING", {"XPENDING", stream, group, id, id, "1"});
    if (!reply) return std::move(reply).error();
    const redisReply* top = reply->get();
    if (top->type != REDIS_REPLY_ARRAY) return unexpected("XPENDING", "not an array");
    if (top->elements == 0) return std::uint64_t{0};  // not pending (acknowledged or unknown)
    const redisReply* row = top->element[0];
    if (row->type != REDIS_REPLY_ARRAY || row->elements < 4 ||
        row->element[3]->type != REDIS_REPLY_INTEGER)
      return unexpected("XPENDING", "not [id, consumer, idle, deliveries]");
    return static_cast<std::uint64_t>(row->element[3]->integer);
  }

  Result<std::vector<StreamEntry>> xrange(const std::string& stream, const std::string& start,
                                          const std::string& end, std::size_t count) override {
    auto reply = run("XRANGE", {"XRANGE", stream, start, end, "COUNT",
                                std::to_string(std::max<std::size_t>(count, 1))});
    if (!reply) return std::move(reply).error();
    return parse_entries("XRANGE", reply->get(), false);
  }

  Result<std::uint64_t> xlen(const std::string& stream) override {
    auto reply = run("XLEN", {"XLEN", stream});
    if (!reply) return std::move(reply).error();
    if ((*reply)->type != REDIS_REPLY_INTEGER) return unexpected("XLEN", "not an integer");
    return static_cast<std::uint64_t>((*reply)->integer);
  }

  Result<void> xdel(const std::string& stream, const std::string& id) override {
    auto reply = run("XDEL", {"XDEL", stream, id});
    if (!reply) return std::move(reply).error();
    if ((*reply)->type != REDIS_REPLY_INTEGER) return unexpected("XDEL", "not an integer");
    return core::ok();
  }

  Result<std::optional<std::uint64_t>> group_lag(const std::string& stream,
                                                 const std::string& group) override {
    auto reply = run_raw("XINFO", {"XINFO", "GROUPS", stream});
    if (!reply) return std::move(reply).error();
    const redisReply* top = reply->get();
    if (top->type == REDIS_REPLY_ERROR) {
      if (text_of(top).find("no such key") != std::string_view::npos)
        return Error::not_found("stream " + stream + " does not exist");
      return from_error_reply("XINFO", text_of(top));
    }
    if (top->type != REDIS_REPLY_ARRAY) return unexpected("XINFO", "not an array");
    for (std::size_t i = 0; i < top->elements; ++i) {
      const redisReply* info = top->element[i];
      if (info->type != REDIS_REPLY_ARRAY || info->elements % 2 != 0)
        return unexpected("XINFO", "group info is not pairs");
      const redisReply* name = nullptr;
      const redisReply* lag = nullptr;
      for (std::size_t k = 0; k < info->elements; k += 2) {
        if (!is_text(info->element[k])) continue;
        const std::string_view key = text_of(info->element[k]);
        if (key == "name") name = info->element[k + 1];
        if (key == "lag") lag = info->element[k + 1];
      }
      if (!is_text(name) || text_of(name) != group) continue;
      // Redis reports a nil lag when it cannot tell (entries deleted in the range); Redis
      // before 7 has no lag at all.
      if (!lag || lag->type != REDIS_REPLY_INTEGER) return std::optional<std::uint64_t>{};
      return std::optional<std::uint64_t>(static_cast<std::uint64_t>(lag->integer));
    }
    return Error::not_found("consumer group " + group + " does not exist on " + stream);
  }

  Result<std::optional<std::string>> get(const std::string& key) override {
    auto reply = run("GET", {"GET", key});
    if (!reply) return std::move(reply).error();
    if ((*reply)->type == REDIS_REPLY_NIL) return std::optional<std::string>{};
    if ((*reply)->type != REDIS_REPLY_STRING) return unexpected("GET", "not a string");
    return std::optional<std::string>(std::string(text_of(reply->get())));
  }

  Result<bool> set(const std::string& key, const std::string& value,
                   const SetOptions& options) override {
    std::vector<std::string> arguments{"SET", key, value};
    if (options.expire_after) {
      arguments.push_back("PX");
      arguments.push_back(std::to_string(std::max<long long>(options.expire_after->count(), 1)));
    }
    if (options.only_if_absent) arguments.push_back("NX");
    auto reply = run("SET", arguments);
    if (!reply) return std::move(reply).error();
    if ((*reply)->type == REDIS_REPLY_NIL) return false;  // NX: the key exists
    if (!is_text(reply->get()) || text_of(reply->get()) != "OK") return unexpected("SET", "not OK");
    return true;
  }

  Result<std::uint64_t> del(const std::vector<std::string>& keys) override {
    if (keys.empty()) return std::uint64_t{0};
    std::vector<std::string> arguments{"DEL"};
    arguments.insert(arguments.end(), keys.begin(), keys.end());
    auto reply = run("DEL", arguments);
    if (!reply) return std::move(reply).error();
    if ((*reply)->type != REDIS_REPLY_INTEGER) return unexpected("DEL", "not an integer");
    return static_cast<std::uint64_t>((*reply)->integer);
  }

  Result<std::int64_t> incrby(const std::string& key, std::int64_t amount) override {
    auto reply = run("INCRBY", {"INCRBY", key, std::to_string(amount)});
    if (!reply) return std::move(reply).error();
    if ((*reply)->type != REDIS_REPLY_INTEGER) return unexpected("INCRBY", "not an integer");
    return static_cast<std::int64_t>((*reply)->integer);
  }

  Result<bool> pexpire(const std::string& key, std::chrono::milliseconds ttl) override {
    auto reply = run("PEXPIRE", {"PEXPIRE", key, std::to_string(ttl.count())});
    if (!reply) return std::move(reply).error();
    if ((*reply)->type != REDIS_REPLY_INTEGER) return unexpected("PEXPIRE", "not an integer");
    return (*reply)->integer == 1;
  }

  Result<RedisValue> evalsha(const RedisScript& script, const std::vector<std::string>& keys,
                             const std::vector<std::string>& arguments) override {
    const auto command = script_arguments("EVALSHA", script.sha1(), keys, arguments);
    auto reply = run_raw("EVALSHA", command);
    if (!reply) return std::move(reply).error();
    if ((*reply)->type == REDIS_REPLY_ERROR && starts_with(text_of(reply->get()), "NOSCRIPT")) {
      // Redis does not know the script (first use, restart, SCRIPT FLUSH): load it and
      // try once more. A second NOSCRIPT (a flush in between) is an error like any other.
      if (auto loaded = load_script(script); !loaded) return std::move(loaded).error();
      reply = run_raw("EVALSHA", command);
      if (!reply) return std::move(reply).error();
    }
    return to_value("EVALSHA", reply->get());
  }

  Result<RedisValue> eval(const std::string& source, const std::vector<std::string>& keys,
                          const std::vector<std::string>& arguments) override {
    auto reply = run_raw("EVAL", script_arguments("EVAL", source, keys, arguments));
    if (!reply) return std::move(reply).error();
    return to_value("EVAL", reply->get());
  }

  Result<void> load_script(const RedisScript& script) override {
    auto reply = run("SCRIPT", {"SCRIPT", "LOAD", script.source()});
    if (!reply) return std::move(reply).error();
    if (!is_text(reply->get())) return unexpected("SCRIPT LOAD", "not a SHA-1");
    if (text_of(reply->get()) != script.sha1())
      return unexpected("SCRIPT LOAD", "a SHA-1 other than the script's");
    return core::ok();
  }

 private:
  static std::vector<std::string> xadd_arguments(const std::string& stream,
                                                 const StreamFields& fields) {
    std::vector<std::string> arguments;
    arguments.reserve(3 + 2 * fields.size());
    arguments.insert(arguments.end(), {"XADD", stream, "*"});
    for (const auto& [name, value] : fields) {
      arguments.push_back(name);
      arguments.push_back(value);
    }
    return arguments;
  }

  static std::pair<std::vector<const char*>, std::vector<std::size_t>> argv_of(
      const std::vector<std::string>& arguments) {
    std::pair<std::vector<const char*>, std::vector<std::size_t>> out;
    out.first.reserve(arguments.size());
    out.second.reserve(arguments.size());
    for (const auto& argument : arguments) {
      out.first.push_back(argument.data());
      out.second.push_back(argument.size());
    }
    return out;
  }

  Error unavailable(std::string_view why) const {
    return Error::unavailable(
        "Redis is unavailable",
        "redis " + endpoint_.host + ":" + std::to_string(endpoint_.port) + ": " + std::string(why));
  }

  // The context is unusable after an I/O error: drop it; the next call reconnects.
  Error broken(std::string_view command) {
    std::string why = std::string(command) + ": ";
    why += context_ && context_->err ? context_->errstr : "connection lost";
    context_.reset();
    return unavailable(why);
  }

  Result<void> ensure_connected() {
    if (context_) return core::ok();
    return connect();
  }

  // One command on the current context; a NULL reply (I/O error, timeout) breaks it.
  // Error replies stay replies: the caller decides.
  Result<Reply> execute(std::string_view command, const std::vector<std::string>& arguments) {
    auto [argv, lengths] = argv_of(arguments);
    Reply reply(static_cast<redisReply*>(redisCommandArgv(
        context_.get(), static_cast<int>(argv.size()), argv.data(), lengths.data())));
    if (!reply) return broken(command);
    return reply;
  }

  static Result<Reply> checked(std::string_view command, Result<Reply> reply) {
    if (reply && (*reply)->type == REDIS_REPLY_ERROR)
      return from_error_reply(command, text_of(reply->get()));
    return reply;
  }

  // Connects when needed and runs the command; error replies stay replies.
  Result<Reply> run_raw(std::string_view command, const std::vector<std::string>& arguments) {
    if (auto connected = ensure_connected(); !connected) return std::move(connected).error();
    return execute(command, arguments);
  }

  // Connects when needed and runs the command; error replies become Errors.
  Result<Reply> run(std::string_view command, const std::vector<std::string>& arguments) {
    return checked(command, run_raw(command, arguments));
  }

  RedisOptions options_;
  Endpoint endpoint_;
  Context context_;
};

}  // namespace

RedisScript::RedisScript(std::string source) : source_(std::move(source)) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(source_.data(), source_.size(), digest, &length, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("SHA-1 is not available");  // a broken OpenSSL: cannot go on
  constexpr char kHex[] = "0123456789abcdef";
  sha1_.reserve(2 * length);
  for (unsigned int i = 0; i < length; ++i) {
    sha1_.push_back(kHex[digest[i] >> 4]);
    sha1_.push_back(kHex[digest[i] & 0xf]);
  }
}

RedisValue RedisValue::integer(std::int64_t value) {
  RedisValue result;
  result.type_ = Type::kInteger;
  result.integer_ = value;
  return result;
}

RedisValue RedisValue::string(std::string value) {
  RedisValue result;
  result.type_ = Type::kString;
  result.string_ = std::move(value);
  return result;
}

RedisValue RedisValue::array(std::vector<RedisValue> elements) {
  RedisValue result;
  result.type_ = Type::kArray;
  result.elements_ = std::move(elements);
  return result;
}

std::optional<std::int64_t> RedisValue::as_integer() const {
  if (type_ != Type::kInteger) return std::nullopt;
  return integer_;
}

std::optional<std::string> RedisValue::as_string() const {
  if (type_ != Type::kString) return std::nullopt;
  return string_;
}

std::optional<std::string> StreamEntry::field(std::string_view name) const {
  for (const auto& [key, value] : fields)
    if (key == name) return value;
  return std::nullopt;
}

core::Result<std::unique_ptr<RedisConnection>> RedisConnection::connect(
    const RedisOptions& options) {
  auto endpoint = parse_url(options.url);
  if (!endpoint) return std::move(endpoint).error();
  auto connection = std::make_unique<HiredisConnection>(options, std::move(*endpoint));
  if (auto connected = connection->connect(); !connected) return std::move(connected).error();
  return std::unique_ptr<RedisConnection>(std::move(connection));
}

}  // namespace platform::events
