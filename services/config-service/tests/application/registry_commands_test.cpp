#include <gtest/gtest.h>

#include "application/deregister.h"
#include "application/expire_leases.h"
#include "application/fake_registry_repository.h"
#include "application/heartbeat.h"
#include "application/list_instances.h"
#include "application/list_services.h"
#include "application/register_instance.h"

namespace config_service::application {
namespace {

using namespace std::chrono_literals;
using platform::core::ErrorCode;

class RegistryHandlersTest : public ::testing::Test {
 protected:
  Clock clock_ = [this] { return now_; };
  RegistryChanged changed_ = [this](std::int64_t version) { notified_.push_back(version); };

  domain::Registration registration(const std::string& id, const std::string& service = "svc",
                                    std::int64_t ttl = 10) {
    return {.service = service, .instance_id = id, .url = "http://h:1", .ttl_seconds = ttl};
  }

  platform::core::Timestamp now_{std::chrono::seconds(1'800'000'000)};
  std::vector<std::int64_t> notified_;
  FakeRegistryRepository repository_;
  RegisterInstanceHandler register_{repository_, clock_, changed_};
  HeartbeatHandler heartbeat_{repository_, clock_};
  DeregisterHandler deregister_{repository_, changed_};
  ExpireLeasesHandler expire_{repository_, clock_, changed_};
  ListServicesHandler services_{repository_, clock_};
  ListInstancesHandler instances_{repository_, clock_};
};

TEST_F(RegistryHandlersTest, RegisterCreatesThenReRegistersAndNotifiesEachChange) {
  auto first = register_.handle({registration("a")});
  ASSERT_TRUE(first);
  EXPECT_TRUE(first->created);
  now_ += 1s;
  auto again = register_.handle({registration("a")});
  ASSERT_TRUE(again);
  EXPECT_FALSE(again->created);
  EXPECT_EQ(again->instance.registered_at, first->instance.registered_at);
  EXPECT_EQ(notified_, (std::vector<std::int64_t>{1, 2}));
}

TEST_F(RegistryHandlersTest, RegisterRejectsInvalidFields) {
  auto result = register_.handle({registration("", "", 0)});
  ASSERT_FALSE(result);
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(result.error().field_errors().size(), 3u);
  EXPECT_TRUE(notified_.empty());
}

TEST_F(RegistryHandlersTest, HeartbeatRenewsALiveLeaseWithoutChangingTheVersion) {
  ASSERT_TRUE(register_.handle({registration("a")}));
  now_ += 9s;
  auto renewed = heartbeat_.handle({"a"});
  ASSERT_TRUE(renewed);
  EXPECT_EQ(renewed->lease_expires_at, now_ + 10s);
  EXPECT_EQ(notified_.size(), 1u);
}

TEST_F(RegistryHandlersTest, HeartbeatOfALapsedOrUnknownInstanceIsNotFound) {
  ASSERT_TRUE(register_.handle({registration("a", "svc", 1)}));
  now_ += 1s;
  EXPECT_EQ(heartbeat_.handle({"a"}).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(heartbeat_.handle({"nobody"}).error().code(), ErrorCode::kNotFound);
}

TEST_F(RegistryHandlersTest, LapsedInstancesAreNotListedAsHealthyBeforeTheSweep) {
  ASSERT_TRUE(register_.handle({registration("short", "svc", 1)}));
  ASSERT_TRUE(register_.handle({registration("long", "svc", 60)}));
  now_ += 2s;
  auto view = instances_.handle({"svc", false});
  ASSERT_TRUE(view);
  ASSERT_EQ(view->instances.size(), 1u);
  EXPECT_EQ(view->instances[0].instance_id, "long");
  EXPECT_EQ(instances_.handle({"svc", true})->instances.size(), 2u);
  auto services = services_.handle();
  ASSERT_EQ(services->services.size(), 1u);
  EXPECT_EQ(services->services[0].healthy_instances, 1u);
}

TEST_F(RegistryHandlersTest, ExpireRemovesLapsedInstancesAndBumpsTheVersionOnce) {
  ASSERT_TRUE(register_.handle({registration("a", "svc", 1)}));
  ASSERT_TRUE(register_.handle({registration("b", "svc", 1)}));
  ASSERT_TRUE(register_.handle({registration("c", "svc", 5)}));
  now_ += 2s;
  auto expired = expire_.handle();
  ASSERT_TRUE(expired);
  EXPECT_EQ(expired->removed, 2u);
  EXPECT_EQ(expired->registry_version, 4);
  EXPECT_EQ(notified_.back(), 4);
  ASSERT_TRUE(expire_.handle());  // nothing left to expire: no notification
  EXPECT_EQ(notified_.size(), 4u);
}

TEST_F(RegistryHandlersTest, DeregisterRemovesAndUnknownIsNotFound) {
  ASSERT_TRUE(register_.handle({registration("a")}));
  EXPECT_TRUE(deregister_.handle({"a"}));
  EXPECT_EQ(deregister_.handle({"a"}).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(instances_.handle({"svc", true})->instances.size(), 0u);
}

}  // namespace
}  // namespace config_service::application
