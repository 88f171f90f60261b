#include "api/multipart.h"

#include <vector>

#include "platform/core/strings.h"

namespace file_service::api {
namespace {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

struct Parameter {
  std::string name;  // lower case
  std::string value;
};

struct HeaderValue {
  std::string type;  // lower case: "form-data", "multipart/form-data"
  std::vector<Parameter> parameters;

  const std::string* parameter(std::string_view name) const {
    for (const Parameter& parameter : parameters)
      if (parameter.name == name) return &parameter.value;
    return nullptr;
  }
};

bool is_space(char c) {
  return c == ' ' || c == '\t';
}

void skip_spaces(std::string_view text, std::size_t& at) {
  while (at < text.size() && is_space(text[at])) ++at;
}

// `type *( ";" name "=" ( token / quoted-string ) )`. In a quoted string only \" and \\ are
// escapes (see the header). nullopt when the text does not have that shape.
std::optional<HeaderValue> parse_header_value(std::string_view text) {
  HeaderValue result;
  std::size_t at = text.find(';');
  result.type = platform::core::ascii_lower(platform::core::trim(text.substr(0, at)));
  if (at == std::string_view::npos) return result;
  while (at < text.size()) {
    ++at;  // the ';'
    skip_spaces(text, at);
    if (at == text.size()) break;  // a trailing ';'
    const std::size_t equals = text.find('=', at);
    if (equals == std::string_view::npos) return std::nullopt;
    Parameter parameter{
        platform::core::ascii_lower(platform::core::trim(text.substr(at, equals - at))), {}};
    if (parameter.name.empty()) return std::nullopt;
    at = equals + 1;
    skip_spaces(text, at);
    if (at < text.size() && text[at] == '"') {
      ++at;
      bool closed = false;
      while (at < text.size()) {
        const char c = text[at++];
        if (c == '"') {
          closed = true;
          break;
        }
        if (c == '\\' && at < text.size() && (text[at] == '"' || text[at] == '\\')) {
          parameter.value.push_back(text[at++]);
        } else {
          parameter.value.push_back(c);
        }
      }
      if (!closed) return std::nullopt;
      skip_spaces(text, at);
      if (at < text.size() && text[at] != ';') return std::nullopt;
    } else {
      const std::size_t end = std::min(text.find(';', at), text.size());
      parameter.value = std::string(platform::core::trim(text.substr(at, end - at)));
      at = end;
    }
    // The first of repeated parameters counts.
    if (result.parameter(parameter.name) == nullptr)
      result.parameters.push_back(std::move(parameter));
  }
  return result;
}

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// RFC 5987 ext-value: charset "'" [ language ] "'" value-chars, decoded to UTF-8.
std::optional<std::string> decode_ext_value(std::string_view text) {
  const std::size_t first_quote = text.find('\'');
  if (first_quote == std::string_view::npos) return std::nullopt;
  const std::size_t second_quote = text.find('\'', first_quote + 1);
  if (second_quote == std::string_view::npos) return std::nullopt;
  const std::string charset = platform::core::ascii_lower(text.substr(0, first_quote));
  const std::string_view encoded = text.substr(second_quote + 1);
  std::string bytes;
  for (std::size_t i = 0; i < encoded.size(); ++i) {
    const auto c = static_cast<unsigned char>(encoded[i]);
    if (c == '%') {
      if (i + 2 >= encoded.size()) return std::nullopt;
      const int high = hex_value(encoded[i + 1]);
      const int low = hex_value(encoded[i + 2]);
      if (high < 0 || low < 0) return std::nullopt;
      bytes.push_back(static_cast<char>(high * 16 + low));
      i += 2;
    } else if (c > 0x20 && c < 0x7F) {
      bytes.push_back(static_cast<char>(c));
    } else {
      return std::nullopt;
    }
  }
  if (charset == "utf-8") {
    if (!platform::core::is_valid_utf8(bytes)) return std::nullopt;
    return bytes;
  }
  if (charset == "iso-8859-1") {
    std::string utf8;
    for (char byte : bytes) {
      const auto code = static_cast<unsigned char>(byte);
      if (code < 0x80) {
        utf8.push_back(byte);
      } else {
        utf8.push_back(static_cast<char>(0xC0 | (code >> 6)));
        utf8.push_back(static_cast<char>(0x80 | (code & 0x3F)));
      }
    }
    return utf8;
  }
  return std::nullopt;
}

// RFC 2046 bchars.
bool is_boundary_character(char c) {
  if ((c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) return true;
  return std::string_view("'()+_,-./:=? ").find(c) != std::string_view::npos;
}

Error malformed(std::string detail) {
  return Error::malformed(std::move(detail));
}

Result<PartHeaders> parse_part_headers(std::string_view block) {
  std::vector<std::pair<std::string, std::string>> headers;
  std::size_t at = 0;
  while (at < block.size()) {
    std::size_t end = block.find("\r\n", at);
    if (end == std::string_view::npos) end = block.size();
    const std::string_view line = block.substr(at, end - at);
    at = end + 2;
    if (line.empty()) continue;
    if (line.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos)
      return malformed("a multipart part header holds a stray CR, LF or NUL");
    if (is_space(line[0])) {
      if (headers.empty()) return malformed("a multipart part's headers start with a folded line");
      headers.back().second += " " + std::string(platform::core::trim(line));
      continue;
    }
    const std::size_t colon = line.find(':');
    if (colon == std::string_view::npos)
      return malformed("a multipart part header line has no colon");
    headers.emplace_back(platform::core::ascii_lower(platform::core::trim(line.substr(0, colon))),
                         std::string(platform::core::trim(line.substr(colon + 1))));
  }

  PartHeaders part;
  bool has_disposition = false;
  for (const auto& [name, value] : headers) {
    if (name == "content-type" && part.content_type.empty()) {
      part.content_type = value;
    } else if (name == "content-disposition" && !has_disposition) {
      const std::optional<HeaderValue> disposition = parse_header_value(value);
      if (!disposition || disposition->type != "form-data") continue;
      const std::string* field = disposition->parameter("name");
      if (field == nullptr) continue;
      has_disposition = true;
      part.name = *field;
      if (const std::string* ext = disposition->parameter("filename*")) {
        part.filename = decode_ext_value(*ext);
      }
      if (!part.filename) {
        if (const std::string* plain = disposition->parameter("filename")) part.filename = *plain;
      }
    }
  }
  if (!has_disposition)
    return malformed("a multipart part has no Content-Disposition: form-data header with a name");
  return part;
}

}  // namespace

Result<std::string> multipart_boundary(std::string_view content_type) {
  const std::optional<HeaderValue> value = parse_header_value(content_type);
  if (!value) return malformed("the Content-Type header cannot be parsed");
  if (value->type != "multipart/form-data")
    return Error(ErrorCode::kUnsupportedMediaType, "the request body must be multipart/form-data");
  const std::string* boundary = value->parameter("boundary");
  if (boundary == nullptr) return malformed("the multipart Content-Type has no boundary parameter");
  if (boundary->empty() || boundary->size() > kMaxBoundaryLength)
    return malformed("the multipart boundary must be 1 to 70 characters long");
  for (char c : *boundary)
    if (!is_boundary_character(c))
      return malformed("the multipart boundary holds characters RFC 2046 does not allow");
  if (boundary->back() == ' ') return malformed("the multipart boundary must not end with a space");
  return *boundary;
}

Result<MultipartParser> MultipartParser::create(std::string_view content_type,
                                                MultipartHandler& handler, MultipartLimits limits) {
  Result<std::string> boundary = multipart_boundary(content_type);
  if (!boundary) return boundary.error();
  return MultipartParser(std::move(*boundary), handler, limits);
}

MultipartParser::MultipartParser(std::string boundary, MultipartHandler& handler,
                                 MultipartLimits limits)
    : delimiter_("\r\n--" + boundary),
      handler_(&handler),
      limits_(limits),
      // The body may open with the boundary itself: read it as if a CRLF came before.
      matched_(2) {}

Result<void> MultipartParser::fail(Error error) {
  state_ = State::kFailed;
  error_ = error;
  return error;
}

Result<void> MultipartParser::feed(std::string_view chunk) {
  if (state_ == State::kFailed) return *error_;
  while (!chunk.empty()) {
    Result<std::size_t> consumed = std::size_t{0};
    switch (state_) {
      case State::kPreamble:
      case State::kData:
        consumed = scan(chunk);
        break;
      case State::kAfterBoundary:
      case State::kAfterBoundaryDash:
      case State::kAfterBoundaryCr:
        consumed = after_boundary(chunk);
        break;
      case State::kHeaders:
        consumed = read_headers(chunk);
        break;
      case State::kEpilogue:
        consumed = chunk.size();
        break;
      case State::kFailed:
        return *error_;
    }
    if (!consumed) return fail(std::move(consumed).error());
    chunk.remove_prefix(*consumed);
  }
  return platform::core::ok();
}

Result<void> MultipartParser::finish() {
  if (state_ == State::kFailed) return *error_;
  if (state_ != State::kEpilogue)
    return fail(malformed("the multipart body ended before its closing boundary"));
  return platform::core::ok();
}

// The delimiter's only CR is its first byte (a boundary holds no CR), so after a failed
// partial match the next candidate can only start at the next CR: no backtracking, and
// the bytes held back are always delimiter_[0, matched_).
Result<std::size_t> MultipartParser::scan(std::string_view chunk) {
  const bool in_part = state_ == State::kData;
  auto emit = [&](std::string_view data) -> Result<void> {
    if (!in_part || data.empty()) return platform::core::ok();
    return handler_->on_part_data(data);
  };
  auto found = [&](std::size_t consumed) -> Result<std::size_t> {
    if (in_part) {
      if (auto ended = handler_->on_part_end(); !ended) return std::move(ended).error();
    }
    matched_ = 0;
    state_ = State::kAfterBoundary;
    return consumed;
  };

  std::size_t i = 0;
  if (matched_ > 0) {
    const std::size_t carried = matched_;
    while (i < chunk.size() && matched_ < delimiter_.size() && chunk[i] == delimiter_[matched_]) {
      ++matched_;
      ++i;
    }
    if (matched_ == delimiter_.size()) return found(i);
    if (i == chunk.size()) return i;  // still a prefix: keep holding it back
    // Not a delimiter after all: what was held back is data. chunk[0, i) goes out below.
    matched_ = 0;
    if (auto sent = emit(std::string_view(delimiter_).substr(0, carried)); !sent)
      return std::move(sent).error();
  }

  const std::size_t run_start = 0;
  while (true) {
    const std::size_t candidate = chunk.find('\r', i);
    if (candidate == std::string_view::npos) {
      if (auto sent = emit(chunk.substr(run_start)); !sent) return std::move(sent).error();
      return chunk.size();
    }
    std::size_t j = candidate;
    std::size_t m = 0;
    while (j < chunk.size() && m < delimiter_.size() && chunk[j] == delimiter_[m]) {
      ++j;
      ++m;
    }
    if (m == delimiter_.size() || j == chunk.size()) {
      if (auto sent = emit(chunk.substr(run_start, candidate - run_start)); !sent)
        return std::move(sent).error();
      if (m == delimiter_.size()) return found(j);
      matched_ = m;  // the chunk ends inside a possible delimiter
      return chunk.size();
    }
    i = j;  // chunk[candidate + 1, j) matched the CR-free rest: no candidate there
  }
}

Result<std::size_t> MultipartParser::after_boundary(std::string_view chunk) {
  const char c = chunk[0];
  switch (state_) {
    case State::kAfterBoundary:
      if (c == '-') {
        state_ = State::kAfterBoundaryDash;
      } else if (c == '\r') {
        state_ = State::kAfterBoundaryCr;
      } else if (!is_space(c)) {
        return malformed("a multipart boundary is followed by unexpected characters");
      }
      return 1;
    case State::kAfterBoundaryDash:
      if (c != '-') return malformed("a multipart boundary is followed by unexpected characters");
      state_ = State::kEpilogue;
      if (auto ended = handler_->on_end(); !ended) return std::move(ended).error();
      return 1;
    default:  // kAfterBoundaryCr
      if (c != '\n') return malformed("a multipart boundary line does not end with CRLF");
      if (auto begun = begin_part(); !begun) return std::move(begun).error();
      return 1;
  }
}

Result<void> MultipartParser::begin_part() {
  if (++parts_ > limits_.max_parts)
    return malformed("the multipart body has more than " + std::to_string(limits_.max_parts) +
                     " parts");
  header_block_.clear();
  state_ = State::kHeaders;
  return platform::core::ok();
}

Result<std::size_t> MultipartParser::read_headers(std::string_view chunk) {
  for (std::size_t i = 0; i < chunk.size(); ++i) {
    header_block_.push_back(chunk[i]);
    // A blank line ends the block; the block may be empty, then the line is all of it.
    if (header_block_ == "\r\n" || header_block_.ends_with("\r\n\r\n")) {
      Result<PartHeaders> headers = parse_part_headers(header_block_);
      if (!headers) return std::move(headers).error();
      if (auto begun = handler_->on_part_begin(*headers); !begun) return std::move(begun).error();
      header_block_.clear();
      state_ = State::kData;
      matched_ = 0;
      return i + 1;
    }
    if (header_block_.size() > limits_.max_header_bytes)
      return malformed("a multipart part's header block is longer than " +
                       std::to_string(limits_.max_header_bytes) + " bytes");
  }
  return chunk.size();
}

}  // namespace file_service::api
