#include "platform/tracing/span.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace platform::tracing {
namespace {

TEST(Span, IsWrittenWithTheOtlpJsonFieldNames) {
  Span span{.trace_id = "0af7651916cd43dd8448eb211c80319c",
            .span_id = "b7ad6b7169203331",
            .parent_span_id = "00f067aa0ba902b7",
            .name = "GET /subjects/{id}",
            .kind = SpanKind::kServer,
            .start_unix_nano = 1'700'000'000'000'000'001,
            .end_unix_nano = 1'700'000'000'002'000'001,
            .status = StatusCode::kError,
            .status_message = "boom \"quoted\""};
  span.attributes = {{"http.route", std::string("/subjects/{id}")},
                     {"http.response.status_code", std::int64_t{503}},
                     {"ratio", 0.5},
                     {"retried", true}};
  span.events.push_back({"retry", 1'700'000'000'001'000'000, {{"attempt", std::int64_t{2}}}});
  span.links.push_back({"4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b8"});
  std::string json;
  append_otlp_json(json, span);
  // Byte for byte: what the lines of every service's log have always carried.
  EXPECT_EQ(
      json,
      R"({"traceId":"0af7651916cd43dd8448eb211c80319c","spanId":"b7ad6b7169203331",)"
      R"("parentSpanId":"00f067aa0ba902b7","name":"GET /subjects/{id}","kind":2,)"
      R"("startTimeUnixNano":"1700000000000000001","endTimeUnixNano":"1700000000002000001",)"
      R"("status":{"code":2,"message":"boom \"quoted\""},"attributes":[)"
      R"({"key":"http.route","value":{"stringValue":"/subjects/{id}"}},)"
      R"({"key":"http.response.status_code","value":{"intValue":"503"}},)"
      R"({"key":"ratio","value":{"doubleValue":0.5}},)"
      R"({"key":"retried","value":{"boolValue":true}}],)"
      R"("events":[{"timeUnixNano":"1700000000001000000","name":"retry",)"
      R"("attributes":[{"key":"attempt","value":{"intValue":"2"}}]}],)"
      R"("links":[{"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b8"}]})");

  const auto object = boost::json::parse(json).as_object();
  EXPECT_EQ(object.at("traceId").as_string(), "0af7651916cd43dd8448eb211c80319c");
  EXPECT_EQ(object.at("spanId").as_string(), "b7ad6b7169203331");
  EXPECT_EQ(object.at("parentSpanId").as_string(), "00f067aa0ba902b7");
  EXPECT_EQ(object.at("name").as_string(), "GET /subjects/{id}");
  EXPECT_EQ(object.at("kind").as_int64(), 2);
  EXPECT_EQ(object.at("startTimeUnixNano").as_string(), "1700000000000000001");
  EXPECT_EQ(object.at("endTimeUnixNano").as_string(), "1700000000002000001");
  EXPECT_EQ(object.at("status").at("code").as_int64(), 2);
  EXPECT_EQ(object.at("status").at("message").as_string(), "boom \"quoted\"");
  const auto& attributes = object.at("attributes").as_array();
  ASSERT_EQ(attributes.size(), 4u);
  EXPECT_EQ(attributes[0].at("key").as_string(), "http.route");
  EXPECT_EQ(attributes[0].at("value").at("stringValue").as_string(), "/subjects/{id}");
  EXPECT_EQ(attributes[1].at("value").at("intValue").as_string(), "503");
  EXPECT_DOUBLE_EQ(attributes[2].at("value").at("doubleValue").as_double(), 0.5);
  EXPECT_TRUE(attributes[3].at("value").at("boolValue").as_bool());
  EXPECT_EQ(object.at("events").at(0).at("name").as_string(), "retry");
  EXPECT_EQ(object.at("events").at(0).at("timeUnixNano").as_string(), "1700000000001000000");
  EXPECT_EQ(object.at("links").at(0).at("spanId").as_string(), "00f067aa0ba902b8");
}

TEST(Span, ARootSpanHasNoParentAndNoEmptyLists) {
  Span span{.trace_id = new_trace_id(), .span_id = new_span_id(), .name = "x"};
  std::string json;
  append_otlp_json(json, span);
  const auto object = boost::json::parse(json).as_object();
  EXPECT_FALSE(object.contains("parentSpanId"));
  EXPECT_FALSE(object.contains("events"));
  EXPECT_FALSE(object.contains("links"));
  EXPECT_FALSE(object.at("status").as_object().contains("message"));
}

// The span is written into room made once: a span whose every string is escapes and
// whose numbers are the longest there are still fits, and reads back as itself.
void expect_the_longest_span_fits(std::size_t length) {
  const std::string escapes(length, '\x01');
  const std::string quotes(length, '"');
  Span span{.trace_id = new_trace_id(),
            .span_id = new_span_id(),
            .parent_span_id = new_span_id(),
            .name = escapes,
            .kind = SpanKind::kConsumer,
            .start_unix_nano = std::numeric_limits<std::uint64_t>::max(),
            .end_unix_nano = std::numeric_limits<std::uint64_t>::max(),
            .status = StatusCode::kError,
            .status_message = quotes};
  span.attributes = {{"a", escapes},
                     {"b", std::numeric_limits<std::int64_t>::min()},
                     {"c", -std::numeric_limits<double>::max()},
                     {"d", std::numeric_limits<double>::denorm_min()},
                     {"e", std::numeric_limits<double>::quiet_NaN()},
                     {"f", false},
                     {"g", std::string()}};
  for (int i = 0; i < 3; ++i) {
    span.events.push_back({quotes, std::numeric_limits<std::uint64_t>::max(), span.attributes});
    span.links.push_back({new_trace_id(), new_span_id()});
  }
  std::string json = "prefix ";
  append_otlp_json(json, span);
  ASSERT_TRUE(json.starts_with("prefix "));
  EXPECT_LE(json.size() - 7, otlp_json_bound(span));
  // Past 16 KiB (the thread's buffer in span.cpp) the span has a buffer of its own.
  EXPECT_EQ(otlp_json_bound(span) > std::size_t{16} * 1024, length >= 3000);

  const auto object = boost::json::parse(std::string_view(json).substr(7)).as_object();
  EXPECT_EQ(object.at("name").as_string(), escapes);
  EXPECT_EQ(object.at("status").at("message").as_string(), quotes);
  EXPECT_EQ(object.at("startTimeUnixNano").as_string(), "18446744073709551615");
  const auto& attributes = object.at("attributes").as_array();
  ASSERT_EQ(attributes.size(), 7u);
  EXPECT_EQ(attributes[0].at("value").at("stringValue").as_string(), escapes);
  EXPECT_EQ(attributes[1].at("value").at("intValue").as_string(), "-9223372036854775808");
  EXPECT_EQ(attributes[2].at("value").at("doubleValue").as_double(),
            -std::numeric_limits<double>::max());
  EXPECT_TRUE(attributes[4].at("value").at("doubleValue").is_null());
  EXPECT_FALSE(attributes[5].at("value").at("boolValue").as_bool());
  EXPECT_EQ(attributes[6].at("value").at("stringValue").as_string(), "");
  EXPECT_EQ(object.at("events").as_array().size(), 3u);
  EXPECT_EQ(object.at("events").at(2).at("name").as_string(), quotes);
  EXPECT_EQ(object.at("links").at(2).at("traceId").as_string(), span.links[2].trace_id);
}

// Short strings keep it within the thread's buffer; long ones give it a buffer of its own,
// of the bound's size, which is where the sanitizers' build (the asan preset) would catch
// a write past the bound.
TEST(Span, TheLongestSpanOfItsShapeFitsTheRoomMadeForIt) {
  for (const std::size_t length : {30u, 3000u}) {
    SCOPED_TRACE(length);
    expect_the_longest_span_fits(length);
  }
}

// A view is written exactly as the span it is a view of, escapes and all kinds of value, and
// its owned copy is that span; the longest view of its shape fits its bound.
TEST(SpanView, IsWrittenAsTheSpanItViewsAndCopiesToIt) {
  const std::string long_path = "/a\"quoted\\path\n" + std::string(3000, 'x');
  const AttributeView attributes[] = {{"url.path", long_path},
                                      {"http.response.status_code", std::int64_t{-42}},
                                      {"ratio", 0.5},
                                      {"cached", true}};
  const AttributeView event_attributes[] = {{"attempt", std::int64_t{2}},
                                            {"server.address", std::string_view("http://a:1")}};
  const SpanEventView events[] = {{"attempt", 5, event_attributes}, {"circuit_open", 6, {}}};
  const SpanView view{.trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                      .span_id = "00f067aa0ba902b7",
                      .parent_span_id = "b7ad6b7169203331",
                      .name = "GET /subjects/{id} \"x\"",
                      .kind = SpanKind::kServer,
                      .start_unix_nano = 1,
                      .end_unix_nano = 2,
                      .status = StatusCode::kError,
                      .status_message = "answered 503",
                      .attributes = attributes,
                      .events = events};
  const Span owned = to_span(view);
  EXPECT_EQ(owned.trace_id, view.trace_id);
  EXPECT_EQ(owned.name, view.name);
  ASSERT_EQ(owned.attributes.size(), 4u);
  EXPECT_EQ(std::get<std::string>(owned.attributes[0].value), long_path);
  EXPECT_EQ(std::get<std::int64_t>(owned.attributes[1].value), -42);
  ASSERT_EQ(owned.events.size(), 2u);
  EXPECT_EQ(owned.events[0].name, "attempt");
  EXPECT_EQ(std::get<std::string>(owned.events[0].attributes[1].value), "http://a:1");
  EXPECT_TRUE(owned.events[1].attributes.empty());

  std::string from_view;
  std::string from_span;
  append_otlp_json(from_view, view);
  append_otlp_json(from_span, owned);
  EXPECT_EQ(from_view, from_span);
  EXPECT_LE(from_view.size(), otlp_json_bound(view));
  const auto object = boost::json::parse(from_view).as_object();
  EXPECT_EQ(object.at("attributes").at(0).at("value").at("stringValue").as_string(), long_path);
  EXPECT_EQ(object.at("attributes").at(3).at("value").at("boolValue").as_bool(), true);
  EXPECT_EQ(object.at("events").at(1).at("name").as_string(), "circuit_open");
}

TEST(Span, TimesAreWrittenAsTheirDecimalDigits) {
  std::vector<std::uint64_t> times = {
      0, 7, 10, 99, 100, 101, 1'000, 65'535, 1'764'739'200'123'456'789};
  for (std::uint64_t power = 1; power <= 10'000'000'000'000'000'000u / 10; power *= 10) {
    times.push_back(power - 1);
    times.push_back(power);
    times.push_back(power * 10 - 1);
  }
  times.push_back(std::numeric_limits<std::uint64_t>::max());
  for (const std::uint64_t time : times) {
    std::string out;
    append_otlp_json(out, Span{.trace_id = "t", .span_id = "s", .start_unix_nano = time});
    EXPECT_EQ(boost::json::parse(out).at("startTimeUnixNano").as_string(), std::to_string(time));
  }
}

TEST(SpanIds, AreLowerCaseHexOfTheirSizeAndDiffer) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    const std::string trace = new_trace_id();
    const std::string span = new_span_id();
    ASSERT_EQ(trace.size(), 32u);
    ASSERT_EQ(span.size(), 16u);
    ASSERT_EQ(trace.find_first_not_of("0123456789abcdef"), std::string::npos);
    seen.insert(span);
  }
  EXPECT_EQ(seen.size(), 1000u);
  EXPECT_EQ(traceparent_of("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", true),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01");
  EXPECT_EQ(traceparent_of("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331", false),
            "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-00");
}

// Ids are random: every hex digit turns up at every place (a digit stuck at one place, or
// a place never past 9, would show).
TEST(SpanIds, HaveEveryDigitAtEveryPlace) {
  std::vector<std::set<char>> trace_digits(32);
  std::vector<std::set<char>> span_digits(16);
  for (int i = 0; i < 2000; ++i) {
    const std::string trace = new_trace_id();
    const std::string span = new_span_id();
    for (std::size_t at = 0; at < trace.size(); ++at) trace_digits[at].insert(trace[at]);
    for (std::size_t at = 0; at < span.size(); ++at) span_digits[at].insert(span[at]);
  }
  for (const auto& digits : trace_digits)
    EXPECT_EQ(std::string(digits.begin(), digits.end()), "0123456789abcdef");
  for (const auto& digits : span_digits)
    EXPECT_EQ(std::string(digits.begin(), digits.end()), "0123456789abcdef");
}

TEST(SpanTimes, SteadyInstantsBecomeUnixNanoseconds) {
  const auto before = now_unix_nanos();
  const auto then = unix_nanos_of(std::chrono::steady_clock::now() - std::chrono::seconds(2));
  EXPECT_NEAR(static_cast<double>(before - then), 2e9, 5e7);
}

}  // namespace
}  // namespace platform::tracing

namespace platform::tracing {
namespace {

TEST(Traceparent, ReadsTheTraceTheParentSpanAndTheSampledFlag) {
  const auto context = parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(context);
  EXPECT_EQ(context->trace_id, "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(context->span_id, "00f067aa0ba902b7");
  EXPECT_TRUE(context->sampled);
  EXPECT_FALSE(
      parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-02")->sampled);
  // A later version may carry more fields.
  EXPECT_TRUE(parse_traceparent("01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-xyz"));
}

TEST(Traceparent, RefusesWhatTheSpecificationRefuses) {
  for (const char* bad : {"", "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",
                          "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",
                          "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
                          "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                          "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",
                          "00_4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}) {
    EXPECT_FALSE(parse_traceparent(bad)) << bad;
  }
}

}  // namespace
}  // namespace platform::tracing
