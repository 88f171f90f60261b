#include "api/compression.h"

#include <zlib.h>

#include "platform/core/strings.h"

namespace api_gateway::api {

bool accepts_gzip(std::string_view accept_encoding) {
  for (auto item : platform::core::split(accept_encoding, ',')) {
    item = platform::core::trim(item);
    const auto semicolon = item.find(';');
    const auto coding = platform::core::trim(item.substr(0, semicolon));
    if (!platform::core::iequals(coding, "gzip") && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    const auto parameter = platform::core::trim(item.substr(semicolon + 1));
    // "q=0", "q=0.0", "q=0.000" refuse it.
    if (parameter.starts_with("q=") || parameter.starts_with("Q=")) {
      const auto value = parameter.substr(2);
      return value.find_first_not_of("0.") != std::string_view::npos;
    }
    return true;
  }
  return false;
}

std::string gzip(std::string_view data) {
  z_stream stream{};
  if (deflateInit2(&stream, 6, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return {};
  std::string out(deflateBound(&stream, static_cast<uLong>(data.size())) + 32, '\0');
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  stream.avail_in = static_cast<uInt>(data.size());
  stream.next_out = reinterpret_cast<Bytef*>(out.data());
  stream.avail_out = static_cast<uInt>(out.size());
  const int status = deflate(&stream, Z_FINISH);
  const auto written = stream.total_out;
  deflateEnd(&stream);
  if (status != Z_STREAM_END) return {};
  out.resize(written);
  return out;
}

void gzip_if_worth_it(platform::http::Response& response) {
  if (response.body.size() < kMinGzipBytes || response.headers.contains("Content-Encoding")) return;
  const std::string_view type = response.headers.get("Content-Type");
  if (!type.starts_with("application/json") && !type.starts_with("application/problem+json"))
    return;
  std::string compressed = gzip(response.body);
  if (compressed.empty() || compressed.size() >= response.body.size()) return;
  response.body = std::move(compressed);
  response.headers.set("Content-Encoding", "gzip");
  response.headers.add("Vary", "Accept-Encoding");
  // A strong validator names the bytes: the compressed ones are other bytes.
  if (const auto etag = response.headers.find("ETag"); etag && !etag->starts_with("W/"))
    response.headers.set("ETag", "W/" + std::string(*etag));
}

}  // namespace api_gateway::api
