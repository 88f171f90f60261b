// A streaming (push) parser for multipart/form-data bodies (RFC 7578 on RFC 2046 5.1).
//
//   class Upload : public MultipartHandler { ... };   // spools the "file" part
//   Upload upload;
//   auto parser = MultipartParser::create(request.header("Content-Type"), upload);
//   if (!parser) return parser.error();                // 415 or 400
//   while (auto chunk = body.next())
//     if (auto fed = parser->feed(*chunk); !fed) return fed.error();
//   if (auto done = parser->finish(); !done) return done.error();
//
// Part data is handed on as it arrives, in pieces of the chunks fed (no copy); only a
// window shorter than the delimiter ("\r\n--" + boundary) is held back while it might be
// the start of one. So a part of any size costs the parser a few dozen bytes; limiting
// sizes is the handler's business (it may fail any event to stop the parse).
//
// Decisions:
// - Preamble and epilogue are ignored; transport padding (spaces, tabs) after a boundary
//   is allowed.
// - Every part must carry "Content-Disposition: form-data" with a name (RFC 7578 4.2);
//   a part without is kMalformed.
// - filename*= (RFC 5987, UTF-8 or ISO-8859-1) wins over filename= when both are given
//   and it decodes; a filename* that does not decode is ignored.
// - In a quoted parameter only \" and \\ are escapes; any other backslash is kept,
//   because old browsers send Windows paths raw ("C:\dir\a.pdf").
// - Header names are case-insensitive; obsolete line folding is joined with a space.
// - The header block of a part is at most `max_header_bytes`, a body holds at most
//   `max_parts` parts: past either, kMalformed, so a hostile body cannot make the parser
//   hold or announce unbounded data.
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "platform/core/result.h"

namespace file_service::api {

inline constexpr std::size_t kMaxBoundaryLength = 70;  // RFC 2046 5.1.1

struct PartHeaders {
  std::string name;                     // the form field's name
  std::optional<std::string> filename;  // as the client sent it, decoded; not sanitised
  std::string content_type;             // the part's Content-Type; "" when absent

  friend bool operator==(const PartHeaders&, const PartHeaders&) = default;
};

// What the parser reports, in order: for each part begin, data*, end; then end once.
// An event that fails stops the parse; feed() returns its error.
class MultipartHandler {
 public:
  virtual ~MultipartHandler() = default;
  virtual platform::core::Result<void> on_part_begin(const PartHeaders& headers) = 0;
  virtual platform::core::Result<void> on_part_data(std::string_view data) = 0;
  virtual platform::core::Result<void> on_part_end() = 0;
  // The closing boundary was read; anything after it is ignored.
  virtual platform::core::Result<void> on_end() { return platform::core::ok(); }
};

struct MultipartLimits {
  std::size_t max_header_bytes = 8 * 1024;  // one part's header block, blank line included
  std::size_t max_parts = 16;
};

// The boundary parameter of a multipart/form-data Content-Type, unquoted.
// kUnsupportedMediaType when the type is not multipart/form-data; kMalformed when the
// boundary is missing, empty, longer than 70 characters or holds characters RFC 2046
// does not allow.
platform::core::Result<std::string> multipart_boundary(std::string_view content_type);

class MultipartParser {
 public:
  // `handler` must outlive the parser.
  static platform::core::Result<MultipartParser> create(std::string_view content_type,
                                                        MultipartHandler& handler,
                                                        MultipartLimits limits = {});

  // Feeds the next piece of the body, of any size. After an error every call returns it.
  platform::core::Result<void> feed(std::string_view chunk);
  // Says the body is over: kMalformed when the closing boundary has not been read.
  platform::core::Result<void> finish();
  // True once the closing boundary was read.
  bool done() const { return state_ == State::kEpilogue; }

 private:
  enum class State {
    kPreamble,           // before the first delimiter
    kAfterBoundary,      // after a delimiter: "--", padding or CRLF
    kAfterBoundaryDash,  // read one '-' of the closing "--"
    kAfterBoundaryCr,    // read the CR of the line end
    kHeaders,            // a part's header block, up to the blank line
    kData,               // a part's content
    kEpilogue,           // after the closing boundary
    kFailed,
  };

  MultipartParser(std::string boundary, MultipartHandler& handler, MultipartLimits limits);

  platform::core::Result<void> fail(platform::core::Error error);
  // Scans `chunk` for the delimiter in kPreamble or kData; returns the bytes consumed.
  platform::core::Result<std::size_t> scan(std::string_view chunk);
  platform::core::Result<std::size_t> after_boundary(std::string_view chunk);
  platform::core::Result<std::size_t> read_headers(std::string_view chunk);
  platform::core::Result<void> begin_part();

  std::string delimiter_;  // "\r\n--" + boundary
  MultipartHandler* handler_;
  MultipartLimits limits_;
  State state_ = State::kPreamble;
  // How many leading bytes of delimiter_ the input has matched and the parser holds back.
  std::size_t matched_ = 0;
  std::string header_block_;
  std::size_t parts_ = 0;
  std::optional<platform::core::Error> error_;
};

}  // namespace file_service::api
