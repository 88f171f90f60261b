#include "platform/core/error.h"

namespace platform::core {

std::string_view to_string(ErrorCode code) {
  switch (code) {
    case ErrorCode::kMalformed:
      return "malformed";
    case ErrorCode::kInvalidArgument:
      return "invalid_argument";
    case ErrorCode::kUnauthenticated:
      return "unauthenticated";
    case ErrorCode::kPermissionDenied:
      return "permission_denied";
    case ErrorCode::kNotFound:
      return "not_found";
    case ErrorCode::kAlreadyExists:
      return "already_exists";
    case ErrorCode::kFailedPrecondition:
      return "failed_precondition";
    case ErrorCode::kVersionMismatch:
      return "version_mismatch";
    case ErrorCode::kTooLarge:
      return "too_large";
    case ErrorCode::kUnsupportedMediaType:
      return "unsupported_media_type";
    case ErrorCode::kResourceExhausted:
      return "resource_exhausted";
    case ErrorCode::kUnavailable:
      return "unavailable";
    case ErrorCode::kDeadlineExceeded:
      return "deadline_exceeded";
    case ErrorCode::kInternal:
      return "internal";
  }
  return "internal";
}

Error Error::invalid_argument(std::string field, std::string message) {
  return invalid_fields({FieldError{std::move(field), std::move(message)}});
}

Error Error::invalid_fields(std::vector<FieldError> errors) {
  std::string detail = errors.size() == 1 ? "1 field is invalid"
                                          : std::to_string(errors.size()) + " fields are invalid";
  Error error(ErrorCode::kInvalidArgument, std::move(detail));
  error.with_field_errors(std::move(errors));
  return error;
}

}  // namespace platform::core
