// Streamed request bodies (Router::add_streamed) and streamed responses
// (Response::stream). See impl.h for the map of the server's files.
//
// A streamed request's handler runs on the stream pool and pulls the body through a
// BodyReader; each read runs as a short coroutine on the connection's strand while the
// worker waits for its future. The connection's own coroutine is suspended meanwhile, so
// the parser and the buffer are only ever touched by one of them.
#include <sys/sendfile.h>

#include <boost/asio/use_future.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/http/empty_body.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/write.hpp>
#include <cerrno>
#include <future>
#include <limits>

#include "../chunked.h"
#include "impl.h"
#include "platform/core/strings.h"

namespace platform::http {
namespace {

constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr std::chrono::milliseconds kStopPollInterval{100};
constexpr std::size_t kStreamChunk = std::size_t{256} * 1024;
// How much of a streamed request body one socket read may take.
constexpr std::size_t kBodyReadBytes = std::size_t{64} * 1024;
// One sendfile(2) call at most: keeps one large download from holding the io thread for
// long while the socket keeps accepting.
constexpr std::size_t kSendfileChunk = std::size_t{4} * 1024 * 1024;

// Decrements the count of streamed requests in progress when the request ends.
class StreamSlot {
 public:
  explicit StreamSlot(std::atomic<std::size_t>& in_use) : in_use_(in_use) {}
  ~StreamSlot() { in_use_.fetch_sub(1); }
  StreamSlot(const StreamSlot&) = delete;
  StreamSlot& operator=(const StreamSlot&) = delete;

 private:
  std::atomic<std::size_t>& in_use_;
};

}  // namespace

// ---- streamed request bodies -------------------------------------------------------------

class Server::Impl::StreamedBody final : public BodyReader {
 public:
  StreamedBody(Impl& impl, Connection& connection, beast::flat_buffer& buffer, StreamParser& parser)
      : impl_(impl), connection_(connection), buffer_(buffer), parser_(parser) {
    if (const auto length = parser_.content_length()) content_length_ = *length;
    expects_continue_ =
        detail::expects_continue(parser_.get().version(), parser_.get()[bhttp::field::expect]);
  }

  core::Result<std::size_t> read(std::span<char> out) override {
    if (failure_) return *failure_;
    if (out.empty()) return std::size_t{0};
    const auto now = Clock::now();
    if (!first_read_) first_read_ = now;
    const auto [deadline, reason] = next_deadline(now);
    const auto strand = connection_.socket.get_executor();
    auto future = asio::co_spawn(strand, impl_.read_body_piece(*this, out, deadline, reason),
                                 asio::use_future);
    core::Result<std::size_t> result = core::Error::unavailable("the server is stopping");
    // A forced stop halts the io_context, after which the read never completes: then
    // give up rather than hold this worker (and the stop() joining it) forever.
    while (future.wait_for(kStopPollInterval) == std::future_status::timeout) {
      if (impl_.ioc_.stopped()) {
        failure_ = result.error();
        return result;
      }
    }
    try {
      result = future.get().result();
    } catch (...) {
      // The read's coroutine was destroyed before it finished (the server is going).
    }
    waited_ += Clock::now() - now;
    if (!result) {
      failure_ = result.error();
    } else {
      bytes_read_ += *result;
    }
    return result;
  }
  std::optional<std::uint64_t> content_length() const override { return content_length_; }
  std::uint64_t bytes_read() const override { return bytes_read_; }

  Connection& connection() { return connection_; }
  beast::flat_buffer& buffer() { return buffer_; }
  StreamParser& parser() { return parser_; }
  // Whether `100 Continue` is still owed (the first read sends it).
  bool take_continue() { return std::exchange(expects_continue_, false); }

 private:
  // The earliest of: the piece deadline (read_timeout from now), the whole body's
  // (body_timeout from the first read) and the rate's: the body must keep min_body_rate
  // over the time spent waiting for it, after body_rate_grace. Time the handler spends
  // between reads (writing what it read) is not the client's and does not count.
  std::pair<Clock::time_point, BodyDeadline> next_deadline(Clock::time_point now) const {
    const ServerOptions& options = impl_.options_;
    Clock::time_point deadline = now + options.read_timeout;
    BodyDeadline reason = BodyDeadline::kPiece;
    const Clock::time_point whole = *first_read_ + options.body_timeout;
    if (whole < deadline) {
      deadline = whole;
      reason = BodyDeadline::kTotal;
    }
    if (options.min_body_rate > 0) {
      const auto earned = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(
          static_cast<double>(bytes_read_) / static_cast<double>(options.min_body_rate)));
      const Clock::duration left = options.body_rate_grace + earned - waited_;
      const Clock::time_point rate = now + std::max(left, Clock::duration::zero());
      if (rate < deadline) {
        deadline = rate;
        reason = BodyDeadline::kRate;
      }
    }
    return {deadline, reason};
  }

  Impl& impl_;
  Connection& connection_;
  beast::flat_buffer& buffer_;
  StreamParser& parser_;
  bool expects_continue_ = false;
  std::optional<std::uint64_t> content_length_;
  std::uint64_t bytes_read_ = 0;
  std::optional<Clock::time_point> first_read_;
  Clock::duration waited_{0};
  std::optional<core::Error> failure_;  // sticky: the stream is unusable after one
};

// One BodyReader::read on the connection's strand: at least one body byte, or the end.
asio::awaitable<Piece> Server::Impl::read_body_piece(StreamedBody& body, std::span<char> out,
                                                     Clock::time_point deadline,
                                                     BodyDeadline reason) {
  Connection& connection = body.connection();
  StreamParser& parser = body.parser();
  if (parser.is_done()) co_return Piece{};
  if (!connection.socket.is_open()) {
    co_return Piece{.size = 0, .error = core::Error::unavailable("the connection was closed")};
  }
  connection.arm_until(deadline);
  if (body.take_continue()) {
    const auto interim = asio::buffer(kContinue.data(), kContinue.size());
    auto [continue_ec, continue_bytes] =
        co_await asio::async_write(connection.socket, interim, kUseTuple);
    if (continue_ec) {
      connection.disarm();
      co_return Piece{
          .size = 0,
          .error = core::Error::unavailable("the client went away", continue_ec.message())};
    }
  }
  // Beast reads as much as the buffer has room for (512 bytes at least), and after a
  // header the room is a few KiB: a large body would come in 4 KiB reads, each one a
  // round trip between the handler's thread and the connection's (50 MiB: 13,000 of
  // them). Room for a whole piece, unless what is left of the body fits already.
  beast::flat_buffer& buffer = body.buffer();
  const std::size_t room = buffer.capacity() - buffer.size();
  if (room < std::min(out.size(), kBodyReadBytes)) {
    const auto left = parser.content_length_remaining();
    if (!left || *left > room) {
      buffer.reserve(std::min(buffer.size() + kBodyReadBytes, buffer.max_size()));
    }
  }
  std::size_t filled = 0;
  while (filled == 0 && !parser.is_done()) {
    auto& target = parser.get().body();
    target.data = out.data();
    target.size = out.size();
    target.more = true;
    auto [ec, parsed] =
        co_await bhttp::async_read_some(connection.socket, body.buffer(), parser, kUseTuple);
    filled = out.size() - target.size;
    target.data = nullptr;
    if (ec == bhttp::error::need_buffer) ec = {};
    if (!ec) continue;
    const bool timed_out = connection.timed_out;
    connection.disarm();
    if (timed_out) {
      bodies_too_slow_total_.inc();
      std::string detail;
      switch (reason) {
        case BodyDeadline::kPiece:
          detail = "no part of the request body arrived within " +
                   std::to_string(options_.read_timeout.count()) + " ms";
          break;
        case BodyDeadline::kRate:
          detail = "the request body arrived slower than " +
                   std::to_string(options_.min_body_rate) + " bytes/s";
          break;
        case BodyDeadline::kTotal:
          detail = "the request body did not arrive whole within " +
                   std::to_string(options_.body_timeout.count()) + " ms";
          break;
      }
      co_return Piece{.size = 0, .error = core::Error(core::ErrorCode::kDeadlineExceeded, detail)};
    }
    if (body_cut_short(connection.socket, ec)) {
      co_return Piece{.size = 0, .error = core::Error::malformed(cut_short_detail(parser))};
    }
    if (client_went_away(ec)) {
      co_return Piece{.size = 0,
                      .error = core::Error::unavailable(
                          "the client went away before the body was complete", ec.message())};
    }
    co_return Piece{.size = 0,
                    .error = core::Error::malformed("malformed request body: " + ec.message())};
  }
  connection.disarm();
  co_return Piece{.size = filled, .error = std::nullopt};
}

asio::awaitable<bool> Server::Impl::serve_streamed(Connection& connection,
                                                   beast::flat_buffer& buffer,
                                                   HeaderParser& header_parser, Request& request,
                                                   Router::Match match, std::size_t bytes_in,
                                                   Clock::time_point started) {
  // A cap, with a pool of their own: slow uploads can hold every stream slot, never the
  // workers_ of ordinary routes (health checks included).
  if (streams_in_use_.fetch_add(1) >= options_.max_streamed_requests) {
    streams_in_use_.fetch_sub(1);
    streams_refused_total_.inc();
    detail::Refusal busy{
        .status = 503, .detail = "too many uploads are in progress; retry shortly", .headers = {}};
    busy.headers.set("Retry-After", "1");
    co_return co_await refuse(connection, header_parser.get(), busy, bytes_in, started);
  }
  const StreamSlot slot(streams_in_use_);
  // A streamed route's handler enforces its own size limit.
  StreamParser parser(std::move(header_parser));  // the header moves over; no body yet
  parser.body_limit(std::numeric_limits<std::uint64_t>::max());
  StreamedBody body(*this, connection, buffer, parser);
  request.body_reader = &body;
  const bool keep_alive = parser.get().keep_alive();
  const bool kept = co_await handle(connection, request, std::move(match), keep_alive, bytes_in,
                                    started, &parser);
  // The room made for the body's reads is not kept for the connection's next requests.
  if (buffer.capacity() > kBodyReadBytes / 2) buffer.shrink_to_fit();
  // Bytes the handler left unread sit between us and the next request: close, after
  // letting the client read our answer (see linger_then_close).
  if (!parser.is_done()) {
    if (connection.socket.is_open()) co_await linger_then_close(connection);
    co_return false;
  }
  co_return kept;
}

// ---- streamed responses ------------------------------------------------------------------

asio::awaitable<bool> Server::Impl::answer_streamed(Connection& connection, unsigned version,
                                                    bool head, bool keep_alive, Response& response,
                                                    const TraceContext& trace,
                                                    detail::Outcome& outcome,
                                                    Clock::time_point started) {
  const std::shared_ptr<BodySource> source = std::move(response.body_source);
  const std::optional<std::uint64_t> size = source->size();
  // Unknown length: chunked for HTTP/1.1; for HTTP/1.0 the body ends with the connection.
  const bool chunked = !size && version >= 11;
  if (!size && !chunked) keep_alive = false;
  bhttp::response<bhttp::empty_body> message{static_cast<bhttp::status>(response.status), version};
  set_header_fields(message.base(), response, trace);
  if (size) {
    message.set(bhttp::field::content_length, std::to_string(*size));
  } else if (chunked) {
    message.set(bhttp::field::transfer_encoding, "chunked");
  }
  message.keep_alive(keep_alive);
  bhttp::response_serializer<bhttp::empty_body> serializer(message);

  connection.arm(options_.read_timeout);
  auto [header_ec, header_bytes] =
      co_await bhttp::async_write_header(connection.socket, serializer, kUseTuple);
  connection.disarm();
  outcome.bytes_out = header_bytes;
  bool complete = !header_ec;
  if (complete && !head && size != std::uint64_t{0}) {
    std::uint64_t sent = 0;
    const auto file = source->file_range();
    if (file && size) {
      complete = co_await send_file(connection, *file, *size, sent);
    } else {
      complete = co_await send_source(connection, *source, size, chunked, sent, trace);
    }
    outcome.bytes_out += static_cast<std::size_t>(sent);
  }
  access_log_.record(outcome, trace, started);
  // A body cut short cannot be repaired: closing tells the client it is incomplete.
  if (!complete) co_return false;
  co_return finish_answer(connection, keep_alive);
}

// Sends `size` bytes of an open file with sendfile(2): no copy through user space.
asio::awaitable<bool> Server::Impl::send_file(Connection& connection, BodySource::FileRange file,
                                              std::uint64_t size, std::uint64_t& sent) {
  error_code ec;
  connection.socket.native_non_blocking(true, ec);
  if (ec) co_return false;
  auto offset = static_cast<off_t>(file.offset);
  while (sent < size) {
    const auto want =
        static_cast<std::size_t>(std::min<std::uint64_t>(size - sent, kSendfileChunk));
    const ssize_t n = ::sendfile(connection.socket.native_handle(), file.descriptor, &offset, want);
    if (n > 0) {
      sent += static_cast<std::uint64_t>(n);
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      connection.arm(options_.read_timeout);
      auto [wait_ec] = co_await connection.socket.async_wait(tcp::socket::wait_write, kUseTuple);
      connection.disarm();
      if (wait_ec) co_return false;
      continue;
    }
    // 0: the file is shorter than promised; or a socket error (the client left).
    if (n == 0) logger_.error("file shorter than its response", {{"missing", size - sent}});
    co_return false;
  }
  co_return true;
}

// Copies the source, read on the worker pool, to the socket: `size` bytes, or until the
// source ends when the size is unknown (then in chunks when `chunked`).
asio::awaitable<bool> Server::Impl::send_source(Connection& connection, BodySource& source,
                                                std::optional<std::uint64_t> size, bool chunked,
                                                std::uint64_t& sent, const TraceContext& trace) {
  std::vector<char> chunk(
      static_cast<std::size_t>(std::min<std::uint64_t>(size.value_or(kStreamChunk), kStreamChunk)));
  for (;;) {
    if (size && sent >= *size) break;
    const auto want = static_cast<std::size_t>(
        size ? std::min<std::uint64_t>(*size - sent, chunk.size()) : chunk.size());
    auto job = [&source, &chunk, want]() -> Piece {
      try {
        return Piece::from(source.read(std::span<char>(chunk.data(), want)));
      } catch (const std::exception& error) {
        return Piece{.size = 0, .error = core::Error::internal(error.what())};
      }
    };
    Piece piece = co_await run_on<Piece>(*workers_, std::move(job));
    core::Result<std::size_t> got = std::move(piece).result();
    if (!got || *got > want || (*got == 0 && size)) {
      logger_.error(
          trace.log_context(), "response body source failed",
          {{"error", got ? std::string("ended early") : got.error().log_detail()}, {"sent", sent}});
      co_return false;
    }
    if (*got == 0) break;  // the end of a body of unknown length
    const std::size_t length = *got;
    connection.arm(options_.read_timeout);
    error_code ec;
    std::size_t written = 0;
    if (chunked) {
      const std::string head = detail::chunk_head(length);
      const std::array<asio::const_buffer, 3> framed = {
          asio::buffer(head), asio::buffer(chunk.data(), length),
          asio::buffer(detail::kChunkEnd.data(), detail::kChunkEnd.size())};
      auto [write_ec, n] = co_await asio::async_write(connection.socket, framed, kUseTuple);
      ec = write_ec;
      written = length;
    } else {
      const auto bytes = asio::buffer(chunk.data(), length);
      auto [write_ec, n] = co_await asio::async_write(connection.socket, bytes, kUseTuple);
      ec = write_ec;
      written = n;
    }
    connection.disarm();
    if (ec) co_return false;
    sent += written;
  }
  if (chunked) {
    const auto last = asio::buffer(detail::kLastChunk.data(), detail::kLastChunk.size());
    connection.arm(options_.read_timeout);
    auto [ec, n] = co_await asio::async_write(connection.socket, last, kUseTuple);
    connection.disarm();
    if (ec) co_return false;
  }
  co_return true;
}

}  // namespace platform::http
