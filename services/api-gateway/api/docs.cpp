#include "api/docs.h"

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

namespace api_gateway::api {

namespace {

using platform::http::Request;
using platform::http::Response;

boost::json::object base_document() {
  return boost::json::object{
      {"openapi", "3.0.3"},
      {"info",
       {{"title", "Syllabus Platform API"},
        {"version", "1"},
        {"description",
         "Every service's API under its public prefix, as the api-gateway serves it."}}},
      {"paths", boost::json::object{}},
      {"components",
       {{"securitySchemes",
         {{"bearerAuth", {{"type", "http"}, {"scheme", "bearer"}, {"bearerFormat", "JWT"}}}}}}},
      {"security", boost::json::array{boost::json::object{{"bearerAuth", boost::json::array{}}}}}};
}

constexpr std::string_view kDocsPage = R"(<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <title>Syllabus Platform API</title>
  <link rel="stylesheet" href="/docs/swagger-ui.css">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/swagger-ui-bundle.js"></script>
  <script src="/docs/swagger-initializer.js"></script>
</body>
</html>
)";

constexpr std::string_view kInitializer = R"(window.onload = function () {
  window.ui = SwaggerUIBundle({ url: "/openapi.json", dom_id: "#swagger-ui" });
};
)";

}  // namespace

std::string merge_openapi(const std::string& merged, const std::string& document,
                          const std::string& rewrite, const std::string& prefix) {
  boost::system::error_code ec;
  auto target = boost::json::parse(merged, ec);
  if (ec || !target.is_object()) target = base_document();
  const auto source = boost::json::parse(document, ec);
  if (ec || !source.is_object()) return boost::json::serialize(target);
  auto& paths = target.as_object()["paths"];
  if (!paths.is_object()) paths = boost::json::object{};
  if (const auto* own = source.as_object().if_contains("paths"); own && own->is_object()) {
    for (const auto& [path, item] : own->as_object()) {
      const std::string_view name(path);
      if (!(name == rewrite || name.starts_with(rewrite + "/") || name.starts_with(rewrite + "?")))
        continue;
      paths.as_object()[prefix + std::string(name.substr(rewrite.size()))] = item;
    }
  }
  // Schemas the paths refer to; the first service's wins for a shared name.
  if (const auto* components = source.as_object().if_contains("components");
      components && components->is_object()) {
    auto& into = target.as_object()["components"].as_object();
    for (const auto& [kind, entries] : components->as_object()) {
      if (!entries.is_object()) continue;
      auto& slot = into[kind];
      if (!slot.is_object()) slot = boost::json::object{};
      for (const auto& [name, value] : entries.as_object())
        if (!slot.as_object().contains(name)) slot.as_object()[name] = value;
    }
  }
  return boost::json::serialize(target);
}

void add_docs_routes(platform::http::Router& router, const RouteSource& routes,
                     infrastructure::Upstreams& upstreams, const std::string& docs_dir,
                     platform::logging::Logger& logger) {
  router.get("/openapi.json", [&routes, &upstreams, &logger](Request& request) {
    const auto table = routes.current();
    std::string merged = boost::json::serialize(base_document());
    boost::json::array unavailable;
    std::set<std::string> asked;
    for (const auto& route : table->config().routes) {
      if (route.prefix.find('*') != std::string::npos) continue;
      const std::string upstream_key = route.upstream.empty() ? route.name : route.upstream;
      platform::resilience::PeerResult answer = platform::core::Error::unavailable("not asked");
      try {
        answer = upstreams.client(route).send({.target = "/openapi.json",
                                               .trace = &request.trace,
                                               .timeout = std::chrono::seconds(2)});
      } catch (const std::exception& error) {
        logger.warn("cannot ask an upstream for its API document",
                    {{"route", route.name}, {"error", error.what()}});
      }
      if (!answer || answer->status != 200) {
        if (asked.insert(upstream_key).second) unavailable.emplace_back(upstream_key);
        continue;
      }
      merged = merge_openapi(merged, answer->body, route.rewrite, route.prefix);
    }
    boost::system::error_code ec;
    auto document = boost::json::parse(merged, ec);
    if (!unavailable.empty()) document.as_object()["x-unavailable"] = unavailable;
    return Response::json(200, boost::json::serialize(document))
        .with_header("Cache-Control", "no-cache");
  });
  router.get(
      "/docs",
      [](Request&) {
        return Response::text(200, std::string(kDocsPage), "text/html; charset=utf-8");
      },
      platform::http::Execution::kInline);
  router.get(
      "/docs/swagger-initializer.js",
      [](Request&) {
        return Response::text(200, std::string(kInitializer), "text/javascript; charset=utf-8");
      },
      platform::http::Execution::kInline);
  router.get("/docs/{file}", [docs_dir](Request& request) {
    const std::string name(request.path_param("file"));
    static const std::set<std::string, std::less<>> kAssets{"swagger-ui.css",
                                                            "swagger-ui-bundle.js"};
    if (!kAssets.contains(name))
      return Response::problem(404, "no such documentation file", request.path);
    std::ifstream in(std::filesystem::path(docs_dir) / name, std::ios::binary);
    if (docs_dir.empty() || !in) {
      return Response::problem(
          503, "the Swagger UI files are not installed (gateway.docs_dir: swagger-ui-dist)",
          request.path);
    }
    std::stringstream content;
    content << in.rdbuf();
    return Response::text(200, content.str(),
                          name.ends_with(".css") ? "text/css; charset=utf-8"
                                                 : "text/javascript; charset=utf-8")
        .with_header("Cache-Control", "public, max-age=3600");
  });
}

}  // namespace api_gateway::api
