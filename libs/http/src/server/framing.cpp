#include "framing.h"

#include "platform/core/strings.h"

namespace platform::http::detail {
namespace {

Refusal bad_request(std::string detail) {
  return Refusal{.status = 400, .detail = std::move(detail), .headers = {}};
}

}  // namespace

std::optional<Refusal> check_limits(std::string_view target, std::span<const FieldView> fields,
                                    const HeaderLimits& limits) {
  if (target.size() > limits.max_url_bytes) {
    return Refusal{.status = 414, .detail = "the request target is too long", .headers = {}};
  }
  std::size_t field_bytes = 0;
  for (const auto& field : fields) {
    field_bytes += field.name.size() + field.value.size() + 4;  // ": " and CRLF
  }
  if (field_bytes > limits.max_header_bytes) {
    return Refusal{
        .status = 431, .detail = "the request header fields are too large", .headers = {}};
  }
  return std::nullopt;
}

std::optional<Refusal> check_framing(unsigned version, std::span<const FieldView> fields) {
  std::size_t hosts = 0;
  std::size_t transfer_encodings = 0;
  std::string_view transfer_encoding;
  std::optional<std::string_view> content_length;
  bool differing_lengths = false;
  for (const auto& field : fields) {
    if (core::iequals(field.name, "Host")) {
      ++hosts;
    } else if (core::iequals(field.name, "Transfer-Encoding")) {
      ++transfer_encodings;
      transfer_encoding = field.value;
    } else if (core::iequals(field.name, "Content-Length")) {
      const auto value = core::trim(field.value);
      if (content_length && *content_length != value) differing_lengths = true;
      content_length = value;
    }
  }
  if (hosts > 1) return bad_request("the request has more than one Host header");
  if (hosts == 0 && version >= 11) {
    return bad_request("an HTTP/1.1 request must have a Host header");
  }
  if (transfer_encodings > 0) {
    // A front proxy that reads the body by one rule while we read it by another is how
    // requests are smuggled: accept one unambiguous framing only.
    if (version < 11) {
      return bad_request("Transfer-Encoding is not allowed in an HTTP/1.0 request");
    }
    if (content_length) {
      return bad_request("the request has both Transfer-Encoding and Content-Length");
    }
    if (transfer_encodings > 1 || !core::iequals(core::trim(transfer_encoding), "chunked")) {
      return bad_request("the only Transfer-Encoding accepted is a single \"chunked\"");
    }
  }
  if (differing_lengths) {
    return bad_request("the request has several differing Content-Length values");
  }
  return std::nullopt;
}

bool expects_continue(unsigned version, std::string_view expect) {
  return version >= 11 && core::iequals(core::trim(expect), "100-continue");
}

}  // namespace platform::http::detail
