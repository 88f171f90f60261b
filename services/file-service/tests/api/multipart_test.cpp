#include "api/multipart.h"

#include <gtest/gtest.h>

#include <vector>

namespace file_service::api {
namespace {

using namespace std::string_literals;
using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

struct RecordedPart {
  PartHeaders headers;
  std::string data;
  bool ended = false;

  friend bool operator==(const RecordedPart&, const RecordedPart&) = default;
};

// Records what the parser reports and checks the events come in a valid order.
class Recorder : public MultipartHandler {
 public:
  Result<void> on_part_begin(const PartHeaders& headers) override {
    EXPECT_TRUE(parts_.empty() || parts_.back().ended);
    EXPECT_FALSE(ended_);
    parts_.push_back({headers, {}, false});
    return platform::core::ok();
  }
  Result<void> on_part_data(std::string_view data) override {
    EXPECT_FALSE(data.empty());
    EXPECT_FALSE(parts_.empty() || parts_.back().ended);
    largest_chunk_ = std::max(largest_chunk_, data.size());
    parts_.back().data.append(data);
    if (parts_.back().data.size() > data_limit_) return Error(ErrorCode::kTooLarge, "too large");
    return platform::core::ok();
  }
  Result<void> on_part_end() override {
    EXPECT_FALSE(parts_.empty() || parts_.back().ended);
    parts_.back().ended = true;
    return platform::core::ok();
  }
  Result<void> on_end() override {
    EXPECT_FALSE(ended_);
    ended_ = true;
    return platform::core::ok();
  }

  std::vector<RecordedPart> parts_;
  bool ended_ = false;
  std::size_t largest_chunk_ = 0;
  std::size_t data_limit_ = SIZE_MAX;
};

const std::string kContentType = "multipart/form-data; boundary=----WebKitFormBoundary7MA4YWxk";
const std::string kBoundary = "----WebKitFormBoundary7MA4YWxk";

std::string browser_body() {
  return "--" + kBoundary +
         "\r\n"
         "Content-Disposition: form-data; name=\"title\"\r\n"
         "\r\n"
         "Week 1\r\n"
         "--" +
         kBoundary +
         "\r\n"
         "Content-Disposition: form-data; name=\"file\"; filename=\"notes.pdf\"\r\n"
         "Content-Type: application/pdf\r\n"
         "\r\n"
         "%PDF-1.7\r\n\r\n--almost a boundary\r\n--" +
         kBoundary.substr(0, 10) + "\r\n\r\r\n-" +
         "\r\n"
         "--" +
         kBoundary + "--\r\n";
}

std::vector<RecordedPart> expected_browser_parts() {
  return {{{"title", std::nullopt, ""}, "Week 1", true},
          {{"file", "notes.pdf", "application/pdf"},
           "%PDF-1.7\r\n\r\n--almost a boundary\r\n--" + kBoundary.substr(0, 10) + "\r\n\r\r\n-",
           true}};
}

struct Outcome {
  Result<void> fed = platform::core::ok();
  Result<void> finished = platform::core::ok();
};

Outcome parse_in_pieces(std::string_view body, const std::vector<std::size_t>& cuts,
                        Recorder& recorder, std::string_view content_type = kContentType,
                        MultipartLimits limits = {}) {
  auto parser = MultipartParser::create(content_type, recorder, limits);
  EXPECT_TRUE(parser.has_value());
  Outcome outcome;
  std::size_t from = 0;
  for (std::size_t cut : cuts) {
    outcome.fed = parser->feed(body.substr(from, cut - from));
    if (!outcome.fed) return outcome;
    from = cut;
  }
  outcome.fed = parser->feed(body.substr(from));
  if (!outcome.fed) return outcome;
  outcome.finished = parser->finish();
  return outcome;
}

TEST(MultipartBoundary, ReadsAQuotedOrPlainBoundary) {
  EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=abc"), "abc");
  EXPECT_EQ(*multipart_boundary("Multipart/Form-Data;BOUNDARY=\"a b:c\""), "a b:c");
  EXPECT_EQ(*multipart_boundary("multipart/form-data; charset=utf-8; boundary=x-y"), "x-y");
  EXPECT_EQ(*multipart_boundary("multipart/form-data; boundary=" + std::string(70, 'b')),
            std::string(70, 'b'));
}

TEST(MultipartBoundary, RejectsAMissingEmptyLongOrOddBoundary) {
  for (const std::string& content_type :
       {"multipart/form-data"s, "multipart/form-data; charset=utf-8"s,
        "multipart/form-data; boundary="s, "multipart/form-data; boundary=\"\""s,
        "multipart/form-data; boundary=" + std::string(71, 'b'),
        "multipart/form-data; boundary=\"a\r\nb\""s, "multipart/form-data; boundary=\"ab \""s,
        "multipart/form-data; boundary=\"unterminated"s}) {
    auto boundary = multipart_boundary(content_type);
    ASSERT_FALSE(boundary.has_value()) << content_type;
    EXPECT_EQ(boundary.error().code(), ErrorCode::kMalformed) << content_type;
  }
}

TEST(MultipartBoundary, RejectsOtherMediaTypes) {
  for (std::string_view content_type :
       {"application/json", "multipart/mixed; boundary=abc", "", "text/plain; boundary=abc"}) {
    auto boundary = multipart_boundary(content_type);
    ASSERT_FALSE(boundary.has_value()) << content_type;
    EXPECT_EQ(boundary.error().code(), ErrorCode::kUnsupportedMediaType);
  }
}

TEST(MultipartParser, ParsesABrowserBodyInOneChunk) {
  Recorder recorder;
  const Outcome outcome = parse_in_pieces(browser_body(), {}, recorder);
  ASSERT_TRUE(outcome.fed.has_value()) << outcome.fed.error().detail();
  ASSERT_TRUE(outcome.finished.has_value()) << outcome.finished.error().detail();
  EXPECT_EQ(recorder.parts_, expected_browser_parts());
  EXPECT_TRUE(recorder.ended_);
}

TEST(MultipartParser, ParsesTheSameWhereverTheBodyIsSplitInTwo) {
  const std::string body = browser_body();
  for (std::size_t cut = 0; cut <= body.size(); ++cut) {
    Recorder recorder;
    const Outcome outcome = parse_in_pieces(body, {cut}, recorder);
    ASSERT_TRUE(outcome.fed.has_value()) << cut << ": " << outcome.fed.error().detail();
    ASSERT_TRUE(outcome.finished.has_value()) << cut;
    EXPECT_EQ(recorder.parts_, expected_browser_parts()) << cut;
    EXPECT_TRUE(recorder.ended_) << cut;
  }
}

TEST(MultipartParser, ParsesTheSameWhereverTheBodyIsSplitInThree) {
  const std::string body = browser_body();
  for (std::size_t first = 0; first <= body.size(); first += 3) {
    for (std::size_t second = first; second <= body.size(); ++second) {
      Recorder recorder;
      const Outcome outcome = parse_in_pieces(body, {first, second}, recorder);
      ASSERT_TRUE(outcome.finished.has_value()) << first << "," << second;
      ASSERT_EQ(recorder.parts_, expected_browser_parts()) << first << "," << second;
    }
  }
}

TEST(MultipartParser, ParsesTheSameFedOneByteAtATime) {
  const std::string body = browser_body();
  std::vector<std::size_t> cuts;
  for (std::size_t i = 1; i < body.size(); ++i) cuts.push_back(i);
  Recorder recorder;
  const Outcome outcome = parse_in_pieces(body, cuts, recorder);
  ASSERT_TRUE(outcome.finished.has_value());
  EXPECT_EQ(recorder.parts_, expected_browser_parts());
  EXPECT_TRUE(recorder.ended_);
}

TEST(MultipartParser, PassesDataOnWithoutBufferingIt) {
  const std::string payload(1 << 20, 'x');
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"file\"\r\n\r\n" + payload + "\r\n--b--";
  Recorder recorder;
  auto parser = MultipartParser::create("multipart/form-data; boundary=b", recorder);
  ASSERT_TRUE(parser.has_value());
  // Feed 4 KiB chunks: each arrives as (at most) one data event of its own size.
  for (std::size_t at = 0; at < body.size(); at += 4096)
    ASSERT_TRUE(parser->feed(std::string_view(body).substr(at, 4096)).has_value());
  ASSERT_TRUE(parser->finish().has_value());
  EXPECT_LE(recorder.largest_chunk_, 4096u);
  EXPECT_EQ(recorder.parts_.at(0).data, payload);
}

TEST(MultipartParser, IgnoresPreambleEpilogueAndTransportPadding) {
  const std::string body =
      "This is a preamble.\r\n--b  \t\r\n"
      "content-disposition: FORM-DATA; NAME=x\r\n\r\n1\r\n--b\r\n"
      "Content-Disposition: form-data; name=y\r\n\r\n\r\n--b--  trailing epilogue\r\nmore";
  Recorder recorder;
  const Outcome outcome = parse_in_pieces(body, {}, recorder, "multipart/form-data; boundary=b");
  ASSERT_TRUE(outcome.finished.has_value());
  ASSERT_EQ(recorder.parts_.size(), 2u);
  EXPECT_EQ(recorder.parts_[0].headers.name, "x");
  EXPECT_EQ(recorder.parts_[0].data, "1");
  EXPECT_EQ(recorder.parts_[1].data, "");
}

TEST(MultipartParser, ReadsFilenameAndFilenameStar) {
  const std::string body =
      "--b\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"fallback.pdf\"; "
      "filename*=UTF-8''%C3%9Cbersicht%20Plan.pdf\r\n\r\nx\r\n"
      "--b\r\n"
      "Content-Disposition: form-data; name=\"latin\"; filename*=iso-8859-1'de'%FCber.txt\r\n"
      "\r\ny\r\n"
      "--b\r\n"
      "Content-Disposition: form-data; name=\"bad\"; filename=\"kept.txt\"; "
      "filename*=UTF-8''%C3%28.txt\r\n\r\nz\r\n"
      "--b\r\n"
      "Content-Disposition: form-data; name=\"path\"; filename=\"C:\\dir\\a \\\"q\\\".pdf\"\r\n"
      "\r\nw\r\n"
      "--b--";
  Recorder recorder;
  const Outcome outcome = parse_in_pieces(body, {}, recorder, "multipart/form-data; boundary=b");
  ASSERT_TRUE(outcome.finished.has_value()) << outcome.fed.error().detail();
  ASSERT_EQ(recorder.parts_.size(), 4u);
  EXPECT_EQ(recorder.parts_[0].headers.filename,
            "\xC3\x9C"
            "bersicht Plan.pdf");
  EXPECT_EQ(recorder.parts_[1].headers.filename,
            "\xC3\xBC"
            "ber.txt");
  EXPECT_EQ(recorder.parts_[2].headers.filename, "kept.txt");  // bad UTF-8 in filename*
  EXPECT_EQ(recorder.parts_[3].headers.filename, "C:\\dir\\a \"q\".pdf");
}

TEST(MultipartParser, AcceptsAClosingBoundaryWithoutParts) {
  Recorder recorder;
  const Outcome outcome =
      parse_in_pieces("--b--\r\n", {}, recorder, "multipart/form-data; boundary=b");
  ASSERT_TRUE(outcome.finished.has_value());
  EXPECT_TRUE(recorder.parts_.empty());
  EXPECT_TRUE(recorder.ended_);
}

void expect_malformed(const Outcome& outcome, std::string_view detail_part) {
  const Result<void>& failed = outcome.fed ? outcome.finished : outcome.fed;
  ASSERT_FALSE(failed.has_value()) << "expected: " << detail_part;
  EXPECT_EQ(failed.error().code(), ErrorCode::kMalformed);
  EXPECT_NE(failed.error().detail().find(detail_part), std::string::npos)
      << failed.error().detail();
}

TEST(MultipartParser, TellsATruncatedBodyApart) {
  const std::string body = browser_body();
  // Every cut short of the closing "--" is a truncated body, whichever state it ends in.
  const std::size_t closing_dashes = body.rfind("--\r\n");
  for (std::size_t size = 0; size < closing_dashes + 2; ++size) {
    Recorder recorder;
    const Outcome outcome = parse_in_pieces(std::string_view(body).substr(0, size), {}, recorder);
    expect_malformed(outcome, "ended before its closing boundary");
  }
}

TEST(MultipartParser, LimitsTheHeaderBlock) {
  const std::string body =
      "--b\r\nContent-Disposition: form-data; name=\"f\"\r\nX-Junk: " + std::string(9000, 'j') +
      "\r\n\r\ndata\r\n--b--";
  Recorder recorder;
  expect_malformed(parse_in_pieces(body, {}, recorder, "multipart/form-data; boundary=b"),
                   "header block is longer than 8192 bytes");
}

TEST(MultipartParser, LimitsTheNumberOfParts) {
  std::string body;
  for (int i = 0; i < 5; ++i)
    body += "--b\r\nContent-Disposition: form-data; name=\"p\"\r\n\r\nx\r\n";
  body += "--b--";
  Recorder recorder;
  expect_malformed(parse_in_pieces(body, {}, recorder, "multipart/form-data; boundary=b",
                                   {.max_header_bytes = 8192, .max_parts = 4}),
                   "more than 4 parts");
  EXPECT_EQ(recorder.parts_.size(), 4u);
}

TEST(MultipartParser, RequiresAFormDataDispositionWithAName) {
  for (const std::string& headers :
       {"Content-Type: text/plain\r\n"s, ""s, "Content-Disposition: attachment; name=\"a\"\r\n"s,
        "Content-Disposition: form-data; filename=\"a\"\r\n"s}) {
    Recorder recorder;
    const std::string body = "--b\r\n" + headers + "\r\ndata\r\n--b--";
    expect_malformed(parse_in_pieces(body, {}, recorder, "multipart/form-data; boundary=b"),
                     "no Content-Disposition: form-data header with a name");
  }
}

TEST(MultipartParser, RejectsBrokenHeaderLinesAndBoundaryLines) {
  Recorder a;
  expect_malformed(parse_in_pieces("--b\r\nno colon here\r\n\r\nx\r\n--b--", {}, a,
                                   "multipart/form-data; boundary=b"),
                   "no colon");
  Recorder b;
  expect_malformed(parse_in_pieces("--bogus\r\n\r\n", {}, b, "multipart/form-data; boundary=b"),
                   "unexpected characters");
  Recorder c;
  expect_malformed(parse_in_pieces("--b\rX", {}, c, "multipart/form-data; boundary=b"),
                   "does not end with CRLF");
}

TEST(MultipartParser, StopsAtTheHandlersErrorAndKeepsReturningIt) {
  Recorder recorder;
  recorder.data_limit_ = 3;
  auto parser = MultipartParser::create("multipart/form-data; boundary=b", recorder);
  ASSERT_TRUE(parser.has_value());
  auto fed = parser->feed("--b\r\nContent-Disposition: form-data; name=f\r\n\r\ntoo much data");
  ASSERT_FALSE(fed.has_value());
  EXPECT_EQ(fed.error().code(), ErrorCode::kTooLarge);
  auto again = parser->feed("\r\n--b--");
  ASSERT_FALSE(again.has_value());
  EXPECT_EQ(again.error().code(), ErrorCode::kTooLarge);
  EXPECT_FALSE(parser->finish().has_value());
  EXPECT_FALSE(parser->done());
}

}  // namespace
}  // namespace file_service::api
