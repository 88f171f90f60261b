#include "platform/http/message.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <utility>

#include "percent.h"
#include "platform/core/problem.h"
#include "platform/core/strings.h"
#include "trace.h"

namespace platform::http {
namespace {

std::string decode_query_component(std::string_view text) {
  return detail::percent_decode(text, /*plus_as_space=*/true);
}

}  // namespace

Headers::Headers(const Headers& other) {
  *this = other;
}

Headers& Headers::operator=(const Headers& other) {
  if (this == &other) return *this;
  std::size_t bytes = 0;
  for (const auto& field : other.fields_) bytes += field.name.size() + field.value.size();
  clear_storage();
  // A little room beyond the copied text: a copy usually gets a field or two set (the
  // attempt's timeout, the answer's Age) before it is sent.
  static constexpr std::size_t kRoomAfterCopy = 128;
  reserve(other.fields_.size() + 2, bytes + kRoomAfterCopy);
  for (const auto& field : other.fields_) fields_.push_back({keep(field.name), keep(field.value)});
  return *this;
}

// Moved member by member: a message's list is moved a dozen times on its way through the
// handlers' callbacks, and swapping with an empty list costs twice as much.
Headers::Headers(Headers&& other) noexcept
    : fields_(std::move(other.fields_)),
      first_block_(std::move(other.first_block_)),
      more_blocks_(std::move(other.more_blocks_)),
      free_(std::exchange(other.free_, nullptr)),
      room_(std::exchange(other.room_, 0)),
      last_block_size_(std::exchange(other.last_block_size_, 0)) {
  other.fields_.clear();
  other.more_blocks_.clear();
}

// A list moved from is left empty, owning no block: it may be reused.
Headers& Headers::operator=(Headers&& other) noexcept {
  if (this == &other) return *this;
  clear_storage();
  swap_storage(other);
  return *this;
}

void Headers::clear_storage() noexcept {
  fields_.clear();
  first_block_.reset();
  more_blocks_.clear();
  free_ = nullptr;
  room_ = 0;
  last_block_size_ = 0;
}

void Headers::swap_storage(Headers& other) noexcept {
  using std::swap;
  swap(fields_, other.fields_);
  swap(first_block_, other.first_block_);
  swap(more_blocks_, other.more_blocks_);
  swap(free_, other.free_);
  swap(room_, other.room_);
  swap(last_block_size_, other.last_block_size_);
}

void Headers::reserve(std::size_t count, std::size_t text_bytes) {
  fields_.reserve(count);
  if (text_bytes > room_) new_block(text_bytes);
}

void Headers::new_block(std::size_t at_least) {
  // Blocks grow so that a list that keeps getting fields makes few of them.
  static constexpr std::size_t kFirstBlock = 256;
  const std::size_t size = std::max({at_least, kFirstBlock, last_block_size_ * 2});
  auto block = std::make_unique_for_overwrite<char[]>(size);
  char* const start = block.get();
  if (first_block_) {
    more_blocks_.push_back(std::move(block));
  } else {
    first_block_ = std::move(block);
  }
  free_ = start;
  room_ = size;
  last_block_size_ = size;
}

std::string_view Headers::keep(std::string_view text) {
  if (text.empty()) return {};
  if (text.size() > room_) new_block(text.size());
  char* at = free_;
  std::copy(text.begin(), text.end(), at);
  free_ += text.size();
  room_ -= text.size();
  return {at, text.size()};
}

std::optional<std::string_view> Headers::find(std::string_view name) const {
  for (const auto& field : fields_) {
    if (core::iequals(field.name, name)) return field.value;
  }
  return std::nullopt;
}

std::size_t Headers::count(std::string_view name) const {
  std::size_t found = 0;
  for (const auto& field : fields_) {
    if (core::iequals(field.name, name)) ++found;
  }
  return found;
}

void Headers::set(std::string_view name, std::string_view value) {
  // Where the first field of that name was, later ones dropped. The old text stays in its
  // block (views of it stay valid) until the list goes.
  const auto named = [name](const Header& field) { return core::iequals(field.name, name); };
  const auto first = std::find_if(fields_.begin(), fields_.end(), named);
  if (first == fields_.end()) {
    add(name, value);
    return;
  }
  *first = {keep(name), keep(value)};
  fields_.erase(std::remove_if(std::next(first), fields_.end(), named), fields_.end());
}

void Headers::add(std::string_view name, std::string_view value) {
  const auto kept_name = keep(name);
  fields_.push_back({kept_name, keep(value)});
}

void Headers::remove(std::string_view name) {
  std::erase_if(fields_, [&](const Header& field) { return core::iequals(field.name, name); });
}

void Cancellation::on_cancel(std::function<void()> action) {
  {
    std::lock_guard lock(mutex_);
    if (!cancelled_) {
      actions_.push_back(std::move(action));
      return;
    }
  }
  action();
}

void Cancellation::cancel() {
  std::vector<std::function<void()>> actions;
  {
    std::lock_guard lock(mutex_);
    if (cancelled_) return;
    cancelled_ = true;
    actions.swap(actions_);
  }
  for (auto& action : actions) action();
}

bool Cancellation::cancelled() const {
  std::lock_guard lock(mutex_);
  return cancelled_;
}

bool is_hop_by_hop(std::string_view name) {
  // By length first: every field of every message passes here, and few have the length
  // of a hop-by-hop name.
  switch (name.size()) {
    case 2:
      return core::iequals(name, "TE");
    case 7:
      return core::iequals(name, "Trailer") || core::iequals(name, "Upgrade");
    case 10:
      return core::iequals(name, "Connection") || core::iequals(name, "Keep-Alive");
    case 16:
      return core::iequals(name, "Proxy-Connection");
    case 17:
      return core::iequals(name, "Transfer-Encoding");
    default:
      return false;
  }
}

void remove_hop_by_hop(Headers& headers) {
  // Most messages have none: one look before anything is gathered.
  const auto hop = [](const Header& field) { return is_hop_by_hop(field.name); };
  if (std::none_of(headers.begin(), headers.end(), hop)) return;
  // Fields the Connection header names are hop-by-hop too ("Connection: close, X-Hop").
  // The views stay valid while fields are removed: the list keeps their text.
  std::vector<std::string_view> names;
  for (const auto& field : headers) {
    if (core::iequals(field.name, "Connection")) {
      for (const auto token : core::split(field.value, ',')) {
        const auto name = core::trim(token);
        if (!name.empty()) names.push_back(name);
      }
    }
    if (is_hop_by_hop(field.name)) names.push_back(field.name);
  }
  for (const auto name : names) headers.remove(name);
}

std::string TraceContext::traceparent() const {
  return "00-" + trace_id + "-" + span_id + (sampled ? "-01" : "-00");
}

std::string TraceContext::child_traceparent() const {
  return "00-" + trace_id + "-" + tracing::new_span_id() + (sampled ? "-01" : "-00");
}

bool Caller::has_role(std::string_view role) const {
  for (const auto& held : roles) {
    if (held == role) return true;
  }
  return false;
}

std::string_view Request::path_param(std::string_view name) const {
  for (const auto& [key, value] : path_params) {
    if (key == name) return value;
  }
  return {};
}

std::optional<std::string> Request::query_param(std::string_view name) const {
  for (const auto pair : core::split(query, '&')) {
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    if (decode_query_component(pair.substr(0, eq)) != name) continue;
    if (eq == std::string_view::npos) return std::string{};  // "?flag"
    return decode_query_component(pair.substr(eq + 1));
  }
  return std::nullopt;
}

std::vector<std::pair<std::string, std::string>> Request::query_params() const {
  std::vector<std::pair<std::string, std::string>> params;
  for (const auto pair : core::split(query, '&')) {
    if (pair.empty()) continue;  // "a=1&&b=2"
    const auto eq = pair.find('=');
    std::string value =
        eq == std::string_view::npos ? std::string{} : decode_query_component(pair.substr(eq + 1));
    params.emplace_back(decode_query_component(pair.substr(0, eq)), std::move(value));
  }
  return params;
}

Response Response::json(int status, std::string body) {
  Response response{.status = status, .body = std::move(body)};
  response.headers.set("Content-Type", "application/json");
  return response;
}

Response Response::text(int status, std::string body, std::string_view content_type) {
  Response response{.status = status, .body = std::move(body)};
  response.headers.set("Content-Type", content_type);
  return response;
}

Response Response::no_content() {
  return Response{.status = 204};
}

Response Response::stream(int status, std::shared_ptr<BodySource> source,
                          std::string_view content_type) {
  Response response{.status = status, .body_source = std::move(source)};
  response.headers.set("Content-Type", content_type);
  return response;
}

Response Response::problem(const core::Error& error, const Request& request) {
  Response response{.status = core::http_status(error.code()),
                    .body = core::problem_json(error, request.path)};
  response.headers.set("Content-Type", core::kProblemContentType);
  // A dependency down or a quota spent: say when trying again makes sense (RFC 9110 §10.2.3).
  if (error.code() == core::ErrorCode::kUnavailable ||
      error.code() == core::ErrorCode::kResourceExhausted) {
    const auto delay = error.retry_after().value_or(std::chrono::seconds(1));
    response.headers.set("Retry-After", std::to_string(std::max<std::int64_t>(1, delay.count())));
  }
  return response;
}

Response Response::problem(int status, std::string_view detail, std::string_view instance) {
  Response response{.status = status, .body = core::problem_json(status, detail, instance)};
  response.headers.set("Content-Type", core::kProblemContentType);
  return response;
}

Response Response::body_read_failure(const core::Error& error, const Request& request) {
  if (error.code() == core::ErrorCode::kDeadlineExceeded) {
    return problem(408, error.detail(), request.path);
  }
  return problem(error, request);
}

Response&& Response::with_header(std::string_view name, std::string_view value) && {
  headers.set(name, value);
  return std::move(*this);
}

Response& Response::with_header(std::string_view name, std::string_view value) & {
  headers.set(name, value);
  return *this;
}

}  // namespace platform::http
