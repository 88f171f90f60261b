// One blocking hiredis connection that pipelines: the Redis limiter's thread owns it.
// hiredis itself stays in redis_link.cpp.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/result.h"

struct redisContext;

namespace platform::ratelimit::internal {

struct RedisEndpoint {
  std::string host;
  int port = 6379;
  std::string username;  // Redis 6 ACL user, or empty for the default user
  std::string password;
  int database = 0;
};

// redis://[[user]:password@]host[:port][/db]; kInvalidArgument (field "redis.url").
core::Result<RedisEndpoint> parse_redis_url(std::string_view url);

// A reply, reduced to what the limiter reads.
struct LinkReply {
  enum class Kind { kError, kIntegers, kText, kOther };
  Kind kind = Kind::kOther;
  std::string text;                    // an error's message, a status or string reply
  std::vector<std::int64_t> integers;  // an integer reply, or an array of integers
};

class RedisLink {
 public:
  RedisLink(RedisEndpoint endpoint, std::chrono::milliseconds connect_timeout,
            std::chrono::milliseconds io_timeout);
  ~RedisLink();
  RedisLink(const RedisLink&) = delete;
  RedisLink& operator=(const RedisLink&) = delete;

  // Connects, authenticates, selects the database and checks that Redis answers a PING
  // within the I/O timeout (a server that accepts but hangs is not "up").
  // kUnavailable with the reason in log_detail.
  core::Result<void> connect();
  bool connected() const { return context_ != nullptr; }
  void close();

  // Writes every command in one go, then reads every reply, in order. An I/O error or a
  // timeout closes the connection (hiredis cannot go on after one): kUnavailable.
  core::Result<std::vector<LinkReply>> pipeline(
      const std::vector<std::vector<std::string>>& commands);

  // "host:port", for logs.
  std::string address() const;

 private:
  core::Error broken(std::string_view what);

  RedisEndpoint endpoint_;
  std::chrono::milliseconds connect_timeout_;
  std::chrono::milliseconds io_timeout_;
  redisContext* context_ = nullptr;
};

// The SHA-1 of `text` in lower-case hex: the name EVALSHA knows a script by.
std::string sha1_hex(std::string_view text);

}  // namespace platform::ratelimit::internal
