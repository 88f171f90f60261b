// SigV4 against AWS's published expectations only: the aws-sig-v4-test-suite cases
// (credentials AKIDEXAMPLE, 20150830T123600Z, us-east-1, service "service") and the worked
// examples of the S3 API reference ("Signature Calculations for the Authorization Header",
// examplebucket, AKIAIOSFODNN7EXAMPLE, 20130524T000000Z). No expected value here was
// produced by this code.
#include "infrastructure/s3/sigv4.h"

#include <gtest/gtest.h>

#include <chrono>

#include "platform/core/crypto.h"

namespace file_service::infrastructure::s3 {
namespace {

using std::chrono::sys_days;
using namespace std::chrono_literals;

const Credentials kSuiteCredentials{"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"};
const SigningScope kSuiteScope{"us-east-1", "service"};
const auto kSuiteTime = sys_days{std::chrono::year{2015} / 8 / 30} + 12h + 36min;
constexpr const char* kSuiteHost = "example.amazonaws.com";
constexpr const char* kSuiteScopeLine = "20150830/us-east-1/service/aws4_request";

const Credentials kS3Credentials{"AKIAIOSFODNN7EXAMPLE",
                                 "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY"};
const SigningScope kS3Scope{"us-east-1", "s3"};
const auto kS3Time = sys_days{std::chrono::year{2013} / 5 / 24};
constexpr const char* kS3Host = "examplebucket.s3.amazonaws.com";

// The test suite signs neither x-amz-content-sha256 nor a payload hash header.
RequestToSign suite_request(std::string method, std::string path,
                            std::vector<std::pair<std::string, std::string>> query = {},
                            std::vector<HeaderField> extra = {}) {
  RequestToSign request{.method = std::move(method),
                        .path = std::move(path),
                        .query = std::move(query),
                        .headers = {{"Host", kSuiteHost}}};
  for (auto& header : extra) request.headers.push_back(std::move(header));
  request.content_sha256_header = false;
  return request;
}

std::string suite_authorization(std::string_view signed_headers, std::string_view signature) {
  return std::string("AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/") + kSuiteScopeLine +
         ", SignedHeaders=" + std::string(signed_headers) + ", Signature=" + std::string(signature);
}

std::string suite_string_to_sign(std::string_view canonical_request_hash) {
  return std::string("AWS4-HMAC-SHA256\n20150830T123600Z\n") + kSuiteScopeLine + "\n" +
         std::string(canonical_request_hash);
}

TEST(SigV4Primitives, FormatsTheAmzDate) {
  EXPECT_EQ(amz_date(kSuiteTime), "20150830T123600Z");
  EXPECT_EQ(amz_date(kS3Time), "20130524T000000Z");
}

TEST(SigV4Primitives, HashesTheEmptyPayload) {
  EXPECT_EQ(platform::core::sha256_hex(""), kEmptyPayloadSha256);
}

TEST(SigV4Primitives, EncodesEachPathSegmentOnceAndKeepsSlashes) {
  // Expectations from the suite's .creq files (get-space, get-utf8, get-unreserved) and the
  // S3 PUT example ("test$file.text").
  EXPECT_EQ(canonical_uri("/example space/"), "/example%20space/");
  EXPECT_EQ(canonical_uri("/\xE1\x88\xB4"), "/%E1%88%B4");
  EXPECT_EQ(canonical_uri("/test$file.text"), "/test%24file.text");
  EXPECT_EQ(canonical_uri(""), "/");
}

TEST(SigV4Suite, GetVanilla) {
  const auto signed_request =
      sign(suite_request("GET", "/"), kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      signed_request.string_to_sign,
      suite_string_to_sign("bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"));
  EXPECT_EQ(
      signed_request.authorization,
      suite_authorization("host;x-amz-date",
                          "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"));
}

TEST(SigV4Suite, GetVanillaQueryOrderKeyCase) {
  const auto signed_request =
      sign(suite_request("GET", "/", {{"Param2", "value2"}, {"Param1", "value1"}}),
           kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/\nParam1=value1&Param2=value2\nhost:example.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      signed_request.string_to_sign,
      suite_string_to_sign("816cd5b414d056048ba4f7c5386d6e0533120fb1fcfa93762cf0fc39e2cf19e0"));
  EXPECT_EQ(
      signed_request.authorization,
      suite_authorization("host;x-amz-date",
                          "b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500"));
}

TEST(SigV4Suite, GetVanillaQueryOrderValue) {
  const auto signed_request =
      sign(suite_request("GET", "/", {{"Param1", "value2"}, {"Param1", "value1"}}),
           kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/\nParam1=value1&Param1=value2\nhost:example.amazonaws.com\n"
            "x-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_request.signature,
            "5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694");
}

TEST(SigV4Suite, GetVanillaUtf8Query) {
  const auto signed_request = sign(suite_request("GET", "/", {{"\xE1\x88\xB4", "bar"}}),
                                   kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/\n%E1%88%B4=bar\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_request.signature,
            "2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04");
}

TEST(SigV4Suite, GetHeaderKeyDuplicate) {
  const auto signed_request = sign(
      suite_request("GET", "/", {},
                    {{"My-Header1", "value2"}, {"My-Header1", "value2"}, {"My-Header1", "value1"}}),
      kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value2,value2,value1\n"
            "x-amz-date:20150830T123600Z\n\nhost;my-header1;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      signed_request.authorization,
      suite_authorization("host;my-header1;x-amz-date",
                          "c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea"));
}

TEST(SigV4Suite, GetHeaderValueTrim) {
  // The .req file sends "My-Header1: value1" and "My-Header2: \"a   b   c\"".
  const auto signed_request = sign(
      suite_request("GET", "/", {}, {{"My-Header1", " value1"}, {"My-Header2", " \"a   b   c\""}}),
      kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nmy-header1:value1\nmy-header2:\"a b c\"\n"
            "x-amz-date:20150830T123600Z\n\nhost;my-header1;my-header2;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      signed_request.string_to_sign,
      suite_string_to_sign("a726db9b0df21c14f559d0a978e563112acb1b9e05476f0a6a1c7d68f28605c7"));
  EXPECT_EQ(
      signed_request.authorization,
      suite_authorization("host;my-header1;my-header2;x-amz-date",
                          "acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736"));
}

TEST(SigV4Suite, GetUnreserved) {
  const auto signed_request = sign(
      suite_request("GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"),
      kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n\n"
            "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      signed_request.string_to_sign,
      suite_string_to_sign("6a968768eefaa713e2a6b16b589a8ea192661f098f37349f4e2c0082757446f9"));
  EXPECT_EQ(signed_request.signature,
            "07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f");
}

TEST(SigV4Suite, GetUtf8) {
  const auto signed_request =
      sign(suite_request("GET", "/\xE1\x88\xB4"), kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/%E1%88%B4\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      signed_request.string_to_sign,
      suite_string_to_sign("2a0a97d02205e45ce2e994789806b19270cfbbb0921b278ccf58f5249ac42102"));
  EXPECT_EQ(signed_request.signature,
            "8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85");
}

TEST(SigV4Suite, GetSpace) {
  const auto signed_request =
      sign(suite_request("GET", "/example space/"), kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "GET\n/example%20space/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      signed_request.string_to_sign,
      suite_string_to_sign("63ee75631ed7234ae61b5f736dfc7754cdccfedbff4b5128a915706ee9390d86"));
  EXPECT_EQ(signed_request.signature,
            "652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741");
}

TEST(SigV4Suite, PostVanilla) {
  const auto signed_request =
      sign(suite_request("POST", "/"), kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "POST\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "host;x-amz-date\n"
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(
      signed_request.string_to_sign,
      suite_string_to_sign("553f88c9e4d10fc9e109e2aeb65f030801b70c2f6468faca261d401ae622fc87"));
  EXPECT_EQ(
      signed_request.authorization,
      suite_authorization("host;x-amz-date",
                          "5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b"));
}

TEST(SigV4Suite, PostXWwwFormUrlencoded) {
  // The suite's .authz, .sts and signature sign content-type, host and x-amz-date (its .creq
  // file also lists content-length, which contradicts its own .sts); the payload hash is
  // sha256("Param1=value1").
  auto request =
      suite_request("POST", "/", {}, {{"Content-Type", "application/x-www-form-urlencoded"}});
  request.payload_sha256 = platform::core::sha256_hex("Param1=value1");
  EXPECT_EQ(request.payload_sha256,
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  const auto signed_request = sign(request, kSuiteCredentials, kSuiteScope, kSuiteTime);
  EXPECT_EQ(signed_request.canonical_request,
            "POST\n/\n\ncontent-type:application/x-www-form-urlencoded\n"
            "host:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\n"
            "content-type;host;x-amz-date\n"
            "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e");
  EXPECT_EQ(
      signed_request.string_to_sign,
      suite_string_to_sign("42a5e5bb34198acb3e84da4f085bb7927f2bc277ca766e6d19c73c2154021281"));
  EXPECT_EQ(
      signed_request.authorization,
      suite_authorization("content-type;host;x-amz-date",
                          "ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a"));
}

// The S3 reference prints its Authorization headers without a space after the commas; the
// space is optional there, so these tests compare the parts rather than the whole line.
void expect_s3_authorization(const SignedRequest& signed_request, std::string_view signed_headers,
                             std::string_view signature) {
  EXPECT_EQ(signed_request.signed_headers, signed_headers);
  EXPECT_EQ(signed_request.signature, signature);
  EXPECT_EQ(signed_request.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/"
            "aws4_request, SignedHeaders=" +
                std::string(signed_headers) + ", Signature=" + std::string(signature));
}

TEST(SigV4S3Examples, GetObjectWithRange) {
  const RequestToSign request{
      .method = "GET", .path = "/test.txt", .headers = {{"Host", kS3Host}, {"Range", "bytes=0-9"}}};
  const auto signed_request = sign(request, kS3Credentials, kS3Scope, kS3Time);
  EXPECT_EQ(
      signed_request.canonical_request,
      "GET\n/test.txt\n\nhost:examplebucket.s3.amazonaws.com\nrange:bytes=0-9\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;range;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "7344ae5b7ee6c3e7e6b0fe0640412a37625d1fbfff95c48bbb2dc43964946972");
  expect_s3_authorization(signed_request, "host;range;x-amz-content-sha256;x-amz-date",
                          "f0e8bdb87c964420e857bd35b5d6ed310bd44f0170aba48dd91039c6036bdb41");
}

TEST(SigV4S3Examples, PutObject) {
  const RequestToSign request{
      .method = "PUT",
      .path = "/test$file.text",
      .headers = {{"Host", kS3Host},
                  {"Date", "Fri, 24 May 2013 00:00:00 GMT"},
                  {"x-amz-storage-class", "REDUCED_REDUNDANCY"}},
      .payload_sha256 = platform::core::sha256_hex("Welcome to Amazon S3.")};
  EXPECT_EQ(request.payload_sha256,
            "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  const auto signed_request = sign(request, kS3Credentials, kS3Scope, kS3Time);
  EXPECT_EQ(
      signed_request.canonical_request,
      "PUT\n/test%24file.text\n\ndate:Fri, 24 May 2013 00:00:00 GMT\n"
      "host:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072\n"
      "x-amz-date:20130524T000000Z\nx-amz-storage-class:REDUCED_REDUNDANCY\n\n"
      "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class\n"
      "44ce7dd67c959e0d3524ffac1771dfbba87d2b6b4b4e99e42034a8b803f8b072");
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "9e0e90d9c76de8fa5b200d8c849cd5b8dc7a3be3951ddb7f6a76b4158342019d");
  expect_s3_authorization(signed_request,
                          "date;host;x-amz-content-sha256;x-amz-date;x-amz-storage-class",
                          "98ad721746da40c64f1a55b78f14c238d841ea1380cd77a1b5971af0ece108bd");
}

TEST(SigV4S3Examples, GetBucketLifecycle) {
  const RequestToSign request{
      .method = "GET", .path = "/", .query = {{"lifecycle", ""}}, .headers = {{"Host", kS3Host}}};
  const auto signed_request = sign(request, kS3Credentials, kS3Scope, kS3Time);
  EXPECT_EQ(
      signed_request.canonical_request,
      "GET\n/\nlifecycle=\nhost:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "9766c798316ff2757b517bc739a67f6213b4ab36dd5da2f94eaebf79c77395ca");
  expect_s3_authorization(signed_request, "host;x-amz-content-sha256;x-amz-date",
                          "fea454ca298b7da1c68078a5d1bdbfbbe0d65c699e0f91ac7a200a0136783543");
}

TEST(SigV4S3Examples, ListObjects) {
  const RequestToSign request{.method = "GET",
                              .path = "/",
                              .query = {{"prefix", "J"}, {"max-keys", "2"}},
                              .headers = {{"Host", kS3Host}}};
  const auto signed_request = sign(request, kS3Credentials, kS3Scope, kS3Time);
  EXPECT_EQ(
      signed_request.canonical_request,
      "GET\n/\nmax-keys=2&prefix=J\nhost:examplebucket.s3.amazonaws.com\n"
      "x-amz-content-sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855\n"
      "x-amz-date:20130524T000000Z\n\nhost;x-amz-content-sha256;x-amz-date\n"
      "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(signed_request.string_to_sign,
            "AWS4-HMAC-SHA256\n20130524T000000Z\n20130524/us-east-1/s3/aws4_request\n"
            "df57d21db20da04d7fa30298dd4488ba3a2b47ca3a489c74750e0f1e7df1b9b7");
  expect_s3_authorization(signed_request, "host;x-amz-content-sha256;x-amz-date",
                          "34b48302e7b5fa45bde8084f4b7868a86f0a534bc59db6670ed5711ef69dc6f7");
}

TEST(SigV4S3Examples, SendsTheDateThePayloadHashAndTheAuthorization) {
  RequestToSign request{.method = "GET", .path = "/test.txt", .headers = {{"Host", kS3Host}}};
  request.payload_sha256 = std::string(kUnsignedPayload);
  const auto signed_request = sign(request, kS3Credentials, kS3Scope, kS3Time);
  ASSERT_EQ(signed_request.headers_to_add.size(), 3u);
  EXPECT_EQ(signed_request.headers_to_add[0].value, "20130524T000000Z");
  EXPECT_EQ(signed_request.headers_to_add[1].value, "UNSIGNED-PAYLOAD");
  EXPECT_EQ(signed_request.headers_to_add[2].value, signed_request.authorization);
  EXPECT_TRUE(signed_request.canonical_request.ends_with("\nUNSIGNED-PAYLOAD"));
}

}  // namespace
}  // namespace file_service::infrastructure::s3
