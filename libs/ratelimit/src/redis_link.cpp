// RedisLink over hiredis 0.14. Arguments always go through redisAppendCommandArgv
// (binary-safe, never formatted into a command). After any I/O error or timeout hiredis
// leaves the context unusable, so it is freed at once; the owner connects again.
#include "redis_link.h"

#include <hiredis/hiredis.h>
#include <openssl/evp.h>
#include <sys/time.h>

#include <algorithm>
#include <charconv>
#include <memory>
#include <stdexcept>

#include "platform/core/url.h"

namespace platform::ratelimit::internal {
namespace {

using core::Error;
using core::Result;

timeval to_timeval(std::chrono::milliseconds duration) {
  const auto ms = std::max<long long>(duration.count(), 1);
  return timeval{static_cast<time_t>(ms / 1000), static_cast<suseconds_t>((ms % 1000) * 1000)};
}

struct ReplyDeleter {
  void operator()(redisReply* reply) const { freeReplyObject(reply); }
};
using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

std::string_view text_of(const redisReply* reply) {
  return reply->str ? std::string_view(reply->str, reply->len) : std::string_view();
}

LinkReply reduce(const redisReply* reply) {
  LinkReply out;
  switch (reply->type) {
    case REDIS_REPLY_ERROR:
      out.kind = LinkReply::Kind::kError;
      out.text = text_of(reply);
      break;
    case REDIS_REPLY_STATUS:
    case REDIS_REPLY_STRING:
      out.kind = LinkReply::Kind::kText;
      out.text = text_of(reply);
      break;
    case REDIS_REPLY_INTEGER:
      out.kind = LinkReply::Kind::kIntegers;
      out.integers.push_back(reply->integer);
      break;
    case REDIS_REPLY_ARRAY:
      out.kind = LinkReply::Kind::kIntegers;
      out.integers.reserve(reply->elements);
      for (std::size_t i = 0; i < reply->elements; ++i) {
        if (reply->element[i]->type != REDIS_REPLY_INTEGER) {
          out.kind = LinkReply::Kind::kOther;
          out.integers.clear();
          break;
        }
        out.integers.push_back(reply->element[i]->integer);
      }
      break;
    default:
      break;
  }
  return out;
}

Result<int> parse_database(std::string_view text) {
  int value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size() || value < 0 || value > (1 << 20))
    return Error::invalid_argument("redis.url", "database is not a valid number");
  return value;
}

}  // namespace

Result<RedisEndpoint> parse_redis_url(std::string_view text) {
  auto url = core::parse_url(text);
  if (!url) return Error::invalid_argument("redis.url", url.error().detail());
  if (url->scheme != "redis")
    return Error::invalid_argument("redis.url", "must start with redis://");
  if (url->host.empty()) return Error::invalid_argument("redis.url", "has no host");
  RedisEndpoint endpoint;
  endpoint.host = url->host;
  endpoint.port = url->port;
  if (url->password) {
    endpoint.username = url->user;
    endpoint.password = *url->password;
  } else {
    endpoint.password = url->user;  // "redis://secret@host": a bare password
  }
  std::string_view path = url->path;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  if (!path.empty()) {
    auto database = parse_database(path);
    if (!database) return std::move(database).error();
    endpoint.database = *database;
  }
  return endpoint;
}

RedisLink::RedisLink(RedisEndpoint endpoint, std::chrono::milliseconds connect_timeout,
                     std::chrono::milliseconds io_timeout)
    : endpoint_(std::move(endpoint)), connect_timeout_(connect_timeout), io_timeout_(io_timeout) {}

RedisLink::~RedisLink() {
  close();
}

void RedisLink::close() {
  if (context_) redisFree(context_);
  context_ = nullptr;
}

std::string RedisLink::address() const {
  return endpoint_.host + ":" + std::to_string(endpoint_.port);
}

Error RedisLink::broken(std::string_view what) {
  std::string why(what);
  if (context_ && context_->err) why.append(": ").append(context_->errstr);
  close();
  return Error::unavailable("Redis is unavailable", "redis " + address() + ": " + why);
}

Result<void> RedisLink::connect() {
  close();
  context_ =
      redisConnectWithTimeout(endpoint_.host.c_str(), endpoint_.port, to_timeval(connect_timeout_));
  if (!context_) return broken("cannot allocate a connection");
  if (context_->err) return broken("connect");
  if (redisSetTimeout(context_, to_timeval(io_timeout_)) != REDIS_OK) return broken("timeout");

  std::vector<std::vector<std::string>> setup;
  if (!endpoint_.password.empty()) {
    std::vector<std::string> auth{"AUTH"};
    if (!endpoint_.username.empty()) auth.push_back(endpoint_.username);
    auth.push_back(endpoint_.password);
    setup.push_back(std::move(auth));
  }
  if (endpoint_.database != 0) setup.push_back({"SELECT", std::to_string(endpoint_.database)});
  setup.push_back({"PING"});
  auto replies = pipeline(setup);
  if (!replies) return std::move(replies).error();
  for (const auto& reply : *replies) {
    if (reply.kind == LinkReply::Kind::kError) {
      close();
      return Error::unavailable("Redis is unavailable", "redis " + address() + ": " + reply.text);
    }
  }
  return core::ok();
}

Result<std::vector<LinkReply>> RedisLink::pipeline(
    const std::vector<std::vector<std::string>>& commands) {
  if (!context_) return Error::unavailable("Redis is unavailable", "not connected");
  std::vector<const char*> argv;
  std::vector<std::size_t> lengths;
  for (const auto& command : commands) {
    argv.clear();
    lengths.clear();
    for (const auto& argument : command) {
      argv.push_back(argument.data());
      lengths.push_back(argument.size());
    }
    if (redisAppendCommandArgv(context_, static_cast<int>(argv.size()), argv.data(),
                               lengths.data()) != REDIS_OK)
      return broken("append");
  }
  std::vector<LinkReply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(context_, &raw) != REDIS_OK || !raw) return broken("read");
    Reply reply(static_cast<redisReply*>(raw));
    replies.push_back(reduce(reply.get()));
  }
  return replies;
}

std::string sha1_hex(std::string_view text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int length = 0;
  if (EVP_Digest(text.data(), text.size(), digest, &length, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("SHA-1 is not available");  // a broken OpenSSL: cannot go on
  constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(std::size_t{2} * length);
  for (unsigned int i = 0; i < length; ++i) {
    hex.push_back(kHex[digest[i] >> 4]);
    hex.push_back(kHex[digest[i] & 0xf]);
  }
  return hex;
}

}  // namespace platform::ratelimit::internal
