#include "platform/logging/logger.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "platform/core/time.h"

namespace platform::logging {
namespace {

struct CapturedLogger {
  std::vector<std::string> lines;
  Logger logger{"subject-service", "subject-service-1", Level::kInfo,
                [this](std::string_view line) { lines.emplace_back(line); }};
};

TEST(Logger, WritesOneJsonObjectPerLineWithContextAndFields) {
  CapturedLogger captured;
  captured.logger.info(
      {"req-1", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"}, "request",
      {{"status", 201}, {"route", "/subjects"}, {"ok", true}, {"duration_ms", 1.5}});
  ASSERT_EQ(captured.lines.size(), 1u);
  const auto object = boost::json::parse(captured.lines[0]).as_object();
  EXPECT_EQ(object.at("level").as_string(), "info");
  EXPECT_EQ(object.at("service").as_string(), "subject-service");
  EXPECT_EQ(object.at("instance").as_string(), "subject-service-1");
  EXPECT_EQ(object.at("msg").as_string(), "request");
  EXPECT_EQ(object.at("request_id").as_string(), "req-1");
  EXPECT_EQ(object.at("trace_id").as_string(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(object.at("span_id").as_string(), "b7ad6b7169203331");
  EXPECT_EQ(object.at("status").as_int64(), 201);
  EXPECT_EQ(object.at("route").as_string(), "/subjects");
  EXPECT_TRUE(object.at("ok").as_bool());
  EXPECT_DOUBLE_EQ(object.at("duration_ms").as_double(), 1.5);
  EXPECT_TRUE(object.contains("ts"));
}

// The start of every line (timestamp, level, service, message, ids) is written at a
// cursor: each part, escaped where it must be, reads back as given.
TEST(Logger, TheStartOfALineReadsBackWhateverItsPartsHold) {
  CapturedLogger captured;
  const auto before = platform::core::now_utc();
  captured.logger.error({"id \"with\" quotes\t", "trace\\", "span\x01"}, "", {{"n", 1}});
  const auto after = platform::core::now_utc();
  const auto object = boost::json::parse(captured.lines.at(0)).as_object();
  EXPECT_EQ(object.at("level").as_string(), "error");
  EXPECT_EQ(object.at("msg").as_string(), "");
  EXPECT_EQ(object.at("request_id").as_string(), "id \"with\" quotes\t");
  EXPECT_EQ(object.at("trace_id").as_string(), "trace\\");
  EXPECT_EQ(object.at("span_id").as_string(), "span\x01");
  EXPECT_EQ(object.at("n").as_int64(), 1);
  const auto ts = platform::core::parse_rfc3339(object.at("ts").as_string());
  ASSERT_TRUE(ts.has_value()) << object.at("ts").as_string();
  EXPECT_GE(*ts, std::chrono::floor<std::chrono::microseconds>(before));
  EXPECT_LE(*ts, after);
}

TEST(Logger, EscapesQuotesControlCharactersAndKeepsUnicode) {
  CapturedLogger captured;
  captured.logger.warn("say \"hi\"\n\x01", {{"name", "Ünïcødé ✓"}});
  const auto object = boost::json::parse(captured.lines.at(0)).as_object();
  EXPECT_EQ(object.at("msg").as_string(), "say \"hi\"\n\x01");
  EXPECT_EQ(object.at("name").as_string(), "Ünïcødé ✓");
}

// Every byte value, at every place in texts long and short (the escaper looks at sixteen
// bytes at a time, or eight, a text's last block overlapping the one before, and at texts
// shorter than a block one byte at a time), reads back as itself, and only what JSON
// requires is escaped.
TEST(Logger, EscapesEveryByteWhereverItStands) {
  std::vector<std::size_t> lengths;
  for (std::size_t length = 1; length <= 19; ++length) lengths.push_back(length);
  for (const std::size_t length : {31u, 32u, 33u, 40u, 47u}) lengths.push_back(length);
  for (const std::size_t length : lengths) {
    for (std::size_t at = 0; at < length; ++at) {
      for (int value = 0; value < 256; ++value) {
        std::string text(length, 'a');
        text[at] = static_cast<char>(value);
        std::string escaped;
        append_json_escaped(escaped, text);
        const bool must_escape = value < 0x20 || value == '"' || value == '\\';
        EXPECT_EQ(escaped.size() > text.size(), must_escape) << "byte " << value << " at " << at;
        if (value >= 0x80) continue;  // alone, not UTF-8: JSON parsers refuse it
        const auto parsed = boost::json::parse("\"" + escaped + "\"");
        ASSERT_EQ(parsed.as_string(), text) << "byte " << value << " at " << at;
      }
    }
  }
}

// Writing at a pointer gives what appending gives, within the room promised per
// character, for every byte, and for a text that is escapes only.
TEST(Logger, WritesEscapedTextAtAPointerAsAppendingDoes) {
  std::string every_byte;
  for (int value = 0; value < 256; ++value)
    every_byte += "ab" + std::string(1, static_cast<char>(value));
  const std::string only_escapes(40, '\x01');
  for (const std::string& text : {every_byte, only_escapes, std::string()}) {
    std::string appended;
    append_json_escaped(appended, text);
    std::string room(text.size() * kMaxEscapedBytesPerChar, '\0');
    const char* end = write_json_escaped(room.data(), text);
    EXPECT_EQ(std::string_view(room.data(), static_cast<std::size_t>(end - room.data())), appended);
  }
  std::string worst;
  append_json_escaped(worst, only_escapes);
  EXPECT_EQ(worst.size(), only_escapes.size() * kMaxEscapedBytesPerChar);
}

TEST(Logger, DropsLinesBelowItsLevelAndChangesLevelAtRunTime) {
  CapturedLogger captured;
  captured.logger.debug("hidden");
  EXPECT_TRUE(captured.lines.empty());
  captured.logger.set_level(Level::kDebug);
  captured.logger.debug("shown");
  EXPECT_EQ(captured.lines.size(), 1u);
}

TEST(Logger, RedactsFieldsThatNameSecrets) {
  CapturedLogger captured;
  captured.logger.info("login", {{"password", "hunter2"},
                                 {"Authorization", "Bearer x"},
                                 {"jwt_secret", "s"},
                                 {"user", "ann"}});
  const std::string& line = captured.lines.at(0);
  EXPECT_EQ(line.find("hunter2"), std::string::npos);
  EXPECT_EQ(line.find("Bearer x"), std::string::npos);
  const auto object = boost::json::parse(line).as_object();
  EXPECT_EQ(object.at("password").as_string(), "[redacted]");
  EXPECT_EQ(object.at("user").as_string(), "ann");
}

// A secret word anywhere in a key, in any case, at its start, middle or end, also right
// after a false start of itself; keys that only come close are written as they are.
TEST(Logger, FindsTheSecretWordsAnywhereInAKey) {
  CapturedLogger captured;
  captured.logger.info("keys", {{"x-API_KEY", "1"},
                                {"refreshToken", "2"},
                                {"SetCookie", "3"},
                                {"secret", "4"},
                                {"my-apikey-here", "5"},
                                {"tokeN", "6"},
                                {"toke", "7"},
                                {"passwor", "8"},
                                {"api-key", "9"},
                                {"", "10"},
                                {"ppassword", "11"},
                                {"aapi_key", "12"},
                                {"secsecret", "13"},
                                {"authorizatioN", "14"},
                                {"COOKIE", "15"},
                                {"xtokentoken", "16"},
                                {"p\xc3\xa4ssword", "17"}});
  const auto object = boost::json::parse(captured.lines.at(0)).as_object();
  for (const char* secret :
       {"x-API_KEY", "refreshToken", "SetCookie", "secret", "my-apikey-here", "tokeN", "ppassword",
        "aapi_key", "secsecret", "authorizatioN", "COOKIE", "xtokentoken"}) {
    EXPECT_EQ(object.at(secret).as_string(), "[redacted]") << secret;
  }
  EXPECT_EQ(object.at("toke").as_string(), "7");
  EXPECT_EQ(object.at("passwor").as_string(), "8");
  EXPECT_EQ(object.at("api-key").as_string(), "9");
  EXPECT_EQ(object.at("").as_string(), "10");
  EXPECT_EQ(object.at("p\xc3\xa4ssword").as_string(), "17");
}

TEST(Logger, WritesRecordsWhateverTheLevelWithTheirJsonAsGiven) {
  CapturedLogger captured;
  captured.logger.set_level(Level::kError);
  captured.logger.record({"", "0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331"}, "span",
                         "span", R"({"name":"GET /x","kind":2})");
  ASSERT_EQ(captured.lines.size(), 1u);
  const auto object = boost::json::parse(captured.lines[0]).as_object();
  EXPECT_EQ(object.at("msg").as_string(), "span");
  EXPECT_EQ(object.at("trace_id").as_string(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(object.at("span").at("name").as_string(), "GET /x");
  EXPECT_FALSE(object.contains("request_id"));
}

TEST(ParseLevel, AcceptsTheFourNamesInAnyCase) {
  EXPECT_EQ(parse_level("DEBUG"), Level::kDebug);
  EXPECT_EQ(parse_level("warn"), Level::kWarn);
  EXPECT_EQ(parse_level("error"), Level::kError);
  EXPECT_FALSE(parse_level("verbose").has_value());
}

}  // namespace
}  // namespace platform::logging
