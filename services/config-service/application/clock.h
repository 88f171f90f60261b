// What handlers take to tell the time, injected so that tests control it.
#pragma once

#include <functional>

#include "platform/core/time.h"

namespace config_service::application {

using Clock = std::function<platform::core::Timestamp()>;

}  // namespace config_service::application
