// A small synchronous Redis client for streams, plus the few key and script commands a
// shared rate limiter needs (hiredis inside src/ only). One connection, not thread-safe:
// each relay, consumer or keeper thread owns its own.
//
//   auto redis = RedisConnection::connect({.url = "redis://127.0.0.1:6379"});
//   auto id = (*redis)->xadd("events.subject", {{"event", json}});
//
//   static const RedisScript kTake("return redis.call('INCRBY', KEYS[1], ARGV[1])");
//   auto taken = (*redis)->evalsha(kTake, {"bucket:alice"}, {"1"});   // RedisValue
//
// Every failure is an Error: kUnavailable when Redis cannot be reached or the
// connection broke (the next call reconnects), kNotFound when a command names a consumer
// group that does not exist (NOGROUP: a Redis restarted without persistence has lost its
// groups; call ensure_group again), kInternal for any other error reply or a reply we did
// not expect. connect() connects at once: kInvalidArgument for a bad URL, kUnavailable
// when the server cannot be reached.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "platform/core/result.h"

namespace platform::events {

struct RedisOptions {
  std::string url = "redis://127.0.0.1:6379";  // redis://[:password@]host:port[/db]
  std::chrono::milliseconds connect_timeout{1000};
  // Must exceed any BLOCK time used on the connection (a shorter socket timeout breaks
  // the connection for good, see DEPENDENCIES.md).
  std::chrono::milliseconds command_timeout{5000};
};

using StreamFields = std::vector<std::pair<std::string, std::string>>;

struct StreamEntry {
  std::string id;  // "1732480000000-0"
  StreamFields fields;
  std::uint64_t deliveries = 0;  // from XPENDING / XAUTOCLAIM where known, else 0

  // The value of `name`, or nullopt.
  std::optional<std::string> field(std::string_view name) const;
};

// A Lua script as EVALSHA runs it: the source and its SHA-1 (hex), the name Redis keeps it
// under. Computed once; cheap to copy. Keep one per script, e.g. a static.
class RedisScript {
 public:
  explicit RedisScript(std::string source);
  const std::string& source() const { return source_; }
  const std::string& sha1() const { return sha1_; }

 private:
  std::string source_;
  std::string sha1_;
};

// A reply as a script returns it: nil (Lua false or nothing), an integer (Lua numbers are
// truncated to integers, Lua true is 1), a string (also status replies such as "OK"), or
// an array of these.
class RedisValue {
 public:
  enum class Type { kNil, kInteger, kString, kArray };

  RedisValue() = default;  // nil
  static RedisValue integer(std::int64_t value);
  static RedisValue string(std::string value);
  static RedisValue array(std::vector<RedisValue> elements);

  Type type() const { return type_; }
  bool is_nil() const { return type_ == Type::kNil; }
  // The value of its type; another type's accessor returns nullopt / empty.
  std::optional<std::int64_t> as_integer() const;
  std::optional<std::string> as_string() const;
  const std::vector<RedisValue>& elements() const { return elements_; }

  friend bool operator==(const RedisValue&, const RedisValue&) = default;

 private:
  Type type_ = Type::kNil;
  std::int64_t integer_ = 0;
  std::string string_;
  std::vector<RedisValue> elements_;
};

struct SetOptions {
  std::optional<std::chrono::milliseconds> expire_after;  // PX
  bool only_if_absent = false;                            // NX
};

class RedisConnection {
 public:
  virtual ~RedisConnection() = default;
  static core::Result<std::unique_ptr<RedisConnection>> connect(const RedisOptions& options);

  virtual core::Result<void> ping() = 0;
  // XADD stream * field value ...; returns the new entry id.
  virtual core::Result<std::string> xadd(const std::string& stream, const StreamFields& fields) = 0;
  // Several XADDs in one round trip (pipelined), in order; returns their ids.
  virtual core::Result<std::vector<std::string>> xadd_many(
      const std::string& stream, const std::vector<StreamFields>& entries) = 0;
  // XGROUP CREATE stream group $ MKSTREAM; succeeds when the group exists already.
  // `from_start` creates it at 0 instead of $ (consume what is already there).
  virtual core::Result<void> ensure_group(const std::string& stream, const std::string& group,
                                          bool from_start) = 0;
  // XREADGROUP GROUP group consumer COUNT count BLOCK block STREAMS stream <start>;
  // start ">" for new entries, "0" for this consumer's own pending ones. Empty on timeout.
  // A zero `block` does not block (Redis's BLOCK 0 would wait forever). The socket timeout
  // is stretched past `block` for this call. Reading "0", an entry deleted while pending
  // comes back with no fields; kNotFound when the group does not exist.
  virtual core::Result<std::vector<StreamEntry>> xreadgroup(
      const std::string& stream, const std::string& group, const std::string& consumer,
      std::size_t count, std::chrono::milliseconds block, const std::string& start) = 0;
  virtual core::Result<void> xack(const std::string& stream, const std::string& group,
                                  const std::string& id) = 0;
  // XAUTOCLAIM stream group consumer min-idle 0-0 COUNT count: entries pending longer
  // than `min_idle` in other consumers move to `consumer` (deliveries filled in).
  virtual core::Result<std::vector<StreamEntry>> xautoclaim(const std::string& stream,
                                                            const std::string& group,
                                                            const std::string& consumer,
                                                            std::chrono::milliseconds min_idle,
                                                            std::size_t count) = 0;
  // XCLAIM stream group consumer <min_idle> id... JUSTID: takes (or keeps) the pending
  // entries among `ids` that have been idle at least `min_idle`, resetting their idle time
  // without counting a delivery. With a zero `min_idle` it is how a consumer keeps the
  // entries it is working on from being claimed by others. Returns the ids it holds now;
  // ids no longer pending (acknowledged meanwhile) are left out.
  virtual core::Result<std::vector<std::string>> xclaim_ids(
      const std::string& stream, const std::string& group, const std::string& consumer,
      std::chrono::milliseconds min_idle, const std::vector<std::string>& ids) = 0;
  // XPENDING stream group id id 1: times delivered; 0 when the id is not pending.
  virtual core::Result<std::uint64_t> deliveries(const std::string& stream,
                                                 const std::string& group,
                                                 const std::string& id) = 0;
  // XRANGE stream start end COUNT count.
  virtual core::Result<std::vector<StreamEntry>> xrange(const std::string& stream,
                                                        const std::string& start,
                                                        const std::string& end,
                                                        std::size_t count) = 0;
  virtual core::Result<std::uint64_t> xlen(const std::string& stream) = 0;
  virtual core::Result<void> xdel(const std::string& stream, const std::string& id) = 0;
  // The group's lag (entries not yet delivered to it; Redis 7 XINFO GROUPS), nullopt if
  // Redis cannot tell; kNotFound when the stream or the group does not exist.
  virtual core::Result<std::optional<std::uint64_t>> group_lag(const std::string& stream,
                                                               const std::string& group) = 0;

  // --- keys and scripts ------------------------------------------------------------

  // GET key: nullopt when the key does not exist.
  virtual core::Result<std::optional<std::string>> get(const std::string& key) = 0;
  // SET key value [PX ms] [NX]: false when NX kept an existing value.
  virtual core::Result<bool> set(const std::string& key, const std::string& value,
                                 const SetOptions& options = {}) = 0;
  // DEL key...: how many existed.
  virtual core::Result<std::uint64_t> del(const std::vector<std::string>& keys) = 0;
  // INCRBY key amount: the value afterwards (a missing key counts from 0).
  virtual core::Result<std::int64_t> incrby(const std::string& key, std::int64_t amount) = 0;
  // PEXPIRE key ms: false when the key does not exist.
  virtual core::Result<bool> pexpire(const std::string& key, std::chrono::milliseconds ttl) = 0;
  // EVALSHA of the script, loading it (SCRIPT LOAD) first when Redis does not know it
  // (NOSCRIPT: a first use, a restarted Redis or a SCRIPT FLUSH), then retrying once.
  // kInternal for an error the script raised.
  virtual core::Result<RedisValue> evalsha(const RedisScript& script,
                                           const std::vector<std::string>& keys,
                                           const std::vector<std::string>& arguments) = 0;
  // EVAL source: for one-off scripts (each call sends the whole source).
  virtual core::Result<RedisValue> eval(const std::string& source,
                                        const std::vector<std::string>& keys,
                                        const std::vector<std::string>& arguments) = 0;
  // SCRIPT LOAD: makes the script known to Redis now (evalsha does it when needed).
  virtual core::Result<void> load_script(const RedisScript& script) = 0;
};

}  // namespace platform::events
