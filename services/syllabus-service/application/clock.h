// What handlers take besides their ports: the time and new ids, injected so that tests
// control both.
#pragma once

#include <functional>

#include "platform/core/time.h"
#include "platform/core/uuid.h"

namespace syllabus_service::application {

using Clock = std::function<platform::core::Timestamp()>;
using IdGenerator = std::function<platform::core::Uuid()>;

}  // namespace syllabus_service::application
