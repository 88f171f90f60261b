// Deferred answers (Router::add_async): the request waits for its answer without holding
// a thread. The coroutine suspends; the Responder brings the answer to the connection's
// strand (at once when it is already there, else posted), stores it and resumes the
// coroutine. See impl.h for the map of the server's files.
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

// One deferred request's answer; only touched on its connection's strand. Owned by the
// Responders' shared state, by an answer on its way to the strand, by close() while it
// wakes the request and by the coroutine while it runs, never while it waits: so the
// waiting coroutine does not own itself through its answer. A forced stop wakes every
// request still waiting (see Server::Impl::stop), and a Responder dropped after the
// server is gone lets go of one that somehow still waits (see deliver).
struct Server::Impl::DeferredAnswer {
  // What resumes the waiting coroutine: its completion handler, whatever its type.
  struct Resumer {
    virtual ~Resumer() = default;
    virtual void resume() = 0;
  };
  template <typename Handler>
  struct ResumerOf : Resumer {
    explicit ResumerOf(Handler resume_handler) : handler(std::move(resume_handler)) {}
    void resume() override { std::move(handler)(); }
    Handler handler;
  };

  bool arrived = false;
  std::optional<Response> response;  // nullopt when arrived: the Responder was dropped
  std::unique_ptr<Resumer> waiting;  // while the coroutine waits
};

void Server::Impl::wake(DeferredAnswer& answer) {
  if (!answer.waiting) return;
  const auto waiting = std::move(answer.waiting);
  waiting->resume();  // on the strand: the coroutine goes on here, now
}

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

  void deliver(std::optional<Response>&& response) {
    if (answered_.exchange(true)) return;
    std::unique_lock lock(gate_->mutex);
    if (!gate_->open) {
      // The server is gone, and its stop woke every request still waiting. Were one left,
      // destroying its coroutine would unwind it on a loop that may be gone too: it is
      // let go of instead.
      if (answer_->waiting) static_cast<void>(answer_->waiting.release());
      return;
    }
    auto connection = connection_.lock();
    if (!connection) return;  // closed: the client went away or stop() gave up
    const EventLoop::State& loop = connection->impl.loop_->state();
    if (loop.threads == 1 && loop.runs_this_thread()) {
      // On the loop's one thread (an upstream's answer, say): the connection's strand is
      // this thread, and the answer goes on now rather than a turn of the loop later:
      // the middleware's on_response, the access line, the answer's head and the start
      // of its write run before this returns. Outside the gate's lock, which none of
      // that needs.
      lock.unlock();
      arrive(answer_, std::move(response));
      return;
    }
    // The connection travels with the answer, so it dies on its strand at the latest.
    const auto strand = connection->socket.get_executor();
    asio::post(strand,
               [connection = std::move(connection), answer = answer_,
                response = std::move(response)]() mutable { arrive(answer, std::move(response)); });
  }

 private:
  static void arrive(const std::shared_ptr<DeferredAnswer>& answer,
                     std::optional<Response>&& response) {
    answer->arrived = true;
    answer->response = std::move(response);
    wake(*answer);
  }

  std::weak_ptr<Connection> connection_;
  std::shared_ptr<PostGate> gate_;
  std::shared_ptr<DeferredAnswer> answer_;
  std::atomic<bool> answered_{false};
};

// Points the connection at the answer a deferred request waits for, for as long as the
// coroutine exists (even when a forced stop destroys its frame).
class Server::Impl::DeferredWait {
 public:
  DeferredWait(Connection& connection, const std::shared_ptr<DeferredAnswer>& answer)
      : connection_(connection) {
    connection_.deferred = answer;
  }
  ~DeferredWait() { connection_.deferred.reset(); }
  DeferredWait(const DeferredWait&) = delete;
  DeferredWait& operator=(const DeferredWait&) = delete;

 private:
  Connection& connection_;
};

// While a deferred request waits, the client may hang up: the socket turns readable and a
// peek reads the end of the stream. The request's cancellation then tells the handler
// (a proxy cancels its upstream call). Bytes of a pipelined next request end the watch:
// they are the next request's, read by the loop once this answer is written.
void Server::Impl::watch_for_hang_up(Connection& connection,
                                     std::shared_ptr<Cancellation> cancellation) {
  connection.socket.async_wait(
      tcp::socket::wait_read, [connection = connection.shared_from_this(),
                               cancellation = std::move(cancellation)](const error_code& ec) {
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
  const std::weak_ptr<DeferredAnswer> waiting_for = answer;
  const DeferredWait registration(connection, answer);
  // Only the job and the Responders it hands out share `state` (a moved-from shared_ptr
  // is empty), so its destructor tells when the last Responder went away.
  auto state = std::make_shared<ResponderState>(connection.weak_from_this(), post_gate_, answer);
  std::size_t layers_run = 0;
  auto job = [this, &route, &request, &layers_run, state = std::move(state)]() mutable -> int {
    const Responder respond = [state](Response&& response) { state->deliver(std::move(response)); };
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
  // again) and its cancellation. The connection's timer starts it.
  if (!answer->arrived) connection.watch_for_hang_up_after(kHangUpWatchAfter, request.cancellation);
  while (answer && !answer->arrived && connection.socket.is_open()) {
    // Resumed by the answer or by close(), each holding the answer meanwhile.
    co_await asio::async_initiate<const asio::use_awaitable_t<>&, void()>(
        [&answer](auto resume) {
          answer->waiting =
              std::make_unique<DeferredAnswer::ResumerOf<decltype(resume)>>(std::move(resume));
          answer.reset();
        },
        asio::use_awaitable);
    answer = waiting_for.lock();
  }
  if (connection.end_hang_up_watch() && connection.socket.is_open()) {
    // The hang-up watch, if still pending: the next request is read by the loop.
    error_code ignored;
    connection.socket.cancel(ignored);
  }
  Response response;
  if (!answer || !answer->arrived) {
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
