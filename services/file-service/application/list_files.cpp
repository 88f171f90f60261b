#include "application/list_files.h"

#include <array>
#include <cstdint>

#include "platform/core/strings.h"

namespace file_service::application {

using platform::core::Error;
using platform::core::ErrorCode;
using platform::core::Result;

Result<FileListPage> ListFilesHandler::handle(const ListFilesQuery& query) {
  std::vector<platform::core::FieldError> errors;
  if (query.limit < 1 || query.limit > kMaxPageSize)
    errors.push_back({"limit", "must be an integer from 1 to 200"});
  FilePageRequest request{.limit = query.limit};
  if (query.cursor) {
    request.after = decode_cursor(*query.cursor);
    if (!request.after) errors.push_back({"cursor", "is not a cursor this service issued"});
  }
  if (!errors.empty()) {
    Error error(ErrorCode::kMalformed, "the query parameters are invalid");
    error.with_field_errors(std::move(errors));
    return error;
  }

  auto page = repository_.list(request);
  if (!page) return std::move(page).error();
  FileListPage result;
  result.items = std::move(page->items);
  if (page->has_more && !result.items.empty())
    result.next_cursor = encode_cursor(result.items.back().id);
  return result;
}

std::string encode_cursor(const platform::core::Uuid& last_id) {
  const auto& bytes = last_id.bytes();
  return platform::core::base64url_encode(
      std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

std::optional<platform::core::Uuid> decode_cursor(std::string_view cursor) {
  const auto bytes = platform::core::base64url_decode(cursor);
  if (!bytes || bytes->size() != 16) return std::nullopt;
  std::array<std::uint8_t, 16> id{};
  for (std::size_t i = 0; i < 16; ++i) id[i] = static_cast<std::uint8_t>((*bytes)[i]);
  return platform::core::Uuid(id);
}

}  // namespace file_service::application
