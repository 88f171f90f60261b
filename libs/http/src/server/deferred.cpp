// Deferred answers (Router::add_async): the request waits for its answer without holding
// a thread. The coroutine waits on a timer that never expires; the Responder posts the
// answer to the connection's strand, stores it there and cancels the timer, which wakes
// it. See impl.h for the map of the server's files.
#include <sys/socket.h>

#include <boost/asio/post.hpp>
#include <cerrno>

#include "impl.h"

namespace platform::http {
namespace {

// How long a deferred request waits for its answer before the server watches for the
// client hanging up (which cancels the request).
constexpr std::chrono::milliseconds kHangUpWatchAfter{50};

}  // namespace

// One deferred request's answer; only touched on its connection's strand.
struct Server::Impl::DeferredAnswer {
  bool arrived = false;
  std::optional<Response> response;    // nullopt when arrived: the Responder was dropped
  asio::steady_timer* wake = nullptr;  // while the coroutine waits for the answer
};

// Shared by every copy of one Responder: delivers the first answer, from any thread, or a
// "dropped" one when the last copy goes away unanswered.
class Server::Impl::ResponderState {
 public:
  ResponderState(std::weak_ptr<Connection> connection, std::shared_ptr<PostGate> gate,
                 std::shared_ptr<DeferredAnswer> answer)
      : connection_(std::move(connection)), gate_(std::move(gate)), answer_(std::move(answer)) {}
  ~ResponderState() {
    try {
      deliver(std::nullopt);  // no-op once answered
    } catch (...) {           // out of memory: the request waits for stop()
    }
  }
  ResponderState(const ResponderState&) = delete;
  ResponderState& operator=(const ResponderState&) = delete;

  void deliver(std::optional<Response> response) {
    if (answered_.exchange(true)) return;
    std::lock_guard lock(gate_->mutex);
    if (!gate_->open) return;  // the server is gone
    auto connection = connection_.lock();
    if (!connection) return;  // closed: the client went away or stop() gave up
    // The connection travels with the answer, so it dies on its strand at the latest.
    const auto strand = connection->socket.get_executor();
    asio::post(strand, [connection = std::move(connection), answer = answer_,
                        response = std::move(response)]() mutable {
      answer->arrived = true;
      answer->response = std::move(response);
      if (answer->wake != nullptr) answer->wake->cancel();
    });
  }

 private:
  std::weak_ptr<Connection> connection_;
  std::shared_ptr<PostGate> gate_;
  std::shared_ptr<DeferredAnswer> answer_;
  std::atomic<bool> answered_{false};
};

// Points the connection and the answer at the timer a deferred request waits on, for as
// long as the timer exists (even when a forced stop destroys the coroutine frame).
class Server::Impl::DeferredWait {
 public:
  DeferredWait(Connection& connection, DeferredAnswer& answer, asio::steady_timer& wake)
      : connection_(connection), answer_(answer) {
    connection_.deferred_wait = &wake;
    answer_.wake = &wake;
  }
  ~DeferredWait() {
    connection_.deferred_wait = nullptr;
    answer_.wake = nullptr;
  }
  DeferredWait(const DeferredWait&) = delete;
  DeferredWait& operator=(const DeferredWait&) = delete;

 private:
  Connection& connection_;
  DeferredAnswer& answer_;
};

// While a deferred request waits, the client may hang up: the socket turns readable and a
// peek reads the end of the stream. The request's cancellation then tells the handler
// (a proxy cancels its upstream call). Bytes of a pipelined next request end the watch:
// they are the next request's, read by the loop once this answer is written.
void Server::Impl::watch_for_hang_up(Connection& connection, const Request& request) {
  connection.socket.async_wait(
      tcp::socket::wait_read, [connection = connection.shared_from_this(),
                               cancellation = request.cancellation](const error_code& ec) {
        if (ec || !connection->socket.is_open()) return;
        char byte = 0;
        const auto peeked =
            ::recv(connection->socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        const bool hung_up = peeked == 0 || (peeked < 0 && errno != EAGAIN && errno != EWOULDBLOCK);
        if (hung_up) cancellation->cancel();
      });
}

// Runs the middleware and the deferred route's handler on the worker pool, then waits on
// the connection's strand, holding no thread, until its Responder answers or stop() gives
// up on the connection. The middleware's on_response runs here, on the strand, when the
// answer arrives. `request` outlives the handler's call.
asio::awaitable<Response> Server::Impl::answer_later(Connection& connection, const Route& route,
                                                     Request& request) {
  auto answer = std::make_shared<DeferredAnswer>();
  asio::steady_timer wake(connection.socket.get_executor(), asio::steady_timer::time_point::max());
  const DeferredWait registration(connection, *answer, wake);
  // Only the job and the Responders it hands out share `state` (a moved-from shared_ptr
  // is empty), so its destructor tells when the last Responder went away.
  auto state = std::make_shared<ResponderState>(connection.weak_from_this(), post_gate_, answer);
  std::size_t layers_run = 0;
  auto job = [this, &route, &request, &layers_run, state = std::move(state)]() mutable -> int {
    const Responder respond = [state](Response response) { state->deliver(std::move(response)); };
    state.reset();
    if (auto early = dispatcher_.before(request, layers_run)) {
      respond(std::move(*early));
      return 0;
    }
    try {
      route.async_handler(request, respond);
    } catch (const std::exception& error) {
      respond(dispatcher_.failure(request, error.what()));
    } catch (...) {
      respond(dispatcher_.failure(request, "unknown exception"));
    }
    return 0;
  };
  request.cancellation = std::make_shared<Cancellation>();
  if (route.execution == Execution::kInline) {
    job();
  } else {
    co_await run_on<int>(*workers_, std::move(job));
  }
  // The hang-up watch starts only once the answer is late: most answers come sooner, and
  // arming the watch costs a request a system call (the socket's readiness is asked for
  // again) and its cancellation.
  bool watching = false;
  if (!answer->arrived) wake.expires_after(kHangUpWatchAfter);
  while (!answer->arrived && connection.socket.is_open()) {
    // Cancelled by the answer or by close() (the error code tells nothing more), or the
    // time to start the watch.
    auto [wait_ec] = co_await wake.async_wait(kUseTuple);
    if (!wait_ec && !watching && !answer->arrived && connection.socket.is_open()) {
      watching = true;
      watch_for_hang_up(connection, request);
      wake.expires_at(asio::steady_timer::time_point::max());
    }
  }
  if (watching && connection.socket.is_open()) {
    // The hang-up watch, if still pending: the next request is read by the loop.
    error_code ignored;
    connection.socket.cancel(ignored);
  }
  Response response;
  if (!answer->arrived) {
    response =
        Response::problem(503, "the server stopped before the handler answered", request.path);
  } else if (!answer->response) {
    logger_.error(request.trace.log_context(), "handler did not answer",
                  {{"route", route.pattern}});
    response = Response::problem(500, "handler did not answer", request.path);
  } else {
    response = std::move(*answer->response);
  }
  dispatcher_.after(request, response, layers_run);
  co_return response;
}

}  // namespace platform::http
