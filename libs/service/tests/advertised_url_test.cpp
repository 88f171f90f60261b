#include "platform/service/advertised_url.h"

#include <gtest/gtest.h>

namespace platform::service {
namespace {

TEST(AdvertisedUrl, IsTheConfiguredUrlWhenThereIsOne) {
  const auto advertised = advertised_url("https://files.example.org", "0.0.0.0", 8102, "box");

  EXPECT_EQ(advertised.url, "https://files.example.org");
  EXPECT_FALSE(advertised.from_host_name);
}

TEST(AdvertisedUrl, IsTheBindAddressAndTheActualPortOtherwise) {
  EXPECT_EQ(advertised_url("", "127.0.0.1", 40123, "box").url, "http://127.0.0.1:40123");
  EXPECT_EQ(advertised_url("", "10.1.2.3", 8101, "box").url, "http://10.1.2.3:8101");
  EXPECT_EQ(advertised_url("", "subjects.internal", 8101, "box").url,
            "http://subjects.internal:8101");
  EXPECT_EQ(advertised_url("", "::1", 8101, "box").url, "http://[::1]:8101");
  EXPECT_EQ(advertised_url("", "[::1]", 8101, "box").url, "http://[::1]:8101");
  EXPECT_FALSE(advertised_url("", "::1", 8101, "box").from_host_name);
}

TEST(AdvertisedUrl, NeverAdvertisesAnAddressThatListensEverywhere) {
  for (const char* any : {"0.0.0.0", "::", "[::]"}) {
    const auto advertised = advertised_url("", any, 8101, "worker-7");

    EXPECT_EQ(advertised.url, "http://worker-7:8101") << any;
    EXPECT_TRUE(advertised.from_host_name) << any;
  }
}

TEST(HostName, IsThisMachinesName) {
  EXPECT_FALSE(host_name().empty());
  EXPECT_EQ(host_name().find('\0'), std::string::npos);
}

}  // namespace
}  // namespace platform::service
