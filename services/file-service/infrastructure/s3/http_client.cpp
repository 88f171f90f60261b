#include "infrastructure/s3/http_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>

namespace file_service::infrastructure::s3 {

using platform::core::Error;
using platform::core::Result;

namespace {

constexpr std::size_t kMaxHeaderBytes = 64 * 1024;
constexpr std::size_t kIoChunk = 64 * 1024;

bool iequal(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           auto lower = [](char c) { return c >= 'A' && c <= 'Z' ? char(c - 'A' + 'a') : c; };
           return lower(x) == lower(y);
         });
}

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\t')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\t' || text.back() == '\r'))
    text.remove_suffix(1);
  return text;
}

Error unavailable(const std::string& what) {
  return Error::unavailable("object storage is unavailable", what);
}

std::string openssl_errors() {
  std::string text;
  while (unsigned long code = ERR_get_error()) {
    char line[256];
    ERR_error_string_n(code, line, sizeof line);
    if (!text.empty()) text += "; ";
    text += line;
  }
  return text;
}

int percent_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// SSL_write writes with write(2), which raises SIGPIPE on a closed peer and would kill a
// process that did not ignore it. Blocking the signal in this thread for the call, and
// consuming one that became pending, turns that into the EPIPE error it should be.
class SigpipeBlock {
 public:
  SigpipeBlock() {
    sigset_t pipe_only;
    sigemptyset(&pipe_only);
    sigaddset(&pipe_only, SIGPIPE);
    pthread_sigmask(SIG_BLOCK, &pipe_only, &previous_);
  }
  ~SigpipeBlock() {
    sigset_t pending;
    sigpending(&pending);
    if (sigismember(&pending, SIGPIPE) && !sigismember(&previous_, SIGPIPE)) {
      sigset_t pipe_only;
      sigemptyset(&pipe_only);
      sigaddset(&pipe_only, SIGPIPE);
      const timespec zero{0, 0};
      sigtimedwait(&pipe_only, nullptr, &zero);
    }
    pthread_sigmask(SIG_SETMASK, &previous_, nullptr);
  }
  SigpipeBlock(const SigpipeBlock&) = delete;
  SigpipeBlock& operator=(const SigpipeBlock&) = delete;

 private:
  sigset_t previous_;
};

}  // namespace

// ---- Endpoint --------------------------------------------------------------------------

Result<Endpoint> Endpoint::parse(std::string_view url) {
  Endpoint endpoint;
  std::string_view rest;
  if (url.starts_with("http://")) {
    rest = url.substr(7);
  } else if (url.starts_with("https://")) {
    endpoint.tls = true;
    endpoint.port = 443;
    rest = url.substr(8);
  } else {
    return Error::invalid_argument("endpoint", "must start with http:// or https://");
  }
  const std::size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? "" : rest.substr(slash);
  if (authority.empty() || authority.find('@') != std::string_view::npos ||
      path.find_first_of("?#") != std::string_view::npos)
    return Error::invalid_argument("endpoint", "must be scheme://host[:port][/path]");

  std::string_view port_text;
  if (authority.front() == '[') {
    const std::size_t close = authority.find(']');
    if (close == std::string_view::npos)
      return Error::invalid_argument("endpoint", "unterminated IPv6 literal");
    endpoint.host = std::string(authority.substr(1, close - 1));
    if (close + 1 < authority.size()) {
      if (authority[close + 1] != ':') return Error::invalid_argument("endpoint", "bad port");
      port_text = authority.substr(close + 2);
    }
  } else {
    const std::size_t colon = authority.rfind(':');
    endpoint.host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) port_text = authority.substr(colon + 1);
  }
  if (endpoint.host.empty()) return Error::invalid_argument("endpoint", "has no host");
  if (!port_text.empty() || authority.back() == ':') {
    unsigned port = 0;
    const auto [end, error] =
        std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (error != std::errc{} || end != port_text.data() + port_text.size() || port == 0 ||
        port > 65535)
      return Error::invalid_argument("endpoint", "bad port");
    endpoint.port = static_cast<std::uint16_t>(port);
  }
  // The base path is kept decoded, since it is signed and encoded like the rest of the path.
  std::string decoded;
  for (std::size_t i = 0; i < path.size(); ++i) {
    if (path[i] == '%' && i + 2 < path.size() && percent_value(path[i + 1]) >= 0 &&
        percent_value(path[i + 2]) >= 0) {
      decoded.push_back(
          static_cast<char>(percent_value(path[i + 1]) * 16 + percent_value(path[i + 2])));
      i += 2;
    } else {
      decoded.push_back(path[i]);
    }
  }
  while (!decoded.empty() && decoded.back() == '/') decoded.pop_back();
  endpoint.base_path = std::move(decoded);
  return endpoint;
}

std::string Endpoint::host_header() const {
  std::string text = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  if (port != (tls ? 443 : 80)) text += ":" + std::to_string(port);
  return text;
}

// ---- Connection ------------------------------------------------------------------------

struct HttpClient::TlsContext {
  SSL_CTX* context = nullptr;
  ~TlsContext() {
    if (context) SSL_CTX_free(context);
  }
};

// One TCP connection, plain or TLS, with a read buffer for the response head.
class Connection {
 public:
  ~Connection() {
    if (ssl_) {
      SSL_free(ssl_);  // no close_notify: the connection is never reused
    }
    if (fd_ >= 0) ::close(fd_);
  }

  static Result<std::unique_ptr<Connection>> open(const Endpoint& endpoint,
                                                  const HttpOptions& options, SSL_CTX* tls) {
    auto connection = std::unique_ptr<Connection>(new Connection);
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* found = nullptr;
    const std::string port = std::to_string(endpoint.port);
    if (int code = ::getaddrinfo(endpoint.host.c_str(), port.c_str(), &hints, &found); code != 0)
      return unavailable("cannot resolve " + endpoint.host + ": " + gai_strerror(code));
    std::unique_ptr<addrinfo, decltype(&::freeaddrinfo)> addresses(found, &::freeaddrinfo);

    std::string last_error = "no address";
    for (addrinfo* address = found; address; address = address->ai_next) {
      const int fd =
          ::socket(address->ai_family, address->ai_socktype | SOCK_CLOEXEC, address->ai_protocol);
      if (fd < 0) {
        last_error = std::strerror(errno);
        continue;
      }
      if (auto connected = connect_with_timeout(fd, *address, options.connect_timeout);
          !connected.empty()) {
        last_error = connected;
        ::close(fd);
        continue;
      }
      connection->fd_ = fd;
      break;
    }
    if (connection->fd_ < 0)
      return unavailable("cannot connect to " + endpoint.host_header() + ": " + last_error);

    // Blocking I/O from here on; every send and receive gives up after io_timeout.
    set_socket_timeout(connection->fd_, SO_RCVTIMEO, options.io_timeout);
    set_socket_timeout(connection->fd_, SO_SNDTIMEO, options.io_timeout);

    if (endpoint.tls) {
      // The handshake is bounded by the connect timeout rather than the I/O one.
      set_socket_timeout(connection->fd_, SO_RCVTIMEO, options.connect_timeout);
      set_socket_timeout(connection->fd_, SO_SNDTIMEO, options.connect_timeout);
      if (auto handshake = connection->start_tls(endpoint, tls); !handshake)
        return handshake.error();
      set_socket_timeout(connection->fd_, SO_RCVTIMEO, options.io_timeout);
      set_socket_timeout(connection->fd_, SO_SNDTIMEO, options.io_timeout);
    }
    return connection;
  }

  Result<void> write_all(std::string_view data) {
    while (!data.empty()) {
      ssize_t written = 0;
      if (ssl_) {
        SigpipeBlock block;
        const int n =
            SSL_write(ssl_, data.data(), static_cast<int>(std::min(data.size(), kIoChunk)));
        if (n <= 0) return unavailable("TLS write failed: " + ssl_error(n));
        written = n;
      } else {
        written = ::send(fd_, data.data(), data.size(), MSG_NOSIGNAL);
        if (written < 0) {
          if (errno == EINTR) continue;
          return unavailable(errno == EAGAIN || errno == EWOULDBLOCK
                                 ? std::string("send timed out")
                                 : std::string("send failed: ") + std::strerror(errno));
        }
      }
      data.remove_prefix(static_cast<std::size_t>(written));
    }
    return platform::core::ok();
  }

  // Buffered bytes first, then the socket; 0 on an orderly close.
  Result<std::size_t> read_some(std::span<char> out) {
    if (pos_ < buffer_.size()) {
      const std::size_t n = std::min(out.size(), buffer_.size() - pos_);
      std::memcpy(out.data(), buffer_.data() + pos_, n);
      pos_ += n;
      if (pos_ == buffer_.size()) {
        buffer_.clear();
        pos_ = 0;
      }
      return n;
    }
    return receive(out);
  }

  // One line without its CRLF; kUnavailable on close or past `limit`.
  Result<std::string> read_line(std::size_t limit) {
    for (;;) {
      const std::size_t end = buffer_.find('\n', pos_);
      if (end != std::string::npos) {
        std::string line = buffer_.substr(pos_, end - pos_);
        pos_ = end + 1;
        if (!line.empty() && line.back() == '\r') line.pop_back();
        return line;
      }
      if (buffer_.size() - pos_ > limit) return unavailable("response line too long");
      if (pos_ > 0) {
        buffer_.erase(0, pos_);
        pos_ = 0;
      }
      char chunk[4096];
      auto n = receive(chunk);
      if (!n) return n.error();
      if (*n == 0) return unavailable("connection closed in the response head");
      buffer_.append(chunk, *n);
    }
  }

 private:
  Connection() = default;

  static void set_socket_timeout(int fd, int option, std::chrono::milliseconds timeout) {
    timeval value{};
    value.tv_sec = static_cast<time_t>(timeout.count() / 1000);
    value.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
    ::setsockopt(fd, SOL_SOCKET, option, &value, sizeof value);
  }

  // "" when connected, else why not.
  static std::string connect_with_timeout(int fd, const addrinfo& address,
                                          std::chrono::milliseconds timeout) {
    const int flags = ::fcntl(fd, F_GETFL, 0);
    ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    if (::connect(fd, address.ai_addr, address.ai_addrlen) != 0) {
      if (errno != EINPROGRESS) return std::strerror(errno);
      pollfd waiting{fd, POLLOUT, 0};
      const int ready = ::poll(&waiting, 1, static_cast<int>(timeout.count()));
      if (ready == 0) return "connect timed out";
      if (ready < 0) return std::strerror(errno);
      int error = 0;
      socklen_t length = sizeof error;
      ::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length);
      if (error != 0) return std::strerror(error);
    }
    ::fcntl(fd, F_SETFL, flags);
    return {};
  }

  Result<void> start_tls(const Endpoint& endpoint, SSL_CTX* context) {
    ssl_ = SSL_new(context);
    if (!ssl_ || SSL_set_fd(ssl_, fd_) != 1)
      return unavailable("cannot set up TLS: " + openssl_errors());
    // SNI and host-name verification, unless the host is an IP literal (verified as an IP).
    if (!is_ip_literal(endpoint.host)) {
      SSL_set_tlsext_host_name(ssl_, endpoint.host.c_str());
      SSL_set1_host(ssl_, endpoint.host.c_str());
    } else {
      X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl_), endpoint.host.c_str());
    }
    SigpipeBlock block;
    const int result = SSL_connect(ssl_);
    if (result != 1) {
      const long verify = SSL_get_verify_result(ssl_);
      std::string reason = ssl_error(result);
      if (verify != X509_V_OK)
        reason += std::string(" (certificate: ") + X509_verify_cert_error_string(verify) + ")";
      return unavailable("TLS handshake with " + endpoint.host_header() + " failed: " + reason);
    }
    return platform::core::ok();
  }

  static bool is_ip_literal(const std::string& host) {
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), nullptr, &hints, &found) != 0) return false;
    ::freeaddrinfo(found);
    return true;
  }

  std::string ssl_error(int result) {
    const int code = SSL_get_error(ssl_, result);
    std::string text = "SSL error " + std::to_string(code);
    if (code == SSL_ERROR_SYSCALL && errno != 0) text += std::string(": ") + std::strerror(errno);
    if (code == SSL_ERROR_WANT_READ || code == SSL_ERROR_WANT_WRITE) text += ": timed out";
    const std::string queued = openssl_errors();
    if (!queued.empty()) text += ": " + queued;
    return text;
  }

  Result<std::size_t> receive(std::span<char> out) {
    for (;;) {
      if (ssl_) {
        const int n = SSL_read(ssl_, out.data(), static_cast<int>(std::min(out.size(), kIoChunk)));
        if (n > 0) return static_cast<std::size_t>(n);
        const int code = SSL_get_error(ssl_, n);
        if (code == SSL_ERROR_ZERO_RETURN) return std::size_t{0};
        // Many servers close without close_notify; the framing decides whether that matters.
        if (code == SSL_ERROR_SYSCALL && ERR_peek_error() == 0 && errno == 0) return std::size_t{0};
        if (code == SSL_ERROR_SSL &&
            ERR_GET_REASON(ERR_peek_error()) == SSL_R_UNEXPECTED_EOF_WHILE_READING) {
          ERR_clear_error();
          return std::size_t{0};
        }
        return unavailable("TLS read failed: " + ssl_error(n));
      }
      const ssize_t n = ::recv(fd_, out.data(), out.size(), 0);
      if (n >= 0) return static_cast<std::size_t>(n);
      if (errno == EINTR) continue;
      return unavailable(errno == EAGAIN || errno == EWOULDBLOCK
                             ? std::string("receive timed out")
                             : std::string("receive failed: ") + std::strerror(errno));
    }
  }

  int fd_ = -1;
  SSL* ssl_ = nullptr;
  std::string buffer_;
  std::size_t pos_ = 0;
};

// ---- HttpResponse ----------------------------------------------------------------------

HttpResponse::HttpResponse(HttpResponse&&) noexcept = default;
HttpResponse& HttpResponse::operator=(HttpResponse&&) noexcept = default;
HttpResponse::~HttpResponse() = default;

std::optional<std::string> HttpResponse::header(std::string_view name) const {
  for (const auto& field : headers_)
    if (iequal(field.name, name)) return field.value;
  return std::nullopt;
}

Result<std::size_t> HttpResponse::read(std::span<char> buffer) {
  if (finished_ || buffer.empty()) return std::size_t{0};
  switch (framing_) {
    case Framing::kNone:
      finished_ = true;
      return std::size_t{0};
    case Framing::kLength: {
      if (remaining_ == 0) {
        finished_ = true;
        return std::size_t{0};
      }
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), remaining_));
      auto n = connection_->read_some(buffer.first(want));
      if (!n) return n.error();
      if (*n == 0)
        return unavailable("connection closed with " + std::to_string(remaining_) +
                           " body bytes still expected");
      remaining_ -= *n;
      return *n;
    }
    case Framing::kChunked:
      return read_chunked(buffer);
    case Framing::kUntilClose: {
      auto n = connection_->read_some(buffer);
      if (n && *n == 0) finished_ = true;
      return n;
    }
  }
  return std::size_t{0};
}

Result<std::size_t> HttpResponse::read_chunked(std::span<char> buffer) {
  for (;;) {
    if (chunk_open_ && remaining_ > 0) {
      const std::size_t want =
          static_cast<std::size_t>(std::min<std::uint64_t>(buffer.size(), remaining_));
      auto n = connection_->read_some(buffer.first(want));
      if (!n) return n.error();
      if (*n == 0) return unavailable("connection closed inside a chunk");
      remaining_ -= *n;
      return *n;
    }
    if (chunk_open_) {  // the CRLF after a chunk's data
      auto end = connection_->read_line(16);
      if (!end) return end.error();
      if (!end->empty()) return unavailable("chunk not followed by CRLF");
      chunk_open_ = false;
    }
    auto size_line = connection_->read_line(1024);
    if (!size_line) return size_line.error();
    std::string_view size_text = trim(*size_line);
    size_text = size_text.substr(0, size_text.find(';'));  // chunk extensions are ignored
    std::uint64_t size = 0;
    const auto [end, error] =
        std::from_chars(size_text.data(), size_text.data() + size_text.size(), size, 16);
    if (size_text.empty() || error != std::errc{} || end != size_text.data() + size_text.size())
      return unavailable("bad chunk size line");
    if (size == 0) {
      for (;;) {  // trailers, up to the empty line
        auto trailer = connection_->read_line(kMaxHeaderBytes);
        if (!trailer) return trailer.error();
        if (trailer->empty()) break;
      }
      finished_ = true;
      return std::size_t{0};
    }
    remaining_ = size;
    chunk_open_ = true;
  }
}

Result<std::string> HttpResponse::read_all(std::size_t limit) {
  std::string body;
  char chunk[16 * 1024];
  for (;;) {
    auto n = read(chunk);
    if (!n) return n.error();
    if (*n == 0) return body;
    if (body.size() + *n > limit) return unavailable("response body larger than expected");
    body.append(chunk, *n);
  }
}

// ---- HttpClient ------------------------------------------------------------------------

HttpClient::HttpClient(HttpOptions options) : options_(std::move(options)) {}
HttpClient::~HttpClient() = default;

Result<HttpResponse> HttpClient::send(const Endpoint& endpoint, const HttpRequest& request) {
  SSL_CTX* context = nullptr;
  if (endpoint.tls) {
    if (!tls_) {
      auto tls = std::make_unique<TlsContext>();
      tls->context = SSL_CTX_new(TLS_client_method());
      if (!tls->context) return unavailable("cannot create a TLS context: " + openssl_errors());
      SSL_CTX_set_min_proto_version(tls->context, TLS1_2_VERSION);
      SSL_CTX_set_verify(tls->context, SSL_VERIFY_PEER, nullptr);
      const int loaded =
          options_.ca_file.empty()
              ? SSL_CTX_set_default_verify_paths(tls->context)
              : SSL_CTX_load_verify_locations(tls->context, options_.ca_file.c_str(), nullptr);
      if (loaded != 1)
        return Error::internal("cannot load the trusted CA certificates: " + openssl_errors());
      tls_ = std::move(tls);
    }
    context = tls_->context;
  }

  std::uint64_t content_length = request.body.size();
  std::ifstream file;
  if (request.body_file) {
    std::error_code error;
    content_length = std::filesystem::file_size(*request.body_file, error);
    if (error)
      return Error::internal("cannot read " + request.body_file->string() + ": " + error.message());
    file.open(*request.body_file, std::ios::binary);
    if (!file) return Error::internal("cannot open " + request.body_file->string());
  }

  auto connection = Connection::open(endpoint, options_, context);
  if (!connection) return connection.error();

  std::string head = request.method + " " + request.target +
                     " HTTP/1.1\r\nHost: " + endpoint.host_header() + "\r\n";
  for (const auto& field : request.headers) head += field.name + ": " + field.value + "\r\n";
  if (content_length > 0 || request.method == "PUT" || request.method == "POST")
    head += "Content-Length: " + std::to_string(content_length) + "\r\n";
  head += "Connection: close\r\n\r\n";

  auto sent = (*connection)->write_all(head);
  if (sent && !request.body_file) sent = (*connection)->write_all(request.body);
  if (sent && request.body_file) {
    std::vector<char> chunk(kIoChunk);
    std::uint64_t left = content_length;
    while (sent && left > 0) {
      file.read(chunk.data(),
                static_cast<std::streamsize>(std::min<std::uint64_t>(chunk.size(), left)));
      const auto got = static_cast<std::size_t>(file.gcount());
      if (got == 0)
        return Error::internal("file " + request.body_file->string() + " shrank while sent");
      sent = (*connection)->write_all({chunk.data(), got});
      left -= got;
    }
  }
  // A server may answer (403, 400) and close before taking the whole body; its answer is
  // worth more than the write error, so try to read it before giving up.

  HttpResponse response;
  response.connection_ = std::move(*connection);
  auto status_line = response.connection_->read_line(kMaxHeaderBytes);
  if (!status_line) return sent ? status_line.error() : sent.error();
  // "HTTP/1.1 200 OK"
  if (!status_line->starts_with("HTTP/1.") || status_line->size() < 12)
    return unavailable("not an HTTP/1.x status line: " + status_line->substr(0, 80));
  const auto [end, error] =
      std::from_chars(status_line->data() + 9, status_line->data() + 12, response.status_);
  if (error != std::errc{} || response.status_ < 100)
    return unavailable("bad status line: " + status_line->substr(0, 80));

  std::size_t head_bytes = 0;
  for (;;) {
    auto line = response.connection_->read_line(kMaxHeaderBytes);
    if (!line) return line.error();
    if (line->empty()) break;
    head_bytes += line->size();
    if (head_bytes > kMaxHeaderBytes) return unavailable("response headers too large");
    const std::size_t colon = line->find(':');
    if (colon == std::string::npos || colon == 0) return unavailable("bad header line");
    response.headers_.push_back(
        {line->substr(0, colon), std::string(trim(std::string_view(*line).substr(colon + 1)))});
  }
  if (response.status_ < 200 && response.status_ != 101)
    return unavailable("unexpected interim response " + std::to_string(response.status_));

  const auto transfer_encoding = response.header("Transfer-Encoding");
  const auto content_length_header = response.header("Content-Length");
  if (request.method == "HEAD" || response.status_ == 204 || response.status_ == 304) {
    response.framing_ = HttpResponse::Framing::kNone;
  } else if (transfer_encoding && transfer_encoding->find("chunked") != std::string::npos) {
    response.framing_ = HttpResponse::Framing::kChunked;
  } else if (content_length_header) {
    std::uint64_t length = 0;
    const std::string& text = *content_length_header;
    const auto [length_end, length_error] =
        std::from_chars(text.data(), text.data() + text.size(), length);
    if (length_error != std::errc{} || length_end != text.data() + text.size())
      return unavailable("bad Content-Length: " + text);
    response.framing_ = HttpResponse::Framing::kLength;
    response.remaining_ = length;
  } else {
    response.framing_ = HttpResponse::Framing::kUntilClose;
  }
  return response;
}

}  // namespace file_service::infrastructure::s3
