#include "infrastructure/s3/sigv4.h"

#include <algorithm>
#include <ctime>

#include "platform/core/crypto.h"
#include "platform/core/strings.h"

namespace file_service::infrastructure::s3 {
namespace {

using platform::core::hmac_sha256;

constexpr char kHexUpper[] = "0123456789ABCDEF";

bool is_unreserved(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == '~';
}

// Trims the value and folds each run of spaces and tabs into one space, as SigV4 asks
// (quoted strings included: the published vector "a   b   c" becomes "a b c").
std::string canonical_header_value(std::string_view value) {
  std::string out;
  bool pending_space = false;
  for (char c : value) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) out.push_back(' ');
    pending_space = false;
    out.push_back(c);
  }
  return out;
}

}  // namespace

std::string uri_encode(std::string_view text, bool keep_slash) {
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    if (is_unreserved(c) || (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHexUpper[c >> 4]);
      out.push_back(kHexUpper[c & 0x0F]);
    }
  }
  return out;
}

std::string canonical_uri(std::string_view path) {
  if (path.empty()) return "/";
  return uri_encode(path, /*keep_slash=*/true);
}

std::string canonical_query(const std::vector<std::pair<std::string, std::string>>& query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (const auto& [key, value] : query)
    encoded.emplace_back(uri_encode(key, false), uri_encode(value, false));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [key, value] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += key;
    out.push_back('=');
    out += value;
  }
  return out;
}

std::string amz_date(std::chrono::system_clock::time_point time) {
  const std::time_t seconds = std::chrono::system_clock::to_time_t(time);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[17];
  std::strftime(text, sizeof text, "%Y%m%dT%H%M%SZ", &utc);
  return text;
}

std::string signing_key(std::string_view secret_access_key, std::string_view date,
                        std::string_view region, std::string_view service) {
  std::string key = hmac_sha256("AWS4" + std::string(secret_access_key), date);
  key = hmac_sha256(key, region);
  key = hmac_sha256(key, service);
  return hmac_sha256(key, "aws4_request");
}

SignedRequest sign(const RequestToSign& request, const Credentials& credentials,
                   const SigningScope& scope, std::chrono::system_clock::time_point time) {
  SignedRequest result;
  result.amz_date = amz_date(time);
  const std::string date = result.amz_date.substr(0, 8);

  // Lower-case names, values folded; a repeated name keeps its values in order.
  std::vector<HeaderField> headers;
  for (const auto& header : request.headers)
    headers.push_back(
        {platform::core::ascii_lower(header.name), canonical_header_value(header.value)});
  if (request.content_sha256_header)
    headers.push_back({"x-amz-content-sha256", request.payload_sha256});
  headers.push_back({"x-amz-date", result.amz_date});
  std::stable_sort(headers.begin(), headers.end(),
                   [](const HeaderField& a, const HeaderField& b) { return a.name < b.name; });

  std::string canonical_headers;
  for (std::size_t i = 0; i < headers.size(); ++i) {
    if (i > 0 && headers[i].name == headers[i - 1].name) {
      canonical_headers.back() = ',';  // replaces the '\n' of the previous line
    } else {
      canonical_headers += headers[i].name;
      canonical_headers.push_back(':');
      if (!result.signed_headers.empty()) result.signed_headers.push_back(';');
      result.signed_headers += headers[i].name;
    }
    canonical_headers += headers[i].value;
    canonical_headers.push_back('\n');
  }

  result.canonical_request = request.method + "\n" + canonical_uri(request.path) + "\n" +
                             canonical_query(request.query) + "\n" + canonical_headers + "\n" +
                             result.signed_headers + "\n" + request.payload_sha256;

  const std::string credential_scope =
      date + "/" + scope.region + "/" + scope.service + "/aws4_request";
  result.string_to_sign = "AWS4-HMAC-SHA256\n" + result.amz_date + "\n" + credential_scope + "\n" +
                          platform::core::sha256_hex(result.canonical_request);

  const std::string key =
      signing_key(credentials.secret_access_key, date, scope.region, scope.service);
  result.signature = platform::core::hex_encode(hmac_sha256(key, result.string_to_sign));
  result.authorization = "AWS4-HMAC-SHA256 Credential=" + credentials.access_key_id + "/" +
                         credential_scope + ", SignedHeaders=" + result.signed_headers +
                         ", Signature=" + result.signature;

  result.headers_to_add.push_back({"x-amz-date", result.amz_date});
  if (request.content_sha256_header)
    result.headers_to_add.push_back({"x-amz-content-sha256", request.payload_sha256});
  result.headers_to_add.push_back({"authorization", result.authorization});
  return result;
}

}  // namespace file_service::infrastructure::s3
