// The long poll of every watched route (the registry lists, GET /config/{service}): the
// answer comes at once unless the request waits (`wait` and `after`, watch_params.h) and
// the state is not newer than `after` yet; then the request is parked in the WatchHub on
// `topic`, which answers it with the state at that time: as soon as the topic passes
// `after`, when the wait ends, or at shutdown.
//
//   answer_long_poll(request, std::move(respond), watches, kRegistryTopic,
//                    [&handler] { return handler.handle(); },             // Result<View>
//                    [](const View& view) { return view.registry_version; },
//                    [](const View& view) { return Response::json(200, ...); },
//                    [](const Error& error, const Request& context) {
//                      return Response::problem(error, context);
//                    });
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

#include "api/watch_params.h"
#include "application/watch_hub.h"
#include "platform/http/router.h"

namespace config_service::api {

template <typename Read, typename Version, typename Render, typename Fail>
void answer_long_poll(platform::http::Request& request, platform::http::Responder respond,
                      application::WatchHub& hub, const std::string& topic, Read read,
                      Version version, Render render, Fail fail) {
  auto params = watch_params(request);
  if (!params) return respond(fail(params.error(), request));
  // Answers and returns true, unless the state is not newer than `after`.
  auto answer = [read = std::move(read), version = std::move(version), render = std::move(render),
                 fail = std::move(fail), respond,
                 context = answer_context(request)](std::optional<std::int64_t> after) -> bool {
    auto view = read();
    if (!view) {
      respond(fail(view.error(), context));
      return true;
    }
    if (after && version(*view) <= *after) return false;
    respond(render(*view));
    return true;
  };
  if (!params->waits()) {
    answer(std::nullopt);
    return;
  }
  if (answer(params->after)) return;
  hub.watch(topic, *params->after, *params->wait,
            [answer = std::move(answer)] { answer(std::nullopt); });
}

}  // namespace config_service::api
