// proxy-floor: the least a reverse proxy built on Boost.Asio does per request, as a
// benchmark peer (scripts/bench/gateway.sh) beside the api-gateway and nginx. Its CPU per
// request is what Asio and the kernel cost a proxy on this machine: whatever the gateway
// spends above it is the gateway's own code (parsing, routing, checks, spans, metrics).
//
//   proxy-floor --listen 8090 --upstream 8082 --strip-prefix /api/v1
//
// Per client connection: one keep-alive connection to the upstream, one request at a
// time; the request line's target loses --strip-prefix, everything else passes as it came.
// It understands only what a benchmark sends: messages framed by Content-Length (anything
// else closes the connection). It checks nothing and must never face a real client.
#include <boost/asio.hpp>
#include <cctype>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

namespace asio = boost::asio;
using asio::ip::tcp;
// A concrete executor rather than any_io_executor: nothing is type-erased on the way.
using Executor = asio::io_context::executor_type;
using Socket = asio::basic_stream_socket<tcp, Executor>;
using Acceptor = asio::basic_socket_acceptor<tcp, Executor>;
template <class T = void>
using Task = asio::awaitable<T, Executor>;
constexpr auto kAwait = asio::as_tuple(asio::use_awaitable_t<Executor>{});

constexpr std::size_t kInitialBuffer = 16 * 1024;
constexpr std::size_t kMaxMessage = 16 * 1024 * 1024;

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(a[i])) !=
        std::tolower(static_cast<unsigned char>(b[i])))
      return false;
  }
  return true;
}

// The size of the whole message at the front of `bytes` (head and body), 0 while it is
// incomplete, or npos when it is framed in a way this proxy does not handle.
std::size_t message_size(std::string_view bytes) {
  const std::size_t head_end = bytes.find("\r\n\r\n");
  if (head_end == std::string_view::npos) return 0;
  std::string_view fields = bytes.substr(0, head_end);
  std::size_t body = 0;
  for (std::size_t line = fields.find("\r\n"); line != std::string_view::npos;) {
    const std::size_t next = fields.find("\r\n", line + 2);
    const std::string_view field = fields.substr(line + 2, next - line - 2);
    const std::size_t colon = field.find(':');
    if (colon != std::string_view::npos) {
      const std::string_view name = field.substr(0, colon);
      std::string_view value = field.substr(colon + 1);
      while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
      if (iequals(name, "transfer-encoding")) return std::string_view::npos;
      if (iequals(name, "content-length")) {
        const auto [end, error] = std::from_chars(value.data(), value.data() + value.size(), body);
        if (error != std::errc{} || end != value.data() + value.size())
          return std::string_view::npos;
      }
    }
    line = next;
  }
  const std::size_t total = head_end + 4 + body;
  if (total > kMaxMessage) return std::string_view::npos;
  return bytes.size() >= total ? total : 0;
}

// Reads from `socket` into `buffer` (holding `filled` bytes) until a whole message is at its
// front; returns its size, or 0 when the peer closed, failed or framed it unreadably.
Task<std::size_t> read_message(Socket& socket, std::string& buffer, std::size_t& filled) {
  for (;;) {
    const std::size_t size = message_size(std::string_view(buffer.data(), filled));
    if (size == std::string_view::npos) co_return 0;
    if (size != 0) co_return size;
    if (filled == buffer.size()) buffer.resize(buffer.size() * 2);
    auto [error, read] = co_await socket.async_read_some(
        asio::buffer(buffer.data() + filled, buffer.size() - filled), kAwait);
    if (error) co_return 0;
    filled += read;
  }
}

void consume(std::string& buffer, std::size_t& filled, std::size_t size) {
  std::memmove(buffer.data(), buffer.data() + size, filled - size);
  filled -= size;
}

Task<> relay(Socket client, tcp::endpoint upstream_address, std::string strip_prefix) {
  Socket upstream(client.get_executor());
  if (auto [error] = co_await upstream.async_connect(upstream_address, kAwait); error) co_return;
  client.set_option(tcp::no_delay(true));
  upstream.set_option(tcp::no_delay(true));
  std::string request(kInitialBuffer, '\0');
  std::string response(kInitialBuffer, '\0');
  std::string forwarded;
  std::size_t request_filled = 0;
  std::size_t response_filled = 0;
  for (;;) {
    const std::size_t request_size = co_await read_message(client, request, request_filled);
    if (request_size == 0) co_return;
    // "GET /api/v1/subjects/1 HTTP/1.1..." -> "GET /subjects/1 HTTP/1.1...".
    const std::string_view message(request.data(), request_size);
    const std::size_t target = message.find(' ') + 1;
    forwarded.assign(message.substr(0, target));
    std::string_view rest = message.substr(target);
    if (rest.starts_with(strip_prefix)) rest.remove_prefix(strip_prefix.size());
    forwarded.append(rest);
    consume(request, request_filled, request_size);
    if (auto [error, n] = co_await asio::async_write(upstream, asio::buffer(forwarded), kAwait);
        error)
      co_return;
    const std::size_t response_size = co_await read_message(upstream, response, response_filled);
    if (response_size == 0) co_return;
    if (auto [error, n] = co_await asio::async_write(
            client, asio::buffer(response.data(), response_size), kAwait);
        error)
      co_return;
    consume(response, response_filled, response_size);
  }
}

Task<> accept(Acceptor& acceptor, tcp::endpoint upstream_address, std::string strip_prefix) {
  for (;;) {
    Socket client(acceptor.get_executor());
    if (auto [error] = co_await acceptor.async_accept(client, kAwait); error) continue;
    asio::co_spawn(acceptor.get_executor(),
                   relay(std::move(client), upstream_address, strip_prefix), asio::detached);
  }
}

unsigned short port_of(const char* text) {
  const long port = std::strtol(text, nullptr, 10);
  if (port <= 0 || port > 65535) {
    std::fprintf(stderr, "proxy-floor: not a port: %s\n", text);
    std::exit(2);
  }
  return static_cast<unsigned short>(port);
}

}  // namespace

int main(int argc, char** argv) {
  unsigned short listen_port = 0;
  unsigned short upstream_port = 0;
  std::string strip_prefix;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string_view option = argv[i];
    if (option == "--listen") {
      listen_port = port_of(argv[i + 1]);
    } else if (option == "--upstream") {
      upstream_port = port_of(argv[i + 1]);
    } else if (option == "--strip-prefix") {
      strip_prefix = argv[i + 1];
    } else {
      std::fprintf(stderr, "proxy-floor: unknown option %s\n", argv[i]);
      return 2;
    }
  }
  if (listen_port == 0 || upstream_port == 0) {
    std::fprintf(stderr,
                 "usage: proxy-floor --listen PORT --upstream PORT [--strip-prefix PREFIX]\n");
    return 2;
  }
  try {
    asio::io_context context(1);
    const auto loopback = asio::ip::make_address("127.0.0.1");
    Acceptor acceptor(context.get_executor(), tcp::endpoint(loopback, listen_port));
    asio::co_spawn(context.get_executor(),
                   accept(acceptor, tcp::endpoint(loopback, upstream_port), strip_prefix),
                   asio::detached);
    context.run();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "proxy-floor: %s\n", error.what());
    return 1;
  }
}
