// AWS Signature Version 4 for S3 requests: the canonical request, the string to sign, the
// signing key and the Authorization header, as pure functions of the request, the
// credentials and the time (so that AWS's published vectors can pin them down).
//
//   RequestToSign request{.method = "GET", .path = "/bucket/notes.txt",
//                         .headers = {{"host", "127.0.0.1:9000"}, {"range", "bytes=0-9"}},
//                         .payload_sha256 = std::string(kEmptyPayloadSha256)};
//   SignedRequest signed_request = sign(request, credentials, {.region = "us-east-1"}, now);
//   // send signed_request.headers_to_add (x-amz-date, x-amz-content-sha256, authorization)
//
// Paths follow S3's rule: the caller passes the decoded path and each segment is encoded
// exactly once, '/' kept, no dot-segment normalisation (an S3 key may contain "..").
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace file_service::infrastructure::s3 {

// The payload hash S3 accepts when the body is not hashed up front.
inline constexpr std::string_view kUnsignedPayload = "UNSIGNED-PAYLOAD";
// sha256 of the empty string: the payload hash of a request without a body.
inline constexpr std::string_view kEmptyPayloadSha256 =
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

struct Credentials {
  std::string access_key_id;
  std::string secret_access_key;
};

struct SigningScope {
  std::string region;
  std::string service = "s3";
};

struct HeaderField {
  std::string name;
  std::string value;
};

struct RequestToSign {
  std::string method;
  std::string path = "/";                                  // decoded: "/bucket/my report.pdf"
  std::vector<std::pair<std::string, std::string>> query;  // decoded keys and values
  // Every header to sign, host included; x-amz-date (and x-amz-content-sha256 when
  // `content_sha256_header`) are added by sign(). A name given twice is joined with ','.
  std::vector<HeaderField> headers;
  std::string payload_sha256 = std::string(kEmptyPayloadSha256);  // or kUnsignedPayload
  // S3 requires x-amz-content-sha256 on every request; other services do not sign it.
  bool content_sha256_header = true;
};

struct SignedRequest {
  std::string amz_date;  // "20150830T123600Z"
  std::string canonical_request;
  std::string string_to_sign;
  std::string signed_headers;  // "host;x-amz-date"
  std::string signature;       // lower-case hex
  std::string authorization;   // the Authorization header's value
  // The headers the request must carry besides the ones it signed.
  std::vector<HeaderField> headers_to_add;
};

// RFC 3986 percent-encoding with upper-case hex: unreserved characters (A-Z a-z 0-9 - _ . ~)
// stay, everything else is encoded byte by byte; '/' stays only when `keep_slash`.
std::string uri_encode(std::string_view text, bool keep_slash);

// "/" for an empty path, else each segment of `path` encoded once.
std::string canonical_uri(std::string_view path);

// key=value pairs encoded, sorted by key then value, joined with '&' ("" when none).
std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query);

// The query string to put on the wire: the same text as the canonical query.
inline std::string query_string(const std::vector<std::pair<std::string, std::string>>& query) {
  return canonical_query(query);
}

// "20150830T123600Z" of `time` (UTC, seconds).
std::string amz_date(std::chrono::system_clock::time_point time);

// HMAC chain "AWS4"+secret -> date -> region -> service -> "aws4_request"; `date` is YYYYMMDD.
std::string signing_key(std::string_view secret_access_key, std::string_view date,
                        std::string_view region, std::string_view service);

SignedRequest sign(const RequestToSign& request, const Credentials& credentials,
                   const SigningScope& scope, std::chrono::system_clock::time_point time);

}  // namespace file_service::infrastructure::s3
