// The identity contract between the gateway and the services (identity.h).
#include "platform/http/identity.h"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

#include "platform/core/strings.h"

namespace platform::http {
namespace {

// 32 bytes of secret each, base64.
constexpr std::string_view kRing =
    "k2:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,"
    "k1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA=";

IdentityKeys ring() {
  auto keys = IdentityKeys::parse(kRing);
  if (!keys) throw std::runtime_error(keys.error().detail());
  return std::move(*keys);
}

Request signed_request(const IdentityKeys& keys, const Caller& caller, std::int64_t when,
                       std::string request_id = "req-1") {
  Request request;
  request.trace.request_id = std::move(request_id);
  std::string roles;
  for (const auto& role : caller.roles) roles += (roles.empty() ? "" : ",") + role;
  request.headers.set(kUserIdHeader, caller.user_id);
  request.headers.set(kUserRolesHeader, roles);
  request.headers.set(kUserSignatureHeader,
                      sign_identity(keys, caller, request.trace.request_id, when));
  return request;
}

const Caller kAlice{.user_id = "alice", .roles = {"editor", "viewer"}};
constexpr std::int64_t kNow = 1'790'000'000;

TEST(Identity, ASignedFreshIdentityIsTrusted) {
  const auto keys = ring();
  const auto caller = verify_identity(signed_request(keys, kAlice, kNow), &keys, kNow + 3);
  ASSERT_TRUE(caller);
  EXPECT_EQ(caller->user_id, "alice");
  EXPECT_EQ(caller->roles, (std::vector<std::string>{"editor", "viewer"}));
  EXPECT_TRUE(caller->has_role("editor"));
  EXPECT_FALSE(caller->has_role("admin"));
}

// The signature's text, pinned: a service of another version (or language) must be able
// to check it. Computed apart: HMAC-SHA-256 of "v1\nalice\neditor,viewer\nreq-1\n<t>" under
// the ring's first key, base64url without padding.
TEST(Identity, TheSignatureIsTheHmacOfTheDocumentedText) {
  EXPECT_EQ(sign_identity(ring(), kAlice, "req-1", 1'796'283'309),
            "v1;kid=k2;t=1796283309;sig=OGAu7lE2ZXpTzxryxJ10mCr3kwW0T7rXkzFxFaN2VzY");
}

TEST(Identity, AnythingChangedAfterSigningMakesTheCallerAnonymous) {
  const auto keys = ring();
  auto other_user = signed_request(keys, kAlice, kNow);
  other_user.headers.set(kUserIdHeader, "mallory");
  EXPECT_FALSE(verify_identity(other_user, &keys, kNow)->authenticated());

  auto more_roles = signed_request(keys, kAlice, kNow);
  more_roles.headers.set(kUserRolesHeader, "editor,viewer,admin");
  EXPECT_FALSE(verify_identity(more_roles, &keys, kNow)->authenticated());

  // The signature names its request: it cannot be replayed on another one.
  auto moved = signed_request(keys, kAlice, kNow);
  moved.trace.request_id = "req-2";
  EXPECT_FALSE(verify_identity(moved, &keys, kNow)->authenticated());

  auto forged = signed_request(keys, kAlice, kNow);
  forged.headers.set(kUserSignatureHeader, "v1;kid=k2;t=" + std::to_string(kNow) + ";sig=AAAA");
  EXPECT_FALSE(verify_identity(forged, &keys, kNow)->authenticated());
}

TEST(Identity, AStaleOrFutureSignatureIsNotTrusted) {
  const auto keys = ring();
  const auto request = signed_request(keys, kAlice, kNow);
  EXPECT_TRUE(verify_identity(request, &keys, kNow + 60)->authenticated());
  EXPECT_FALSE(verify_identity(request, &keys, kNow + 61)->authenticated());
  EXPECT_TRUE(verify_identity(request, &keys, kNow - 5)->authenticated());
  EXPECT_FALSE(verify_identity(request, &keys, kNow - 6)->authenticated());
}

TEST(Identity, AnOlderKeyOfTheRingStillVerifiesAnUnknownOneDoesNot) {
  auto old_ring = IdentityKeys::parse(kRing.substr(kRing.find(',') + 1));  // k1 only
  ASSERT_TRUE(old_ring);
  const auto keys = ring();  // k2 signs now, k1 still verifies
  EXPECT_TRUE(
      verify_identity(signed_request(*old_ring, kAlice, kNow), &keys, kNow)->authenticated());
  auto stranger = IdentityKeys::parse("k9:c3RyYW5nZXJzdHJhbmdlcnN0cmFuZ2Vyc3RyYW5nZXI=");
  ASSERT_TRUE(stranger);
  EXPECT_FALSE(
      verify_identity(signed_request(*stranger, kAlice, kNow), &keys, kNow)->authenticated());
}

TEST(Identity, WithoutKeysEveryoneIsAnonymous) {
  const auto keys = ring();
  EXPECT_FALSE(verify_identity(signed_request(keys, kAlice, kNow), nullptr, kNow)->authenticated());
  Request unsigned_request;
  unsigned_request.headers.set(kUserIdHeader, "alice");
  EXPECT_FALSE(verify_identity(unsigned_request, &keys, kNow)->authenticated());
}

TEST(Identity, AHeaderCarriedTwiceIsRefused) {
  const auto keys = ring();
  for (const auto name : {kUserIdHeader, kUserRolesHeader, kUserSignatureHeader}) {
    auto request = signed_request(keys, kAlice, kNow);
    request.headers.add(name, "again");
    const auto caller = verify_identity(request, &keys, kNow);
    ASSERT_FALSE(caller) << name;
    EXPECT_EQ(caller.error().code(), core::ErrorCode::kMalformed) << name;
  }
}

TEST(Identity, TheMiddlewareSetsTheCallerAndRemovesTheHeaders) {
  auto keys = std::make_shared<IdentityKeys>(ring());
  const Middleware middleware = identity_middleware(keys);
  auto request = signed_request(*keys, kAlice, std::time(nullptr));
  EXPECT_FALSE(middleware.on_request(request));
  EXPECT_EQ(request.caller.user_id, "alice");
  EXPECT_FALSE(request.headers.contains(kUserIdHeader));
  EXPECT_FALSE(request.headers.contains(kUserSignatureHeader));

  auto twice = signed_request(*keys, kAlice, std::time(nullptr));
  twice.headers.add(kUserIdHeader, "bob");
  const auto refused = middleware.on_request(twice);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 400);
}

TEST(IdentityKeys, RefusesABadRingWithoutShowingASecret) {
  for (const std::string bad : {"", "nocolon", "k1:c2hvcnQ=", "k1:%%%",
                                "bad id:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=",
                                "k1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=,"
                                "k1:ZmVkY2JhOTg3NjU0MzIxMGZlZGNiYTk4NzY1NDMyMTA="}) {
    const auto keys = IdentityKeys::parse(bad);
    ASSERT_FALSE(keys) << bad;
    EXPECT_EQ(keys.error().code(), core::ErrorCode::kInvalidArgument);
    EXPECT_EQ(keys.error().detail().find("MDEy"), std::string::npos);
  }
}

}  // namespace
}  // namespace platform::http
