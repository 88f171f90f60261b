#include "platform/service/platform_link.h"

#include <string>

namespace platform::service {

PlatformLink::PlatformLink(const Startup& startup) : startup_(startup) {}

PlatformLink::~PlatformLink() {
  stop();
}

void PlatformLink::start(std::uint16_t port) {
  const std::string& url = startup_.config.get("config_service.url");
  if (url.empty()) return;
  logging::Logger& logger = *startup_.logger;
  registration_ = std::make_unique<discovery::Registration>(
      discovery::InstanceInfo{
          .service = startup_.name,
          .instance_id = startup_.instance,
          .url = "http://" + startup_.config.get("http.host") + ":" + std::to_string(port),
          .version = "0.1.0"},
      discovery::RegistrationOptions{.config_service_url = url}, logger);
  registration_->start();
  dynamic_settings_ = std::make_unique<discovery::DynamicSettings>(url, startup_.name, "default",
                                                                   startup_.schema, logger);
  dynamic_settings_->on_change("log.level", [&logger](const std::string& value) {
    if (auto level = logging::parse_level(value)) logger.set_level(*level);
  });
  dynamic_settings_->start();
}

void PlatformLink::deregister() {
  if (registration_) registration_->stop();
}

void PlatformLink::stop() {
  deregister();
  if (dynamic_settings_) dynamic_settings_->stop();
}

}  // namespace platform::service
