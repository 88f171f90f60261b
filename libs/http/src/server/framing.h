// What the server checks on a request's header before any route sees it: the size
// limits (414, 431) and the framing rules of RFC 9112 that keep one byte stream from
// being read as different requests by us and by a proxy in front of us (request
// smuggling: §6.1 and §6.3 on Transfer-Encoding and Content-Length, §3.2 on Host).
// Plain functions over header fields: no socket, testable on their own.
#pragma once

#include <cstddef>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "platform/http/message.h"

namespace platform::http::detail {

// Why the server answers a request itself instead of routing it. The connection closes
// after such an answer: what follows in the stream cannot be trusted to start a request.
struct Refusal {
  int status = 400;
  std::string detail;
  Headers headers;  // e.g. Retry-After on a 503
};

struct FieldView {
  std::string_view name;
  std::string_view value;
};

struct HeaderLimits {
  std::size_t max_url_bytes = 0;
  std::size_t max_header_bytes = 0;  // all fields together, names and values
};

// 414 for a target over the limit, 431 for header fields over it.
std::optional<Refusal> check_limits(std::string_view target, std::span<const FieldView> fields,
                                    const HeaderLimits& limits);

// 400 for: a Transfer-Encoding other than exactly one `chunked`; Transfer-Encoding
// together with Content-Length; several Content-Length fields that differ;
// Transfer-Encoding on an HTTP/1.0 request; more than one Host, or none on HTTP/1.1.
// `version` is 10 or 11.
std::optional<Refusal> check_framing(unsigned version, std::span<const FieldView> fields);

// Whether the client waits for `100 Continue` before sending its body: it asked with
// `Expect: 100-continue`, and speaks HTTP/1.1. An HTTP/1.0 client knows no 1xx answers
// (RFC 9110 §10.1.1) and sends its body anyway. `version` is 10 or 11.
bool expects_continue(unsigned version, std::string_view expect);

}  // namespace platform::http::detail
