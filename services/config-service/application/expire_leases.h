// ExpireLeasesHandler: removes the instances whose lease lapsed; run by the lease sweeper
// every few hundred milliseconds.
//
//   ExpireLeasesHandler expire(repository, clock, changed);
//   Result<Expired> expired = expire.handle();
#pragma once

#include "application/clock.h"
#include "application/registry_repository.h"

namespace config_service::application {

class ExpireLeasesHandler {
 public:
  ExpireLeasesHandler(RegistryRepository& repository, Clock clock, RegistryChanged changed);
  platform::core::Result<Expired> handle();

 private:
  RegistryRepository& repository_;
  Clock clock_;
  RegistryChanged changed_;
};

}  // namespace config_service::application
