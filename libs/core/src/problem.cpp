#include "platform/core/problem.h"

#include <boost/json.hpp>

namespace platform::core {

int http_status(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformed:
      return 400;
    case ErrorCode::kInvalidArgument:
      return 422;
    case ErrorCode::kUnauthenticated:
      return 401;
    case ErrorCode::kPermissionDenied:
      return 403;
    case ErrorCode::kNotFound:
      return 404;
    case ErrorCode::kAlreadyExists:
      return 409;
    case ErrorCode::kFailedPrecondition:
      return 409;
    case ErrorCode::kVersionMismatch:
      return 412;
    case ErrorCode::kTooLarge:
      return 413;
    case ErrorCode::kUnsupportedMediaType:
      return 415;
    case ErrorCode::kResourceExhausted:
      return 429;
    case ErrorCode::kUnavailable:
      return 503;
    case ErrorCode::kDeadlineExceeded:
      return 504;
    case ErrorCode::kInternal:
      return 500;
  }
  return 500;
}

std::string_view status_title(int status) {
  switch (status) {
    case 200:
      return "OK";
    case 201:
      return "Created";
    case 204:
      return "No Content";
    case 400:
      return "Bad Request";
    case 401:
      return "Unauthorized";
    case 403:
      return "Forbidden";
    case 404:
      return "Not Found";
    case 405:
      return "Method Not Allowed";
    case 408:
      return "Request Timeout";
    case 409:
      return "Conflict";
    case 411:
      return "Length Required";
    case 412:
      return "Precondition Failed";
    case 413:
      return "Content Too Large";
    case 414:
      return "URI Too Long";
    case 415:
      return "Unsupported Media Type";
    case 422:
      return "Unprocessable Content";
    case 428:
      return "Precondition Required";
    case 429:
      return "Too Many Requests";
    case 431:
      return "Request Header Fields Too Large";
    case 500:
      return "Internal Server Error";
    case 501:
      return "Not Implemented";
    case 502:
      return "Bad Gateway";
    case 503:
      return "Service Unavailable";
    case 504:
      return "Gateway Timeout";
    default:
      return "Unknown";
  }
}

namespace {

// Problem types are stable URIs per kind of failure; clients switch on them.
std::string problem_type(std::string_view slug) {
  return "https://syllabus-platform.dev/problems/" + std::string(slug);
}

std::string_view slug_for_status(int status) {
  switch (status) {
    case 400:
      return "malformed";
    case 401:
      return "unauthenticated";
    case 403:
      return "permission_denied";
    case 404:
      return "not_found";
    case 405:
      return "method_not_allowed";
    case 408:
      return "request_timeout";
    case 413:
      return "too_large";
    case 414:
      return "uri_too_long";
    case 415:
      return "unsupported_media_type";
    case 429:
      return "resource_exhausted";
    case 431:
      return "headers_too_large";
    case 500:
      return "internal";
    case 502:
      return "bad_gateway";
    case 503:
      return "unavailable";
    case 504:
      return "deadline_exceeded";
    default:
      return "error";
  }
}

boost::json::object base_problem(std::string_view slug, int status, std::string_view detail,
                                 std::string_view instance) {
  boost::json::object problem;
  problem["type"] = problem_type(slug);
  problem["title"] = status_title(status);
  problem["status"] = status;
  problem["detail"] = detail;
  if (!instance.empty()) problem["instance"] = instance;
  return problem;
}

}  // namespace

std::string problem_json(const Error& error, std::string_view instance) {
  const int status = http_status(error.code());
  boost::json::object problem =
      base_problem(to_string(error.code()), status, error.detail(), instance);
  if (!error.field_errors().empty()) {
    boost::json::array errors;
    for (const FieldError& field_error : error.field_errors()) {
      errors.push_back(
          boost::json::object{{"field", field_error.field}, {"message", field_error.message}});
    }
    problem["errors"] = std::move(errors);
  }
  return boost::json::serialize(problem);
}

std::string problem_json(int status, std::string_view detail, std::string_view instance) {
  return boost::json::serialize(base_problem(slug_for_status(status), status, detail, instance));
}

}  // namespace platform::core
