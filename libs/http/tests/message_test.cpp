#include "platform/http/message.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace platform::http {
namespace {

Request with_query(std::string query) {
  Request request;
  request.path = "/subjects";
  request.query = std::move(query);
  return request;
}

TEST(Headers, FindsNamesCaseInsensitively) {
  Headers headers;
  headers.add("Content-Type", "application/json");
  EXPECT_EQ(headers.get("content-type"), "application/json");
  EXPECT_TRUE(headers.contains("CONTENT-TYPE"));
  EXPECT_FALSE(headers.find("Accept").has_value());
  EXPECT_EQ(headers.get("Accept"), "");
}

TEST(Headers, KeepsOrderAndReturnsTheFirstValue) {
  Headers headers;
  headers.add("Via", "a");
  headers.add("via", "b");
  EXPECT_EQ(headers.get("VIA"), "a");
  EXPECT_EQ(headers.size(), 2u);
}

TEST(Headers, SetReplacesEveryFieldOfThatName) {
  Headers headers;
  headers.add("X-A", "1");
  headers.add("x-a", "2");
  headers.set("X-a", "3");
  EXPECT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.get("x-A"), "3");
}

TEST(Headers, RemoveDeletesEveryFieldOfThatName) {
  Headers headers;
  headers.add("X-A", "1");
  headers.add("X-B", "2");
  headers.add("x-a", "3");
  headers.remove("X-A");
  EXPECT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.begin()->name, "X-B");
}

TEST(Headers, AFieldsTextStaysWhereItIsWhileTheListGrowsAndChanges) {
  Headers headers;
  headers.add("Authorization", "Bearer a-token-longer-than-a-short-string");
  const std::string_view token = headers.get("Authorization");
  const char* const where = token.data();
  for (int i = 0; i < 200; ++i) headers.add("X-Field-" + std::to_string(i), std::string(100, 'v'));
  headers.set("Authorization", "Bearer another");
  // The view taken before stays readable; the list answers with the new value.
  EXPECT_EQ(token, "Bearer a-token-longer-than-a-short-string");
  EXPECT_EQ(token.data(), where);
  EXPECT_EQ(headers.get("authorization"), "Bearer another");
  EXPECT_EQ(headers.size(), 201u);
  EXPECT_EQ(headers.begin()->name, "Authorization");  // set keeps the first one's place
  EXPECT_EQ(headers.get("X-Field-199"), std::string(100, 'v'));
}

TEST(Headers, ACopyOwnsItsTextAndOutlivesTheOriginal) {
  Headers copy;
  {
    Headers original;
    original.reserve(2, 8);
    original.add("A", "1");
    original.add("B", std::string(500, 'b'));  // beyond the reserved room
    original.add("Empty", "");
    copy = original;
    original.set("A", "changed");
    Headers moved(std::move(original));
    EXPECT_EQ(moved.get("A"), "changed");
    // The list moved from starts again empty and writes only into blocks of its own.
    original.add("A", "again");  // NOLINT(bugprone-use-after-move): what is checked
    EXPECT_EQ(original.size(), 1u);
    EXPECT_EQ(original.get("A"), "again");
    EXPECT_EQ(moved.get("A"), "changed");
    EXPECT_EQ(moved.get("B"), std::string(500, 'b'));
  }
  ASSERT_EQ(copy.size(), 3u);
  EXPECT_EQ(copy.get("A"), "1");
  EXPECT_EQ(copy.get("b"), std::string(500, 'b'));
  EXPECT_TRUE(copy.contains("Empty"));
  EXPECT_EQ(copy.get("Empty"), "");
  Headers again(copy);
  again.add("C", "3");
  EXPECT_EQ(again.size(), 4u);
  EXPECT_EQ(copy.size(), 3u);
}

TEST(Headers, HopByHopFieldsAndTheOnesConnectionNamesAreRemoved) {
  Headers headers;
  headers.add("Connection", "close, X-Hop");
  headers.add("X-Hop", "1");
  headers.add("Keep-Alive", "timeout=5");
  headers.add("Transfer-Encoding", "chunked");
  headers.add("Accept", "*/*");
  remove_hop_by_hop(headers);
  ASSERT_EQ(headers.size(), 1u);
  EXPECT_EQ(headers.begin()->name, "Accept");

  Headers none;
  none.add("Accept", "*/*");
  remove_hop_by_hop(none);
  EXPECT_EQ(none.size(), 1u);
}

TEST(Headers, TheHopByHopNamesAreKnownInAnyCaseAndNoOthers) {
  for (const char* name : {"Connection", "keep-alive", "PROXY-CONNECTION", "te", "Trailer",
                           "transfer-encoding", "UPGRADE"}) {
    EXPECT_TRUE(is_hop_by_hop(name)) << name;
  }
  for (const char* name : {"", "T", "TEE", "Trailers", "Content-Type", "Connections", "Upgrade2",
                           "Transfer-Encodings", "Proxy-Connectio", "Authorization"}) {
    EXPECT_FALSE(is_hop_by_hop(name)) << name;
  }
}

TEST(Request, DecodesQueryParametersWithPlusAsSpace) {
  const auto request = with_query("q=caf%C3%A9+au+lait&limit=2");
  EXPECT_EQ(request.query_param("q"), "café au lait");
  EXPECT_EQ(request.query_param("limit"), "2");
}

TEST(Request, DecodesParameterNamesToo) {
  EXPECT_EQ(with_query("sort%5Bby%5D=name").query_param("sort[by]"), "name");
}

TEST(Request, ReturnsTheFirstOccurrenceOfAQueryParameter) {
  EXPECT_EQ(with_query("a=1&a=2").query_param("a"), "1");
}

TEST(Request, DistinguishesMissingFromValuelessParameters) {
  const auto request = with_query("flag&empty=&x=1");
  EXPECT_EQ(request.query_param("flag"), "");
  EXPECT_EQ(request.query_param("empty"), "");
  EXPECT_EQ(request.query_param("missing"), std::nullopt);
  EXPECT_EQ(with_query("").query_param("x"), std::nullopt);
}

TEST(Request, KeepsMalformedEscapesAsTyped) {
  const auto request = with_query("p=100%&q=%zz%4");
  EXPECT_EQ(request.query_param("p"), "100%");
  EXPECT_EQ(request.query_param("q"), "%zz%4");
}

TEST(Request, ListsEveryQueryParameterInOrderDecoded) {
  const auto params = with_query("b=2&a=x+y&&b=%41").query_params();
  const std::vector<std::pair<std::string, std::string>> expected = {
      {"b", "2"}, {"a", "x y"}, {"b", "A"}};
  EXPECT_EQ(params, expected);
}

TEST(Request, PathParamIsEmptyWhenTheRouteHasNone) {
  Request request;
  request.path_params = {{"id", "42"}};
  EXPECT_EQ(request.path_param("id"), "42");
  EXPECT_EQ(request.path_param("other"), "");
}

TEST(TraceContext, FormatsTraceparentWithSampledFlag) {
  TraceContext trace{.request_id = "r",
                     .trace_id = "4bf92f3577b34da6a3ce929d0e0e4736",
                     .span_id = "00f067aa0ba902b7"};
  EXPECT_EQ(trace.traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  trace.sampled = false;
  EXPECT_EQ(trace.traceparent(), "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00");
}

TEST(Response, JsonSetsTheContentType) {
  const auto response = Response::json(201, R"({"id":1})");
  EXPECT_EQ(response.status, 201);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/json");
  EXPECT_EQ(response.body, R"({"id":1})");
}

TEST(Response, ProblemForAnErrorIsProblemJsonWithThePathAsInstance) {
  Request request;
  request.path = "/subjects/42";
  const auto response = Response::problem(core::Error::not_found("no such subject"), request);
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/problem+json");
  const auto body = boost::json::parse(response.body).as_object();
  EXPECT_EQ(body.at("status").as_int64(), 404);
  EXPECT_EQ(body.at("detail").as_string(), "no such subject");
  EXPECT_EQ(body.at("instance").as_string(), "/subjects/42");
}

TEST(Response, ProblemForATransportStatusHasNoErrorCode) {
  const auto response = Response::problem(431, "too big", "/x");
  EXPECT_EQ(response.status, 431);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/problem+json");
  EXPECT_EQ(boost::json::parse(response.body).at("status").as_int64(), 431);
}

TEST(Response, WithHeaderReplacesAnExistingValue) {
  auto response = Response::json(200, "{}").with_header("content-type", "application/hal+json");
  EXPECT_EQ(response.headers.size(), 1u);
  EXPECT_EQ(response.headers.get("Content-Type"), "application/hal+json");
  EXPECT_EQ(Response::no_content().status, 204);
}

}  // namespace
}  // namespace platform::http
