// The client's exchange (Beast, Asio, OpenSSL). Reads top-down: a call's state and its
// deadline, then per shard (one network thread and its connections) the pool with its cap
// per host, connecting (DNS, TCP, TLS), one attempt (write the request, read the answer),
// the exchange with its one safe retry, streamed response bodies, metrics, and starting
// and stopping.
//
// Threads: the client owns `io_threads` shards, each an io_context run by one thread with
// connections of its own; a call lives on one shard from start to end, its host's (every
// call to a host runs on one shard, so the cap per host holds exactly). Everything a
// shard owns (pools, calls in flight, metric caches) is touched by its thread only and
// needs no lock. Request body pieces are read on a small pool of the client's (a
// BodySource may block); the caller's thread only builds the request and waits (send()).
//
// g++ 12 miscompiles some co_await expressions that hold non-trivial temporaries (and
// `?:` around co_await), so every co_await below takes named values only.
#include "platform/http/client.h"

#include <openssl/ssl.h>
#include <sys/socket.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <boost/asio/as_tuple.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/connect.hpp>
#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>
#include <boost/asio/thread_pool.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http/buffer_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <exception>
#include <future>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <type_traits>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "../beast_fields.h"
#include "../chunked.h"
#include "../event_loop_state.h"
#include "../field_text.h"
#include "../plain_head.h"
#include "../server/access_log.h"
#include "platform/core/strings.h"

namespace platform::http {

namespace {

namespace asio = boost::asio;
namespace ssl = boost::asio::ssl;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;
using HeaderParser = bhttp::response_parser<bhttp::string_body>;
using StreamParser = bhttp::response_parser<bhttp::buffer_body>;

constexpr auto kUseTuple = asio::as_tuple(asio::use_awaitable);

// Beast's parser defaults to 8 KiB of header; our servers allow 16 KiB plus the URL.
constexpr std::uint32_t kMaxResponseHeaderBytes = 64 * 1024;
// What a connection holds unparsed: a header (the parser refuses one over its limit), a
// chunk-size line or a trailer section (Beast bounds neither), with room for one read.
// A peer sending a line without end then gets an error, not our memory.
constexpr std::size_t kMaxUnparsedBytes = kMaxResponseHeaderBytes + std::size_t{16} * 1024;
// An idle connection younger than this is reused without a look at its socket when the
// call can be repeated (see take_idle).
constexpr std::chrono::seconds kTrustedIdle{1};
constexpr std::chrono::milliseconds kMinSweepInterval{10};
constexpr std::chrono::milliseconds kMaxSweepInterval{5000};
constexpr std::size_t kBodyChunk = std::size_t{64} * 1024;
// Room in a response's field list beyond what the peer sent: a proxy adds about this many
// (security, rate-limit, CORS fields) before passing the answer on.
constexpr std::size_t kRoomForAddedFields = 10;
constexpr std::size_t kAddedFieldBytes = 48;  // a name and a value, on average
// An answer read without Beast's parser (read_plain_answer) is at most this long, head
// and body, read 4 KiB at a time: what the connection's buffer holds for it (a buffer
// grows by doubling and keeps its size while pooled, as it does for Beast's reads).
constexpr std::size_t kPlainAnswerBytes = std::size_t{16} * 1024;
constexpr std::size_t kPlainReadChunk = 4096;
constexpr std::chrono::milliseconds kStopPollInterval{100};
// How long a server's stop waits for the calls of a client on its loop to end.
constexpr std::chrono::milliseconds kLoopStopWait{2000};

// A body piece read on another thread (a coroutine's result crossing co_spawn must be
// default-constructible, which Result is not).
struct Piece {
  std::size_t size = 0;
  std::optional<core::Error> error;
};

// A body already in memory, read like a streamed one.
class BufferedBody final : public BodyReader {
 public:
  explicit BufferedBody(std::string body) : body_(std::move(body)) {}
  core::Result<std::size_t> read(std::span<char> out) override {
    const std::size_t n = std::min(out.size(), body_.size() - position_);
    std::copy_n(body_.data() + position_, n, out.data());
    position_ += n;
    return n;
  }
  std::optional<std::uint64_t> content_length() const override { return body_.size(); }
  std::uint64_t bytes_read() const override { return position_; }

 private:
  std::string body_;
  std::size_t position_ = 0;
};

// Why a call's current operation was cut short.
enum class Abort { kNone, kDeadline, kConnectDeadline, kCancelled, kShutdown };

}  // namespace

struct Client::Impl {
  struct Shard;

  // Counts what the client left on a borrowed loop (a call, the idle sweep, a posted
  // step, a body read), so that a client going away while the loop runs waits until
  // nothing of it is left there.
  class TaskToken {
   public:
    explicit TaskToken(Impl& impl) : count_(&impl.tasks_) {
      count_->fetch_add(1, std::memory_order_relaxed);
    }
    TaskToken(TaskToken&& other) noexcept : count_(std::exchange(other.count_, nullptr)) {}
    TaskToken(const TaskToken&) = delete;
    TaskToken& operator=(const TaskToken&) = delete;
    TaskToken& operator=(TaskToken&&) = delete;
    ~TaskToken() {
      if (count_ != nullptr) count_->fetch_sub(1, std::memory_order_release);
    }

   private:
    std::atomic<std::size_t>* count_;
  };

  // ---- a connection ---------------------------------------------------------------------
  struct Connection {
    Connection(const asio::any_io_executor& executor, ssl::context* tls_context_) {
      if (tls_context_ != nullptr) {
        secure = std::make_unique<beast::ssl_stream<tcp::socket>>(executor, *tls_context_);
      } else {
        plain = std::make_unique<tcp::socket>(executor);
      }
    }
    // Not const: the stream it hands out is read, written and closed through.
    // NOLINTNEXTLINE(readability-make-member-function-const)
    tcp::socket& lowest() { return secure ? beast::get_lowest_layer(*secure) : *plain; }
    void close() {
      error_code ignored;
      lowest().shutdown(tcp::socket::shutdown_both, ignored);
      lowest().close(ignored);
    }
    // Non-blocking look at an idle connection: false when the peer closed it (or sent
    // bytes nobody asked for, which leaves the stream out of step).
    bool peer_still_connected() {
      auto& socket = lowest();
      if (!socket.is_open()) return false;
      char byte = 0;
      const auto received = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
      if (received >= 0) return false;
      return errno == EAGAIN || errno == EWOULDBLOCK;
    }

    // Sockets, not Beast's tcp_stream: the call's own timer bounds an exchange, and the
    // stream's per-operation wrapping cost a proxied request more than its timeouts saved.
    std::unique_ptr<tcp::socket> plain;
    std::unique_ptr<beast::ssl_stream<tcp::socket>> secure;
    // Bytes read but not parsed yet: empty between exchanges.
    beast::flat_buffer buffer{kMaxUnparsedBytes};
    Clock::time_point idle_since;
  };
  using ConnectionPtr = std::unique_ptr<Connection>;

  // A call waiting for room in its host's pool.
  struct Waiter {
    explicit Waiter(const asio::any_io_executor& executor) : wake(executor) {}
    asio::steady_timer wake;
    ConnectionPtr handed;     // a released connection, given to this call
    bool may_create = false;  // a slot freed up: connect a new one
  };

  struct HostPool {
    std::deque<ConnectionPtr> idle;  // newest at the back
    std::size_t in_use = 0;          // connections out of the pool (calls, body streams)
    std::deque<Waiter*> waiters;
  };

  // ---- a call ---------------------------------------------------------------------------
  // Lives on one shard; touched by its thread only. Owned by its coroutine (run_call):
  // timers and handles hold it weakly, so that it goes when the call ends.
  struct Call : std::enable_shared_from_this<Call> {
    Call(Shard& owner, Callback callback)
        : task(owner.impl), shard(owner), abort_timer(owner.executor), done(std::move(callback)) {}

    // First, so that it goes last: nothing of the call is left when the count drops.
    TaskToken task;
    Shard& shard;
    Url url;
    std::string pool_key;  // "https://host:port"
    std::string peer;      // metric label and error wording
    std::string method;
    std::string head;  // the request line and header fields, as sent
    std::string body;
    std::shared_ptr<BodySource> source;
    std::optional<std::uint64_t> source_size;
    std::optional<core::Error> body_failure;  // the source's own error, when a read failed
    bool stream_response = false;
    std::uint64_t buffer_response_up_to = 0;
    Clock::time_point started;
    Clock::time_point deadline;
    // The current operation's end: the deadline, or the connect deadline while connecting.
    asio::steady_timer abort_timer;
    Abort aborted = Abort::kNone;
    Abort timer_reason = Abort::kDeadline;
    std::uint64_t timer_generation = 0;  // which arm() the abort timer serves
    // What the abort must reach, whichever the call is doing now.
    Connection* connection = nullptr;
    tcp::resolver* resolver = nullptr;
    Waiter* waiter = nullptr;
    Callback done;
  };

  // How one attempt on one connection ended.
  struct Attempt {
    std::optional<ClientResponse> response;  // set on success
    bool keep_alive = false;                 // the connection may serve another call
    std::unique_ptr<StreamParser> stream;    // the unread body, with stream_response
    error_code ec;
    bool written = false;
    bool response_started = false;
    bool read_whole = false;  // with stream_response: small enough to be read at once
  };

  // ---- a shard --------------------------------------------------------------------------
  // With threads of the client's own: an io_context and its thread. On a server's loop:
  // the loop's io_context (a strand of it when several threads run it), no thread.
  struct Shard {
    Shard(Impl& owner, EventLoop::State* loop)
        : impl(owner),
          own(loop == nullptr ? std::make_unique<asio::io_context>(1) : nullptr),
          executor(executor_for(own.get(), loop)),
          sweep_timer(executor) {
      if (own) work.emplace(own->get_executor());
    }
    static asio::any_io_executor executor_for(asio::io_context* own, EventLoop::State* loop) {
      if (own != nullptr) return own->get_executor();
      if (loop->threads > 1) return asio::make_strand(loop->ioc);
      return loop->ioc.get_executor();
    }
    Impl& impl;
    std::unique_ptr<asio::io_context> own;
    asio::any_io_executor executor;
    std::optional<asio::executor_work_guard<asio::io_context::executor_type>> work;
    asio::steady_timer sweep_timer;
    std::thread thread;
    // thread only
    bool stopping = false;
    std::unordered_map<std::string, HostPool> pools;
    std::unordered_set<Call*> calls;
    // Connections a body stream reads from. The shard owns them, not the stream: a stream
    // may outlive the client, and a socket must not outlive its io_context.
    std::unordered_map<Connection*, ConnectionPtr> streaming;
    metrics::SeriesCache<metrics::Counter*> counters;
    metrics::SeriesCache<metrics::Histogram*> histograms;
  };

  class ResponseStream;

  Impl(ClientOptions client_options, metrics::Registry* metrics_registry,
       logging::Logger* client_logger)
      : options_(std::move(client_options)), registry_(metrics_registry), logger_(client_logger) {
    make_tls_context();
    loop_ = options_.event_loop ? &options_.event_loop->state() : nullptr;
    const int count = loop_ != nullptr ? 1 : std::max(1, options_.io_threads);
    for (int i = 0; i < count; ++i) shards_.push_back(std::make_unique<Shard>(*this, loop_));
    for (auto& shard : shards_) {
      Shard* raw = shard.get();
      asio::co_spawn(raw->executor, sweep_idle(*raw),
                     [this, task = TaskToken(*this)](const std::exception_ptr& failure) {
                       report_failure("idle sweep", failure);
                     });
      if (raw->own) raw->thread = std::thread([this, raw] { run_io(*raw); });
    }
    if (loop_ != nullptr) {
      loop_user_ = loop_->attach([this] { stop_on_loop(); });
      if (!loop_user_) detached_ = true;  // the server stopped already
    }
  }

  ~Impl() {
    if (loop_ != nullptr) {
      leave_loop();
    } else {
      {
        std::lock_guard lock(gate_->mutex);
        gate_->open = false;
      }
      post_shut_down();
      for (auto& shard : shards_) shard->work.reset();
      for (auto& shard : shards_) shard->thread.join();
    }
    body_readers_.join();
  }

  // ---- on a server's loop ------------------------------------------------------------------

  // The server stops (EventLoop::State::stop_users): the calls end while the loop still
  // runs, later ones are refused at once.
  void stop_on_loop() {
    {
      std::lock_guard lock(gate_->mutex);
      if (detached_) return;
      detached_ = true;
    }
    post_shut_down();
    const auto until = Clock::now() + kLoopStopWait;
    wait_while_tasks([until] { return Clock::now() < until; });
  }

  // The client goes away: shut down (unless the server's stop did), then wait, while the
  // loop runs, until nothing of the client is left on it. A loop that never ran or was
  // stopped runs nothing of ours any more.
  void leave_loop() {
    if (loop_user_) loop_->detach(*loop_user_);
    bool shut = false;
    {
      std::lock_guard lock(gate_->mutex);
      gate_->open = false;
      shut = detached_;
      detached_ = true;
    }
    if (!shut) post_shut_down();
    wait_while_tasks(
        [this] { return loop_->current_phase() == EventLoop::State::Phase::kRunning; });
  }

  // Each shard's pool is shut down on the shard's own thread, which owns it.
  void post_shut_down() {
    for (auto& shard : shards_) {
      Shard* raw = shard.get();
      asio::post(raw->executor, [this, raw] { shut_down(*raw); });
    }
  }

  // Waits while some of the client's tasks are still on the loop and `worth_waiting()`.
  template <typename Condition>
  void wait_while_tasks(Condition worth_waiting) {
    while (tasks_.load(std::memory_order_acquire) > 0 && worth_waiting()) {
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
  }

  // One TLS context for every https connection, made once: the peer's chain is verified
  // against the system's store (or ca_file), TLS 1.2 at least.
  void make_tls_context() {
    tls_context_ = std::make_unique<ssl::context>(ssl::context::tls_client);
    error_code ec;
    tls_context_->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 |
                                  ssl::context::no_sslv3 | ssl::context::no_tlsv1 |
                                  ssl::context::no_tlsv1_1,
                              ec);
    if (ec) throw std::runtime_error("http client: TLS options: " + ec.message());
    if (options_.ca_file.empty()) {
      tls_context_->set_default_verify_paths(ec);
    } else {
      tls_context_->load_verify_file(options_.ca_file, ec);
    }
    if (ec) {
      throw std::runtime_error(
          "http client: cannot load the trusted certificates " +
          (options_.ca_file.empty() ? std::string("of the system") : "from " + options_.ca_file) +
          ": " + ec.message());
    }
    tls_context_->set_verify_mode(ssl::verify_peer, ec);
    if (ec) throw std::runtime_error("http client: TLS verify mode: " + ec.message());
  }

  // ---- on the caller's thread -----------------------------------------------------------

  bool on_client_thread() const {
    if (loop_ != nullptr) return loop_->runs_this_thread();
    const auto self = std::this_thread::get_id();
    for (const auto& shard : shards_) {
      if (shard->thread.get_id() == self) return true;
    }
    return false;
  }

  static std::string pool_key_of(const Url& url) { return url.scheme + "://" + url.authority(); }

  // Every call to one host runs on one shard, whose pool holds the cap per host: spread
  // over shards, each would allow the cap again.
  Shard& shard_for(const std::string& pool_key) {
    if (shards_.size() == 1) return *shards_.front();
    return *shards_[std::hash<std::string>{}(pool_key) % shards_.size()];
  }

  core::Result<void> prepare(Call& call, Url url, std::string pool_key, ClientRequest& request,
                             const CallOptions& call_options) const {
    call.url = std::move(url);
    call.pool_key = std::move(pool_key);
    call.peer = options_.peer_name.empty() ? call.url.authority() : options_.peer_name;
    call.method = request.method;
    call.started = Clock::now();
    if (call_options.timeout && call_options.deadline) {
      call.deadline = std::min(call.started + *call_options.timeout, *call_options.deadline);
    } else if (call_options.timeout) {
      call.deadline = call.started + *call_options.timeout;
    } else if (call_options.deadline) {
      call.deadline = *call_options.deadline;
    } else {
      call.deadline = call.started + options_.request_timeout;
    }
    call.stream_response = call_options.stream_response;
    call.buffer_response_up_to = call_options.buffer_response_up_to;
    if (!detail::is_token(request.method)) {
      return core::Error::invalid_argument("method", "\"" + request.method + "\" is not a method");
    }
    // Written as text, as Beast's serializer would write the same fields (values trimmed
    // of surrounding blanks), without copying each into a Beast message first.
    std::string& head = call.head;
    head.reserve(256);
    using namespace std::string_view_literals;  // appends of a known size: no strlen
    head.append(request.method).append(1, ' ').append(call.url.target).append(" HTTP/1.1\r\n"sv);
    const auto add = [&head](std::string_view name, std::string_view value) {
      head.append(name).append(": "sv).append(core::trim(value)).append("\r\n"sv);
    };
    remove_hop_by_hop(request.headers);
    // The fields the client adds when the request has none of its own, noted on the way.
    bool has_host = false;
    bool has_user_agent = false;
    bool has_request_id = false;
    bool has_traceparent = false;
    for (const auto& field : request.headers) {
      if (!detail::is_token(field.name) || detail::has_line_break(field.value)) {
        return core::Error::invalid_argument(
            "headers", "invalid header field \"" + std::string(field.name) + "\"");
      }
      switch (field.name.size()) {  // by length first: most names have none of these
        case 4:
          has_host = has_host || core::iequals(field.name, "Host");
          break;
        case 10:
          has_user_agent = has_user_agent || core::iequals(field.name, "User-Agent");
          break;
        case 11:
          has_traceparent = has_traceparent || core::iequals(field.name, "traceparent");
          break;
        case 12:
          has_request_id = has_request_id || core::iequals(field.name, "X-Request-ID");
          break;
        case 14:
          if (core::iequals(field.name, "Content-Length")) continue;
          break;
        default:
          break;
      }
      add(field.name, field.value);
    }
    if (!has_host) add("Host", call.url.host_header());
    if (!has_user_agent && !options_.user_agent.empty()) add("User-Agent", options_.user_agent);
    if (const TraceContext* trace = call_options.trace; trace != nullptr) {
      if (!trace->request_id.empty() && !has_request_id) add("X-Request-ID", trace->request_id);
      if (!trace->trace_id.empty() && !has_traceparent) {
        add("traceparent", trace->child_traceparent());
      }
    }
    if (request.body_source) {
      call.source = std::move(request.body_source);
      call.source_size = call.source->size();
      if (call.source_size) {
        add("Content-Length", std::to_string(*call.source_size));
      } else {
        add("Transfer-Encoding", "chunked");
      }
    } else {
      call.body = std::move(request.body);
      const bool sends_body = !call.body.empty() || request.method == "POST" ||
                              request.method == "PUT" || request.method == "PATCH";
      if (sends_body) add("Content-Length", std::to_string(call.body.size()));
    }
    head.append("\r\n");
    return core::ok();
  }

  CallHandle start(ClientRequest request, const CallOptions& call_options, Callback done) {
    auto url = parse_url(request.url);
    std::string pool_key = url ? pool_key_of(*url) : std::string();
    Shard& shard = url ? shard_for(pool_key) : *shards_.front();
    std::shared_ptr<Call> call;
    if (loop_ != nullptr) {
      // Counted (the Call's token) before the server's stop could miss it, or refused.
      std::unique_lock lock(gate_->mutex);
      if (detached_) {
        lock.unlock();
        done(core::Error::unavailable("the client is shutting down"));
        return {};
      }
      call = std::make_shared<Call>(shard, std::move(done));
    } else {
      call = std::make_shared<Call>(shard, std::move(done));
    }
    auto prepared =
        url ? prepare(*call, std::move(*url), std::move(pool_key), request, call_options)
            : core::Result<void>(std::move(url).error());
    if (!prepared) {
      // Refused before anything was sent: answered on the shard all the same, so that the
      // callback always runs on a client thread.
      asio::post(shard.executor, [call, error = std::move(prepared).error()]() mutable {
        call->done(std::move(error));
      });
      return {};
    }
    // On the shard's own thread (a proxy's handler on a shared loop) the call begins now,
    // its request written before start() returns, rather than a turn of the loop later;
    // the callback may then come before start() returns, as it may from any thread.
    asio::dispatch(shard.executor, [this, call] {
      asio::co_spawn(
          call->shard.executor, run_call(call), [this, call](const std::exception_ptr& f) {
            if (f) {
              report_failure("client call", f);
              finish(*call, core::Error::internal("the client's exchange threw an exception"));
            }
          });
    });
    CallHandle handle;
    std::weak_ptr<Call> weak = call;
    std::shared_ptr<Gate> open = gate_;
    handle.cancel_ = [this, weak, open, shard = &shard] {
      std::lock_guard lock(open->mutex);
      if (!open->open) return;
      asio::post(shard->executor, [this, weak] {
        if (auto alive = weak.lock()) abort(*alive, Abort::kCancelled);
      });
    };
    return handle;
  }

  core::Result<ClientResponse> send(ClientRequest request, const CallOptions& call_options) {
    if (on_client_thread()) {
      return core::Error::internal("Client::send called on one of the client's own threads");
    }
    auto promise = std::make_shared<std::promise<core::Result<ClientResponse>>>();
    auto answer = promise->get_future();
    start(std::move(request), call_options, [promise](core::Result<ClientResponse> result) {
      promise->set_value(std::move(result));
    });
    try {
      return answer.get();
    } catch (const std::future_error&) {
      // The io_context dropped the call unrun: the client is being destroyed.
      return core::Error::unavailable("the client is shutting down");
    }
  }

  // ---- the call's deadline and aborts (shard thread) ------------------------------------

  // Cuts the call's current operation short; the exchange sees `aborted` when it resumes.
  // The connection closes: after an abort it can serve nothing more, and a closed socket
  // also fails the operations the call would start next.
  void abort(Call& call, Abort reason) {
    if (call.aborted != Abort::kNone || call.done == nullptr) return;
    call.aborted = reason;
    error_code ignored;
    call.abort_timer.cancel();
    if (call.resolver != nullptr) call.resolver->cancel();
    if (call.waiter != nullptr) call.waiter->wake.cancel();
    if (call.connection != nullptr) call.connection->lowest().close(ignored);
  }

  // Arms the abort timer for `until`, reporting `reason` when it passes.
  // The handler holds the call weakly: a timer that expired as the call ended runs after
  // cancel() could stop it, when the call may be gone; an earlier arm's, after re-arming.
  void arm(Call& call, Clock::time_point until, Abort reason) {
    call.timer_reason = reason;
    const std::uint64_t generation = ++call.timer_generation;
    call.abort_timer.expires_at(until);
    call.abort_timer.async_wait(
        [this, weak = call.weak_from_this(), generation, reason](const error_code& ec) {
          const auto alive = weak.lock();
          if (ec || !alive || alive->timer_generation != generation) return;
          abort(*alive, reason);
        });
  }

  void finish(Call& call, core::Result<ClientResponse>&& result) const {
    if (!call.done) return;
    Callback done = std::move(call.done);
    call.done = nullptr;
    try {
      done(std::move(result));
    } catch (const std::exception& error) {
      log_error("a client callback threw", error.what());
    } catch (...) {
      log_error("a client callback threw", "unknown exception");
    }
  }

  // ---- one call (shard thread) -------------------------------------------------------------

  asio::awaitable<void> run_call(std::shared_ptr<Call> call) {
    Shard& shard = call->shard;
    shard.calls.insert(call.get());
    if (shard.stopping) call->aborted = Abort::kShutdown;
    arm(*call, call->deadline, Abort::kDeadline);
    core::Result<ClientResponse> result = co_await exchange(*call);
    call->abort_timer.cancel();
    shard.calls.erase(call.get());
    record(*call, result ? std::to_string(result->status) : std::string("error"));
    finish(*call, std::move(result));
  }

  asio::awaitable<core::Result<ClientResponse>> exchange(Call& call) {
    bool retried = false;
    for (;;) {
      if (call.aborted != Abort::kNone) co_return aborted_error(call);
      // An idle pooled connection, most calls' lot, is taken without a coroutine of its own.
      bool reused = true;
      ConnectionPtr connection = reuse_idle(call);
      if (!connection) {
        reused = false;
        auto acquired = co_await acquire(call, reused);
        if (!acquired) co_return std::move(acquired).error();
        connection = std::move(*acquired);
      }
      call.connection = connection.get();
      Attempt attempt;
      if (connection->secure) {
        attempt = co_await attempt_on(*connection->secure, *connection, call);
      } else {
        attempt = co_await attempt_on(*connection->plain, *connection, call);
      }
      call.connection = nullptr;
      if (!attempt.ec) {
        ClientResponse response = std::move(*attempt.response);
        if (attempt.stream) {
          response.body_stream = make_stream(call, std::move(connection), std::move(attempt.stream),
                                             attempt.keep_alive);
          co_return response;
        }
        release(call.shard, call.pool_key, std::move(connection), attempt.keep_alive);
        if (call.stream_response && !attempt.read_whole) {
          // No body left to stream (none, or it came with the header): a stream all the
          // same, so that callers read every answer one way.
          response.body_stream = std::make_shared<BufferedBody>(std::move(response.body));
          response.body.clear();
        }
        co_return response;
      }
      release(call.shard, call.pool_key, std::move(connection), /*reusable=*/false);
      // The caller's own body could not be read: its error, whatever else ended the call.
      if (call.body_failure) co_return std::move(call.body_failure->with_request_body_failed());
      if (call.aborted != Abort::kNone) co_return aborted_error(call);
      const FailedAttempt failed{.reused_connection = reused,
                                 .request_written = attempt.written,
                                 .response_started = attempt.response_started,
                                 .timed_out = false};
      // A streamed request body cannot be read again.
      const bool repeatable = !call.source;
      if (retried || !repeatable || !may_retry_on_fresh_connection(call.method, failed)) {
        co_return exchange_error(call, attempt);
      }
      // The peer closed a pooled connection (restart, idle timeout): the others it held
      // for us are most likely closed too.
      drop_idle(call.shard, call.pool_key);
      retried = true;
    }
  }

  // ---- the pool (shard thread) ---------------------------------------------------------------

  // A connection for the call when no idle one was fit (the caller tried reuse_idle()
  // first): a new one while the host is under its cap, else the next one released (or the
  // slot of one closed) within the deadline.
  asio::awaitable<core::Result<ConnectionPtr>> acquire(Call& call, bool& reused) {
    Shard& shard = call.shard;
    HostPool& pool = shard.pools[call.pool_key];
    const std::size_t cap = options_.max_connections_per_host;
    if (cap == 0 || pool.in_use + pool.idle.size() < cap) {
      ++pool.in_use;
      auto connected = co_await connect(call);
      if (!connected) release_slot(shard, call.pool_key);
      co_return connected;
    }
    waits_counter(call).inc();
    Waiter waiter(shard.executor);
    waiter.wake.expires_at(asio::steady_timer::time_point::max());
    pool.waiters.push_back(&waiter);
    call.waiter = &waiter;
    while (!waiter.handed && !waiter.may_create && call.aborted == Abort::kNone) {
      [[maybe_unused]] auto [wait_ec] = co_await waiter.wake.async_wait(kUseTuple);
    }
    call.waiter = nullptr;
    HostPool& same_pool = shard.pools[call.pool_key];  // the map may have rehashed
    std::erase(same_pool.waiters, &waiter);
    if (waiter.handed) {
      if (call.aborted != Abort::kNone) {
        // Handed a connection as the call ended (its deadline, a cancel): the deadline
        // timer has fired already and could not bound the exchange, so the call gives up
        // and the connection goes to the next waiter.
        release(shard, call.pool_key, std::move(waiter.handed), /*reusable=*/true);
        co_return aborted_error(call);
      }
      reused = true;
      co_return std::move(waiter.handed);
    }
    if (waiter.may_create) {
      if (call.aborted != Abort::kNone) {
        release_slot(shard, call.pool_key);
        co_return aborted_error(call);
      }
      auto connected = co_await connect(call);
      if (!connected) release_slot(shard, call.pool_key);
      co_return connected;
    }
    co_return aborted_error(call);
  }

  // An idle connection of the call's pool, counted in use; null when none is fit. Not
  // const: it changes the pool (through the call's shard).
  // NOLINTNEXTLINE(readability-make-member-function-const)
  ConnectionPtr reuse_idle(const Call& call) {
    HostPool& pool = call.shard.pools[call.pool_key];
    ConnectionPtr idle = take_idle(pool, call);
    if (idle) ++pool.in_use;
    return idle;
  }

  // The newest idle connection that is still good for `call`. One back in the pool for
  // less than kTrustedIdle is taken without a look at the socket (a syscall per call) when
  // the call could be sent again on a fresh connection: a peer does not close a
  // keep-alive connection that soon unless it goes down, and then the call is repeated.
  ConnectionPtr take_idle(HostPool& pool, const Call& call) const {
    const auto now = Clock::now();
    const bool repeatable = !call.source && is_idempotent_method(call.method);
    while (!pool.idle.empty()) {
      ConnectionPtr connection = std::move(pool.idle.back());
      pool.idle.pop_back();
      const auto idle_for = now - connection->idle_since;
      if (idle_for <= options_.idle_connection_ttl &&
          ((repeatable && idle_for < kTrustedIdle) || connection->peer_still_connected())) {
        return connection;
      }
      connection->close();
    }
    return nullptr;
  }

  // Gives a connection back: to a waiting call, to the idle pool, or closed.
  void release(Shard& shard, const std::string& key, ConnectionPtr connection, bool reusable) {
    HostPool& pool = shard.pools[key];
    if (reusable && !shard.stopping && connection->buffer.size() == 0) {
      if (!pool.waiters.empty()) {
        Waiter* waiter = pool.waiters.front();
        pool.waiters.pop_front();
        waiter->handed = std::move(connection);
        waiter->wake.cancel();
        return;  // still in use, by the waiter now
      }
      if (options_.max_idle_connections_per_host > 0) {
        while (pool.idle.size() >= options_.max_idle_connections_per_host) {
          pool.idle.front()->close();  // the oldest
          pool.idle.pop_front();
        }
        connection->idle_since = Clock::now();
        pool.idle.push_back(std::move(connection));
        --pool.in_use;
        return;
      }
    }
    connection->close();
    release_slot(shard, key);
  }

  // A connection of this host was closed (or never opened): its slot goes to a waiter.
  void release_slot(Shard& shard, const std::string& key) {
    HostPool& pool = shard.pools[key];
    if (!pool.waiters.empty()) {
      Waiter* waiter = pool.waiters.front();
      pool.waiters.pop_front();
      waiter->may_create = true;
      waiter->wake.cancel();
      return;  // the slot stays counted, for the waiter's new connection
    }
    if (pool.in_use > 0) --pool.in_use;
  }

  void drop_idle(Shard& shard, const std::string& key) {
    HostPool& pool = shard.pools[key];
    for (auto& connection : pool.idle) connection->close();
    pool.idle.clear();
  }

  // Closes what outlived the TTL or what the peer closed, so that sockets do not wait in
  // CLOSE_WAIT for the next call to the same peer.
  asio::awaitable<void> sweep_idle(Shard& shard) const {
    const auto interval = std::clamp<std::chrono::milliseconds>(
        options_.idle_connection_ttl / 2, kMinSweepInterval, kMaxSweepInterval);
    for (;;) {
      shard.sweep_timer.expires_after(interval);
      auto [ec] = co_await shard.sweep_timer.async_wait(kUseTuple);
      if (ec || shard.stopping) co_return;
      const auto now = Clock::now();
      for (auto& [key, pool] : shard.pools) {
        std::erase_if(pool.idle, [&](ConnectionPtr& connection) {
          if (now - connection->idle_since <= options_.idle_connection_ttl &&
              connection->peer_still_connected()) {
            return false;
          }
          connection->close();
          return true;
        });
      }
    }
  }

  // ---- connecting (shard thread) --------------------------------------------------------------

  asio::awaitable<core::Result<ConnectionPtr>> connect(Call& call) {
    Shard& shard = call.shard;
    const auto connect_deadline = std::min(call.deadline, Clock::now() + options_.connect_timeout);
    if (connect_deadline < call.deadline) arm(call, connect_deadline, Abort::kConnectDeadline);
    auto connected = co_await open_connection(call);
    if (call.timer_reason == Abort::kConnectDeadline) arm(call, call.deadline, Abort::kDeadline);
    (void)shard;
    co_return connected;
  }

  asio::awaitable<core::Result<ConnectionPtr>> open_connection(Call& call) const {
    Shard& shard = call.shard;
    std::vector<tcp::endpoint> endpoints;
    error_code address_ec;
    const auto address = asio::ip::make_address(call.url.host, address_ec);
    if (!address_ec) {
      endpoints.emplace_back(address, call.url.port);
    } else {
      tcp::resolver resolver(shard.executor);
      call.resolver = &resolver;
      const std::string port = std::to_string(call.url.port);
      auto [ec, results] = co_await resolver.async_resolve(
          call.url.host, port, tcp::resolver::numeric_service, kUseTuple);
      call.resolver = nullptr;
      if (call.aborted != Abort::kNone) co_return aborted_error(call);
      if (ec) {
        co_return unavailable(call, "cannot resolve " + call.url.host + ": " + ec.message())
            .with_never_sent();
      }
      for (const auto& entry : results) endpoints.push_back(entry.endpoint());
    }
    ssl::context* tls = call.url.tls() ? tls_context_.get() : nullptr;
    auto connection = std::make_unique<Connection>(shard.executor, tls);
    call.connection = connection.get();
    auto [ec, endpoint] = co_await asio::async_connect(connection->lowest(), endpoints, kUseTuple);
    if (call.aborted != Abort::kNone) {
      call.connection = nullptr;
      co_return never_sent(aborted_error(call));
    }
    if (ec) {
      call.connection = nullptr;
      co_return unavailable(call, ec.message()).with_never_sent();
    }
    error_code ignored;
    connection->lowest().set_option(tcp::no_delay(true), ignored);
    if (connection->secure) {
      // SNI, and the name the certificate must carry.
      if (SSL_set_tlsext_host_name(connection->secure->native_handle(), call.url.host.c_str()) !=
          1) {
        call.connection = nullptr;
        co_return unavailable(call, "cannot set the TLS server name");
      }
      connection->secure->set_verify_callback(ssl::host_name_verification(call.url.host));
      auto [handshake_ec] =
          co_await connection->secure->async_handshake(ssl::stream_base::client, kUseTuple);
      if (call.aborted != Abort::kNone) {
        call.connection = nullptr;
        co_return aborted_error(call);
      }
      if (handshake_ec) {
        call.connection = nullptr;
        co_return unavailable(call, "TLS handshake failed: " + handshake_ec.message())
            .with_never_sent();
      }
    }
    call.connection = nullptr;
    co_return std::move(connection);
  }

  // ---- one attempt (shard thread) ---------------------------------------------------------------

  template <typename Stream>
  asio::awaitable<Attempt> attempt_on(Stream& stream, Connection& connection, Call& call) {
    Attempt attempt;
    if (!call.source) {
      // The head and a body held whole go out in one write.
      const std::array<asio::const_buffer, 2> message{asio::buffer(call.head),
                                                      asio::buffer(call.body)};
      auto [ec, written] = co_await asio::async_write(stream, message, kUseTuple);
      if (ec) {
        attempt.ec = ec;
        co_return attempt;
      }
    } else {
      auto [header_ec, header_bytes] =
          co_await asio::async_write(stream, asio::buffer(call.head), kUseTuple);
      if (header_ec) {
        attempt.ec = header_ec;
        co_return attempt;
      }
      error_code body_ec = co_await write_source(stream, call);
      if (body_ec) {
        attempt.ec = body_ec;
        co_return attempt;
      }
    }
    attempt.written = true;
    if constexpr (std::is_same_v<Stream, tcp::socket>) {
      if (co_await read_plain_answer(stream, connection, call, attempt)) co_return attempt;
    }
    for (;;) {
      HeaderParser parser;
      parser.header_limit(kMaxResponseHeaderBytes);
      // Beast checks a declared Content-Length against the limit with the header: a
      // streamed body has none of ours.
      if (call.stream_response) {
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
      } else {
        parser.body_limit(options_.max_response_bytes);
      }
      if (call.method == "HEAD") parser.skip(true);
      auto [read_ec, read] =
          co_await bhttp::async_read_header(stream, connection.buffer, parser, kUseTuple);
      attempt.response_started =
          attempt.response_started || parser.got_some() || connection.buffer.size() > 0;
      if (read_ec) {
        attempt.ec = read_ec;
        co_return attempt;
      }
      const int status = static_cast<int>(parser.get().result_int());
      // An interim answer (100 Continue, 103 Early Hints) comes before the real one.
      if (status < 200 && status != 101) continue;
      ClientResponse response;
      response.peer = call.peer;
      response.status = status;
      // With room for the fields a proxy adds to what it passes on.
      detail::copy_fields(parser.get(), response.headers, kRoomForAddedFields,
                          kRoomForAddedFields * kAddedFieldBytes);
      remove_hop_by_hop(response.headers);
      const bool peer_keeps_alive = parser.get().keep_alive() && status != 101;
      const auto declared = parser.content_length();
      attempt.read_whole = call.stream_response && declared && *declared > 0 &&
                           *declared <= call.buffer_response_up_to;
      if (call.stream_response && !parser.is_done() && !attempt.read_whole) {
        attempt.stream = std::make_unique<StreamParser>(std::move(parser));
        attempt.keep_alive = peer_keeps_alive;
        attempt.response = std::move(response);
        co_return attempt;
      }
      if (!parser.is_done()) {
        auto [body_read_ec, body_read] =
            co_await bhttp::async_read(stream, connection.buffer, parser, kUseTuple);
        if (body_read_ec) {
          attempt.ec = body_read_ec;
          co_return attempt;
        }
      }
      response.body = std::move(parser.get().body());
      attempt.keep_alive = peer_keeps_alive && connection.buffer.size() == 0;
      attempt.response = std::move(response);
      co_return attempt;
    }
  }

  // The answer read without Beast when it is plain (src/plain_head.h): its head in the
  // form every platform service writes, its body framed by a Content-Length, the whole
  // at most kPlainAnswerBytes. Beast's parser cost more than the rest of a proxied
  // answer's way back. True when `attempt` holds the outcome (the answer, or the error
  // that ended the reading); false when Beast's parser is to read the answer, from the
  // same buffer, which then holds the bytes read so far and nothing consumed.
  asio::awaitable<bool> read_plain_answer(tcp::socket& stream, Connection& connection, Call& call,
                                          Attempt& attempt) const {
    if (call.method == "HEAD") co_return false;  // a length with no body after it
    beast::flat_buffer& buffer = connection.buffer;
    const auto bytes = [&buffer] {
      return std::string_view(static_cast<const char*>(buffer.data().data()), buffer.size());
    };
    std::size_t head_size = 0;
    for (;;) {
      if (const auto end = bytes().find("\r\n\r\n"); end != std::string_view::npos) {
        head_size = end + 4;
        break;
      }
      if (buffer.size() >= kPlainAnswerBytes || !detail::may_become_plain_response_head(bytes())) {
        co_return false;
      }
      auto [ec, read] = co_await stream.async_read_some(
          buffer.prepare(std::min(kPlainReadChunk, kPlainAnswerBytes - buffer.size())), kUseTuple);
      buffer.commit(read);
      if (ec) {
        // As Beast reports it (exchange_error reads eof as its end_of_stream): not left
        // to Beast, whose read after an end of stream would wait for the deadline.
        attempt.ec = ec;
        attempt.response_started = buffer.size() > 0;
        co_return true;
      }
    }
    const auto head = detail::parse_plain_response_head(bytes().substr(0, head_size));
    if (!head ||
        head->content_length > kPlainAnswerBytes - std::min(head_size, kPlainAnswerBytes)) {
      co_return false;
    }
    const auto length = static_cast<std::size_t>(head->content_length);
    if (call.stream_response) {
      // A body larger than the caller buffers is streamed, by Beast's parser.
      attempt.read_whole = length > 0 && length <= call.buffer_response_up_to;
      if (length > 0 && !attempt.read_whole) co_return false;
    } else if (length > options_.max_response_bytes) {
      co_return false;  // Beast refuses it with its body_limit error
    }
    const std::size_t message_size = head_size + length;
    attempt.response_started = true;
    while (buffer.size() < message_size) {
      auto [ec, read] =
          co_await stream.async_read_some(buffer.prepare(message_size - buffer.size()), kUseTuple);
      buffer.commit(read);
      if (ec) {
        attempt.ec = ec;  // as Beast's partial_message: closed in the middle of the answer
        co_return true;
      }
    }
    ClientResponse response;
    response.peer = call.peer;
    response.status = head->status;
    const std::string_view message = bytes();
    // With room for the fields a proxy adds to what it passes on.
    response.headers.reserve(head->field_count + kRoomForAddedFields,
                             head->field_bytes + kRoomForAddedFields * kAddedFieldBytes);
    detail::for_each_field(message.substr(0, head_size),
                           [&response](std::string_view name, std::string_view value) {
                             response.headers.add(name, value);
                           });
    remove_hop_by_hop(response.headers);
    response.body.assign(message.substr(head_size, length));
    buffer.consume(message_size);
    attempt.keep_alive = head->keep_alive && buffer.size() == 0;
    attempt.response = std::move(response);
    co_return true;
  }

  // A streamed request body: the source piece by piece (read on the client's body pool,
  // since a source may block), chunked when its size is unknown.
  template <typename Stream>
  asio::awaitable<error_code> write_source(Stream& stream, Call& call) {
    std::vector<char> chunk(kBodyChunk);
    std::uint64_t sent = 0;
    const bool chunked = !call.source_size;
    for (;;) {
      if (call.source_size && sent >= *call.source_size) break;
      const std::size_t want = call.source_size ? static_cast<std::size_t>(std::min<std::uint64_t>(
                                                      *call.source_size - sent, chunk.size()))
                                                : chunk.size();
      BodySource* source = call.source.get();
      auto job = [source, &chunk, want]() -> asio::awaitable<Piece> {
        try {
          auto read = source->read(std::span<char>(chunk.data(), want));
          if (!read) co_return Piece{.size = 0, .error = std::move(read).error()};
          co_return Piece{.size = *read, .error = std::nullopt};
        } catch (const std::exception& error) {
          co_return Piece{.size = 0, .error = core::Error::internal(error.what())};
        }
      };
      auto executor = body_readers_.get_executor();
      Piece piece = co_await asio::co_spawn(executor, std::move(job), asio::use_awaitable);
      // The source's own failure first, even when the call was aborted meanwhile (its
      // deadline passed while a stalled upload was being waited for): it is what ended
      // the call, and it is the caller's.
      if (piece.error) call.body_failure = piece.error;
      if (call.aborted != Abort::kNone) co_return make_error_code(asio::error::operation_aborted);
      if (piece.error || piece.size > want || (piece.size == 0 && call.source_size)) {
        // A source's own error (its client went away, an upload stalled) is the caller's
        // and reaches it as the call's error; a source that threw or broke its word (more
        // than asked for, fewer bytes than its size) is a bug, logged here.
        if (!piece.error || piece.error->code() == core::ErrorCode::kInternal) {
          log_error("request body source failed",
                    piece.error ? piece.error->log_detail() : std::string("ended early"));
        }
        co_return make_error_code(bhttp::error::partial_message);
      }
      if (piece.size == 0) break;
      if (chunked) {
        const std::string head = detail::chunk_head(piece.size);
        const std::array<asio::const_buffer, 3> framed = {
            asio::buffer(head), asio::buffer(chunk.data(), piece.size),
            asio::buffer(detail::kChunkEnd.data(), detail::kChunkEnd.size())};
        auto [ec, n] = co_await asio::async_write(stream, framed, kUseTuple);
        if (ec) co_return ec;
      } else {
        const auto bytes = asio::buffer(chunk.data(), piece.size);
        auto [ec, n] = co_await asio::async_write(stream, bytes, kUseTuple);
        if (ec) co_return ec;
      }
      sent += piece.size;
    }
    if (chunked) {
      const auto last = asio::buffer(detail::kLastChunk.data(), detail::kLastChunk.size());
      auto [ec, n] = co_await asio::async_write(stream, last, kUseTuple);
      co_return ec;
    }
    co_return error_code{};
  }

  // ---- errors
  // ------------------------------------------------------------------------------------

  core::Error unavailable(const Call& call, const std::string& reason) const {
    return core::Error::unavailable(
        call.peer + " is unavailable: " + reason,
        call.method + " " + call.pool_key + call.url.target + ": " + reason);
  }

  // A failure while connecting: nothing of the request was sent, unless the caller
  // cancelled (then no retry is wanted).
  static core::Error never_sent(core::Error error) {
    return error.code() == core::ErrorCode::kDeadlineExceeded ? std::move(error.with_never_sent())
                                                              : std::move(error);
  }

  core::Error aborted_error(const Call& call) const {
    const std::string where = call.method + " " + call.pool_key + call.url.target;
    switch (call.aborted) {
      case Abort::kConnectDeadline:
        return {core::ErrorCode::kDeadlineExceeded,
                call.peer + " did not accept a connection within " +
                    std::to_string(options_.connect_timeout.count()) + " ms",
                where};
      case Abort::kCancelled:
        return core::Error::unavailable("the call to " + call.peer + " was cancelled", where);
      case Abort::kShutdown:
        return core::Error::unavailable(call.peer + " is unavailable: the client is shutting down",
                                        where);
      case Abort::kDeadline:
      case Abort::kNone:
        break;
    }
    const auto allowed =
        std::chrono::duration_cast<std::chrono::milliseconds>(call.deadline - call.started);
    return {core::ErrorCode::kDeadlineExceeded,
            call.peer + " did not answer within " + std::to_string(allowed.count()) + " ms",
            where + ": deadline"};
  }

  core::Error exchange_error(const Call& call, const Attempt& attempt) const {
    const error_code& ec = attempt.ec;
    const std::string where = call.method + " " + call.pool_key + call.url.target + ": ";
    if (ec == bhttp::error::body_limit) {
      return core::Error::internal(where + "the response body exceeds max_response_bytes (" +
                                   std::to_string(options_.max_response_bytes) + ")");
    }
    if (ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
        ec == bhttp::error::partial_message || ec == ssl::error::stream_truncated) {
      return unavailable(call, attempt.response_started
                                   ? "the connection closed in the middle of the response"
                                   : "the connection closed before a response arrived");
    }
    if (ec == bhttp::error::buffer_overflow) {
      return core::Error::internal(where + "unreadable response: " + line_too_long_reason());
    }
    if (is_parse_error(ec)) {
      // Beast's parse errors: the peer does not speak HTTP the way we can read.
      return core::Error::internal(where + "unreadable response: " + ec.message());
    }
    return unavailable(call, ec.message());
  }

  static bool is_parse_error(const error_code& ec) {
    return ec.category() == bhttp::make_error_code(bhttp::error::header_limit).category();
  }

  static std::string line_too_long_reason() {
    return "a chunk-size line or the trailer fields exceed " + std::to_string(kMaxUnparsedBytes) +
           " bytes";
  }

  // ---- metrics (shard thread) -------------------------------------------------------------------

  void record(const Call& call, const std::string& status) const {
    if (registry_ == nullptr) return;
    Shard& shard = call.shard;
    const std::chrono::duration<double> elapsed = Clock::now() - call.started;
    const std::string_view method = http::method_label(call.method);
    // Most calls find their series among those this thread used last (RecentSeries).
    thread_local metrics::RecentSeries<std::pair<metrics::Histogram*, metrics::Counter*>, 3> recent;
    if (const auto* kept = recent.find(series_owner_, {call.peer, method, status})) {
      kept->first->observe(elapsed.count());
      kept->second->inc();
      return;
    }
    const metrics::SeriesKey histogram_key{call.peer, method};
    auto histogram = shard.histograms.find(histogram_key.view());
    if (histogram == shard.histograms.end()) {
      auto& created = registry_->histogram("http_client_request_duration_seconds",
                                           "Time from sending an HTTP request to its answer.",
                                           {{"peer", call.peer}, {"method", std::string(method)}});
      histogram = shard.histograms.emplace(histogram_key.text(), &created).first;
    }
    histogram->second->observe(elapsed.count());
    const metrics::SeriesKey counter_key{call.peer, method, status};
    auto counter = shard.counters.find(counter_key.view());
    if (counter == shard.counters.end()) {
      auto& created = registry_->counter(
          "http_client_requests_total", "HTTP requests sent, by answer status or \"error\".",
          {{"peer", call.peer}, {"method", std::string(method)}, {"status", status}});
      counter = shard.counters.emplace(counter_key.text(), &created).first;
    }
    counter->second->inc();
    recent.keep(series_owner_, {call.peer, method, status}, {histogram->second, counter->second});
  }

  metrics::Counter& waits_counter(const Call& call) const {
    static metrics::Counter unused;
    if (registry_ == nullptr) return unused;
    return registry_->counter("http_client_pool_waits_total",
                              "Calls that waited for a connection: the host was at its cap.",
                              {{"peer", call.peer}});
  }

  // ---- streamed response bodies
  // -------------------------------------------------------------------

  std::shared_ptr<BodyReader> make_stream(Call& call, ConnectionPtr connection,
                                          std::unique_ptr<StreamParser> parser, bool keep_alive);

  // ---- running and stopping
  // -----------------------------------------------------------------------

  void run_io(Shard& shard) const {
    for (;;) {
      try {
        shard.own->run();
        return;
      } catch (const std::exception& error) {
        // Every task has a completion handler, so this is a bug; keep the client going.
        log_error("client io thread caught an exception", error.what());
      }
    }
  }

  // The completion handler of every co_spawn: `detached` would swallow the exception.
  void report_failure(std::string_view task, const std::exception_ptr& failure) const {
    if (!failure) return;
    try {
      std::rethrow_exception(failure);
    } catch (const std::exception& error) {
      log_error(std::string(task) + " failed", error.what());
    } catch (...) {
      log_error(std::string(task) + " failed", "unknown exception");
    }
  }

  void log_error(std::string_view msg, std::string_view error) const {
    if (logger_ != nullptr) {
      logger_->error(msg, {{"component", "http_client"}, {"error", error}});
    } else {
      std::fprintf(stderr, "http client: %.*s: %.*s\n", static_cast<int>(msg.size()), msg.data(),
                   static_cast<int>(error.size()), error.data());
    }
  }

  // Aborting the calls in flight makes them fail at once; calls that start later see
  // `stopping`. Then nothing keeps the io_context busy and run() returns.
  void shut_down(Shard& shard) {
    shard.stopping = true;
    error_code ignored;
    shard.sweep_timer.cancel(ignored);
    const std::vector<Call*> calls(shard.calls.begin(), shard.calls.end());
    for (Call* call : calls) abort(*call, Abort::kShutdown);
    for (auto& [raw, connection] : shard.streaming) connection->close();
    for (auto& [key, pool] : shard.pools) {
      for (auto& connection : pool.idle) connection->close();
      pool.idle.clear();
    }
  }

  // Posted-to from threads the client does not own (handles, body streams): only while
  // the client exists.
  struct Gate {
    std::mutex mutex;
    bool open = true;
  };

  // Holds the loop (through options_.event_loop) until everything else is gone.
  ClientOptions options_;
  metrics::Registry* registry_;
  const std::uint64_t series_owner_ = metrics::next_series_owner();
  logging::Logger* logger_;
  EventLoop::State* loop_ = nullptr;  // null: threads of the client's own
  std::optional<std::uint64_t> loop_user_;
  bool detached_ = false;  // on a loop: shut down by the server's stop (under gate_->mutex)
  std::atomic<std::size_t> tasks_{0};
  std::shared_ptr<Gate> gate_ = std::make_shared<Gate>();
  std::unique_ptr<ssl::context> tls_context_;
  asio::thread_pool body_readers_{2};
  // Declared last: destroying a shard's io_context destroys what a call left behind.
  std::vector<std::unique_ptr<Shard>> shards_;
};

// ---- streamed response bodies
// ---------------------------------------------------------------------
//
// Holds the connection until the body ends (then it returns to the pool when the peer
// keeps it alive) or until destroyed (then it closes: what is left of the body cannot be
// skipped cheaply). Reads block the caller while a short coroutine reads on the shard.
//
// The stream may outlive the client. It touches the client (its Impl, its shard and the
// connection, which the shard owns) only through the gate: while the gate is open the
// client exists, and what the stream posts or spawns then runs before its threads end.

class Client::Impl::ResponseStream final : public BodyReader {
 public:
  ResponseStream(Impl& impl, Shard& shard, std::string pool_key, std::string peer,
                 Clock::time_point deadline, Connection* connection,
                 std::unique_ptr<StreamParser> parser, bool keep_alive)
      : impl_(impl),
        gate_(impl.gate_),
        shard_(shard),
        pool_key_(std::move(pool_key)),
        peer_(std::move(peer)),
        deadline_(deadline),
        connection_(connection),
        parser_(std::move(parser)),
        keep_alive_(keep_alive) {
    if (const auto length = parser_->content_length()) content_length_ = *length;
  }

  ~ResponseStream() override {
    std::lock_guard lock(gate_->mutex);
    if (!gate_->open) return;  // the client is gone, and its connections with it
    asio::post(shard_.executor,
               [task = TaskToken(impl_), impl = &impl_, shard = &shard_, key = pool_key_,
                connection = connection_, done = parser_->is_done(), keep_alive = keep_alive_,
                failed = failed_] {
                 const auto found = shard->streaming.find(connection);
                 if (found == shard->streaming.end()) return;
                 ConnectionPtr owned = std::move(found->second);
                 shard->streaming.erase(found);
                 impl->release(*shard, key, std::move(owned), done && keep_alive && !failed);
               });
  }

  core::Result<std::size_t> read(std::span<char> out) override {
    if (failure_) return *failure_;
    if (out.empty() || parser_->is_done()) return std::size_t{0};
    std::unique_lock lock(gate_->mutex);
    if (!gate_->open) {
      failure_ = core::Error::unavailable(peer_ + " is unavailable: the client is gone");
      return *failure_;
    }
    if (impl_.on_client_thread()) {
      return core::Error::internal("a response body was read on the client's own thread");
    }
    const TaskToken task(impl_);
    auto future = asio::co_spawn(shard_.executor, read_some(out), asio::use_future);
    lock.unlock();
    Piece piece;
    try {
      piece = future.get();
    } catch (...) {
      piece.error =
          core::Error::unavailable(peer_ + " is unavailable: the client is shutting down");
    }
    if (piece.error) {
      failed_ = true;
      failure_ = piece.error;
      return *piece.error;
    }
    bytes_read_ += piece.size;
    return piece.size;
  }
  std::optional<std::uint64_t> content_length() const override { return content_length_; }
  std::uint64_t bytes_read() const override { return bytes_read_; }

 private:
  // The read's timer and the read, shared: a timer that expired as the read ended runs
  // after cancel() could stop it, when the coroutine (and maybe the connection) is gone.
  struct ReadDeadline {
    bool read_ended = false;
    bool timed_out = false;
  };

  // On the shard: at least one body byte, or the end; within the call's deadline, or
  // request_timeout once it passed.
  asio::awaitable<Piece> read_some(std::span<char> out) {
    asio::steady_timer timer(shard_.executor);
    const auto now = Clock::now();
    timer.expires_at(deadline_ > now ? deadline_ : now + impl_.options_.request_timeout);
    auto state = std::make_shared<ReadDeadline>();
    Connection* connection = connection_;
    timer.async_wait([connection, state](const error_code& ec) {
      if (ec || state->read_ended) return;
      state->timed_out = true;
      error_code ignored;
      connection->lowest().cancel(ignored);
    });
    // Beast reads as much as the buffer has room for, and a buffer whose parsed bytes are
    // consumed at once stays at its first size (512 bytes): room for large reads, once.
    if (auto& buffer = connection_->buffer; buffer.capacity() < buffer.max_size())
      buffer.reserve(buffer.max_size());
    std::size_t filled = 0;
    error_code ec;
    while (filled == 0 && !parser_->is_done() && !ec) {
      auto& target = parser_->get().body();
      target.data = out.data();
      target.size = out.size();
      target.more = true;
      if (connection_->secure) {
        auto [read_ec, n] = co_await bhttp::async_read_some(
            *connection_->secure, connection_->buffer, *parser_, kUseTuple);
        ec = read_ec;
      } else {
        auto [read_ec, n] = co_await bhttp::async_read_some(
            *connection_->plain, connection_->buffer, *parser_, kUseTuple);
        ec = read_ec;
      }
      filled = out.size() - target.size;
      target.data = nullptr;
      if (ec == bhttp::error::need_buffer) ec = {};
    }
    state->read_ended = true;
    timer.cancel();
    if (state->timed_out) {
      co_return Piece{.size = 0,
                      .error = core::Error(core::ErrorCode::kDeadlineExceeded,
                                           peer_ + " did not send the rest of the body in time")};
    }
    // Beast's parse errors (but a body cut short): the peer sent what we cannot read.
    if (ec && Impl::is_parse_error(ec) && ec != bhttp::error::partial_message &&
        ec != bhttp::error::end_of_stream) {
      const std::string reason =
          ec == bhttp::error::buffer_overflow ? Impl::line_too_long_reason() : ec.message();
      co_return Piece{
          .size = 0,
          .error = core::Error::internal(peer_ + " sent an unreadable response body: " + reason)};
    }
    if (ec) {
      co_return Piece{.size = 0,
                      .error = core::Error::unavailable(
                          peer_ + " is unavailable: the body ended early", ec.message())};
    }
    co_return Piece{.size = filled, .error = std::nullopt};
  }

  Impl& impl_;
  std::shared_ptr<Gate> gate_;
  Shard& shard_;
  std::string pool_key_;
  std::string peer_;
  Clock::time_point deadline_;
  Connection* connection_;  // owned by the shard (Shard::streaming)
  std::unique_ptr<StreamParser> parser_;
  bool keep_alive_;
  bool failed_ = false;
  std::optional<std::uint64_t> content_length_;
  std::uint64_t bytes_read_ = 0;
  std::optional<core::Error> failure_;
};

std::shared_ptr<BodyReader> Client::Impl::make_stream(Call& call, ConnectionPtr connection,
                                                      std::unique_ptr<StreamParser> parser,
                                                      bool keep_alive) {
  Connection* raw = connection.get();
  call.shard.streaming.emplace(raw, std::move(connection));
  return std::make_shared<ResponseStream>(*this, call.shard, call.pool_key, call.peer,
                                          call.deadline, raw, std::move(parser), keep_alive);
}

// ---- the public face
// ---------------------------------------------------------------------------------

void CallHandle::cancel() const {
  if (cancel_) cancel_();
}

Client::Client(ClientOptions options, metrics::Registry* registry, logging::Logger* logger)
    : impl_(std::make_unique<Impl>(std::move(options), registry, logger)) {}

Client::~Client() = default;

CallHandle Client::start(ClientRequest request, CallOptions options, Callback done) {
  return impl_->start(std::move(request), options, std::move(done));
}

core::Result<ClientResponse> Client::send(ClientRequest request, CallOptions options_) {
  return impl_->send(std::move(request), options_);
}

bool Client::on_own_thread() const {
  return impl_->on_client_thread();
}

void Client::shutdown() {
  if (impl_->loop_ != nullptr) {
    // On a server's loop: as its stop does (a call started after this is refused).
    impl_->stop_on_loop();
    return;
  }
  // shut_down() runs on each shard's thread (it owns the pool); wait until it did, so
  // that a call started after this returns is refused for certain.
  for (auto& shard : impl_->shards_) {
    std::promise<void> done;
    auto finished = done.get_future();
    Impl::Shard* raw = shard.get();
    asio::post(raw->executor, [this, raw, &done] {
      impl_->shut_down(*raw);
      done.set_value();
    });
    finished.wait();
  }
}

}  // namespace platform::http
