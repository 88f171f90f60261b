// gzip of JSON answers (compression.h).
#include "api/compression.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace {

using namespace api_gateway::api;

std::string gunzip(const std::string& data) {
  z_stream stream{};
  inflateInit2(&stream, 15 + 16);
  std::string out(1 << 20, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  inflate(&stream, Z_FINISH);
  out.resize(stream.total_out);
  inflateEnd(&stream);
  return out;
}

TEST(Compression, ReadsAcceptEncoding) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("br, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("br, identity"));
  EXPECT_FALSE(accepts_gzip(""));
}

TEST(Compression, GzipsLargeJsonOnlyAndWeakensTheEtag) {
  auto response = platform::http::Response::json(200, "{\"a\":\"" + std::string(5000, 'x') + "\"}");
  response.headers.set("ETag", "\"3\"");
  const std::string original = response.body;
  gzip_if_worth_it(response);
  EXPECT_EQ(response.headers.get("Content-Encoding"), "gzip");
  EXPECT_EQ(response.headers.get("ETag"), "W/\"3\"");
  EXPECT_EQ(gunzip(response.body), original);
  auto small = platform::http::Response::json(200, "{}");
  gzip_if_worth_it(small);
  EXPECT_FALSE(small.headers.contains("Content-Encoding"));
  auto text = platform::http::Response::text(200, std::string(5000, 'x'));
  gzip_if_worth_it(text);
  EXPECT_FALSE(text.headers.contains("Content-Encoding"));
}

}  // namespace
