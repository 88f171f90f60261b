#include "api/subject_api.h"

#include <boost/json.hpp>
#include <charconv>
#include <memory>

#include "api/subject_json.h"
#include "platform/core/strings.h"
#include "platform/http/json_body.h"

namespace subject_service::api {
namespace {

using platform::core::Error;
using platform::core::Result;
using platform::http::Request;
using platform::http::Response;

std::string etag(std::int64_t version) {
  return "\"" + std::to_string(version) + "\"";
}

Response subject_response(int status, const domain::Subject& subject) {
  return Response::json(status, boost::json::serialize(to_json(subject)))
      .with_header("ETag", etag(subject.version));
}

Result<platform::core::Uuid> id_from_path(const Request& request) {
  const auto id = platform::core::Uuid::parse(request.path_param("id"));
  // An id that cannot exist names no resource: 404, like any unknown id.
  if (!id)
    return Error::not_found("subject " + std::string(request.path_param("id")) + " does not exist");
  return *id;
}

// If-Match: absent or "*" -> no condition; "N" (or N) -> version N; anything else,
// including weak tags (never equal under the strong comparison If-Match uses) -> 412
// through an impossible version.
Result<std::optional<std::int64_t>> expected_version(const Request& request) {
  const auto header = request.headers.find("If-Match");
  if (!header) return std::optional<std::int64_t>();
  std::string_view value = platform::core::trim(*header);
  if (value == "*") return std::optional<std::int64_t>();
  if (value.starts_with("W/")) return std::optional<std::int64_t>(-1);
  if (value.size() >= 2 && value.front() == '"' && value.back() == '"')
    value = value.substr(1, value.size() - 2);
  const auto version = platform::core::parse_integer<std::int64_t>(value);
  if (!version) {
    Error malformed = Error::malformed("If-Match must be an entity tag such as \"3\"");
    return malformed;
  }
  return std::optional<std::int64_t>(*version);
}

// Events a command produces carry the request's trace and id.
application::EventOrigin origin_of(const Request& request) {
  return {request.trace.traceparent(), request.trace.request_id};
}

Result<domain::SubjectDraft> draft_from_body(const Request& request,
                                             domain::Completeness completeness) {
  auto body = platform::http::parse_json_object(request, {"application/merge-patch+json"});
  if (!body) return std::move(body).error();
  ParsedDraft parsed = parse_draft(*body);
  if (!parsed.errors.empty())
    return Error::invalid_fields(
        merge_errors(std::move(parsed.errors), domain::validate(parsed.draft, completeness)));
  return std::move(parsed.draft);
}

class Routes {
 public:
  explicit Routes(SubjectHandlers handlers) : handlers_(handlers) {}

  Response create(Request& request) {
    auto draft = draft_from_body(request, domain::Completeness::kAllRequired);
    if (!draft) return Response::problem(draft.error(), request);
    auto subject = handlers_.create.handle({std::move(draft).value(), origin_of(request)});
    if (!subject) return Response::problem(subject.error(), request);
    return subject_response(201, *subject)
        .with_header("Location", "/subjects/" + subject->id.to_string());
  }

  Response get(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto subject = handlers_.get.handle({*id});
    if (!subject) return Response::problem(subject.error(), request);
    if (const auto if_none_match = request.headers.find("If-None-Match");
        if_none_match && platform::core::trim(*if_none_match) == etag(subject->version)) {
      Response not_modified;
      not_modified.status = 304;
      return std::move(not_modified).with_header("ETag", etag(subject->version));
    }
    return subject_response(200, *subject);
  }

  Response list(Request& request) {
    application::ListSubjectsQuery query;
    if (auto limit = request.query_param("limit"))
      query.limit = platform::core::parse_integer<std::size_t>(*limit).value_or(0);
    query.cursor = request.query_param("cursor");
    query.department = request.query_param("department");
    query.text = request.query_param("q");
    if (query.text && query.text->empty()) query.text.reset();
    auto page = handlers_.list.handle(query);
    if (!page) return Response::problem(page.error(), request);
    return Response::json(200, page_to_json(*page, query.limit));
  }

  Response update(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto version = expected_version(request);
    if (!version) return Response::problem(version.error(), request);
    auto draft = draft_from_body(request, domain::Completeness::kPartial);
    if (!draft) return Response::problem(draft.error(), request);
    auto subject =
        handlers_.update.handle({*id, std::move(draft).value(), *version, origin_of(request)});
    if (!subject) return Response::problem(subject.error(), request);
    return subject_response(200, *subject);
  }

  Response remove(Request& request) {
    auto id = id_from_path(request);
    if (!id) return Response::problem(id.error(), request);
    auto version = expected_version(request);
    if (!version) return Response::problem(version.error(), request);
    auto removed = handlers_.remove.handle({*id, *version, origin_of(request)});
    if (!removed) return Response::problem(removed.error(), request);
    return Response::no_content();
  }

 private:
  SubjectHandlers handlers_;
};

}  // namespace

void add_routes(platform::http::Router& router, SubjectHandlers handlers) {
  auto routes = std::make_shared<Routes>(handlers);
  const auto bind = [routes](auto method) {
    return platform::http::member_handler(routes, method);
  };
  // The service's table of contents.
  router.post("/subjects", bind(&Routes::create))
      .get("/subjects", bind(&Routes::list))
      .get("/subjects/{id}", bind(&Routes::get))
      .patch("/subjects/{id}", bind(&Routes::update))
      .del("/subjects/{id}", bind(&Routes::remove));
}

}  // namespace subject_service::api
