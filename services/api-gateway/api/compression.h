// gzip for JSON answers (zlib), when the client accepts it and it pays: a body of at
// least kMinGzipBytes that is not compressed already.
//
//   if (accepts_gzip(request.headers.get("Accept-Encoding"))) gzip_if_worth_it(response);
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "platform/http/message.h"

namespace api_gateway::api {

inline constexpr std::size_t kMinGzipBytes = 1024;

// Whether an Accept-Encoding value admits gzip (a q=0 refuses it).
bool accepts_gzip(std::string_view accept_encoding);
// Compresses a buffered JSON or problem+json body in place (Content-Encoding: gzip,
// Vary: Accept-Encoding); leaves any other answer as it is.
void gzip_if_worth_it(platform::http::Response& response);
// The gzip member for `data` (level 6); empty when zlib fails.
std::string gzip(std::string_view data);

}  // namespace api_gateway::api
