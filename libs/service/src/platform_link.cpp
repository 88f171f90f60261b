#include "platform/service/platform_link.h"

#include <string>

#include "platform/service/advertised_url.h"
#include "platform/service/build_info.h"

namespace platform::service {

PlatformLink::PlatformLink(const Startup& startup) : startup_(startup) {}

PlatformLink::~PlatformLink() {
  stop();
}

void PlatformLink::start(std::uint16_t port) {
  const std::string& url = startup_.config.get("config_service.url");
  if (url.empty()) return;
  logging::Logger& logger = *startup_.logger;
  const AdvertisedUrl advertised =
      advertised_url(startup_.config.get("http.advertise_url"), startup_.config.get("http.host"),
                     port, host_name());
  if (advertised.from_host_name) {
    logger.info(
        "advertising the host name: http.host listens on every address, which peers cannot "
        "connect to; set http.advertise_url to choose the URL",
        {{"http_host", startup_.config.get("http.host")}, {"url", advertised.url}});
  }
  registration_ = std::make_unique<discovery::Registration>(
      discovery::InstanceInfo{.service = startup_.name,
                              .instance_id = startup_.instance,
                              .url = advertised.url,
                              .version = std::string(build_info().version),
                              .colour = startup_.config.get("instance.colour")},
      discovery::RegistrationOptions{.config_service_url = url,
                                     .platform_token = startup_.config.get("platform.token")},
      logger);
  registration_->start();
  dynamic_settings_ = std::make_unique<discovery::DynamicSettings>(
      discovery::ConfigServiceAccess{url, startup_.config.get("platform.token")}, startup_.name,
      "default", startup_.schema, logger);
  dynamic_settings_->on_change("log.level", [&logger](const std::string& value) {
    if (auto level = logging::parse_level(value)) logger.set_level(*level);
  });
  for (auto& [key, callback] : watchers_) dynamic_settings_->on_change(key, std::move(callback));
  watchers_.clear();
  dynamic_settings_->start();
}

void PlatformLink::on_change(const std::string& key,
                             discovery::DynamicSettings::Callback callback) {
  watchers_.emplace_back(key, std::move(callback));
}

void PlatformLink::deregister() {
  if (registration_) registration_->stop();
}

void PlatformLink::stop() {
  deregister();
  if (dynamic_settings_) dynamic_settings_->stop();
}

}  // namespace platform::service
