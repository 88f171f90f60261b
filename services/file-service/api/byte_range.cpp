#include "api/byte_range.h"

#include <algorithm>
#include <limits>
#include <vector>

#include "platform/core/strings.h"

namespace file_service::api {
namespace {

constexpr std::uint64_t kMax = std::numeric_limits<std::uint64_t>::max();

// Decimal digits, saturating at the largest uint64: a first byte that large is past any
// end, and a last byte that large is cut to the end, so saturation answers correctly.
std::optional<std::uint64_t> parse_number(std::string_view text) {
  if (text.empty()) return std::nullopt;
  std::uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return std::nullopt;
    const auto digit = static_cast<std::uint64_t>(c - '0');
    value = value > (kMax - digit) / 10 ? kMax : value * 10 + digit;
  }
  return value;
}

struct Spec {
  std::optional<std::uint64_t> first;  // absent for a suffix range
  std::optional<std::uint64_t> last;   // absent for "a-"; the length for a suffix range
};

std::optional<Spec> parse_spec(std::string_view text) {
  const std::size_t dash = text.find('-');
  if (dash == std::string_view::npos) return std::nullopt;
  const std::string_view before = text.substr(0, dash);
  const std::string_view after = text.substr(dash + 1);
  if (before.empty()) {  // "-n"
    const auto suffix = parse_number(after);
    if (!suffix) return std::nullopt;
    return Spec{std::nullopt, suffix};
  }
  const auto first = parse_number(before);
  if (!first) return std::nullopt;
  if (after.empty()) return Spec{first, std::nullopt};
  const auto last = parse_number(after);
  if (!last || *last < *first) return std::nullopt;
  return Spec{first, last};
}

// The bytes `spec` selects of `size` bytes, or nullopt when none.
std::optional<ByteRange> satisfy(const Spec& spec, std::uint64_t size) {
  if (size == 0) return std::nullopt;
  if (!spec.first) {
    if (*spec.last == 0) return std::nullopt;
    return ByteRange{size - std::min(*spec.last, size), size - 1};
  }
  if (*spec.first >= size) return std::nullopt;
  return ByteRange{*spec.first, std::min(spec.last.value_or(kMax), size - 1)};
}

}  // namespace

RangeDecision decide_range(std::optional<std::string_view> header, std::uint64_t size) {
  if (!header) return {};
  const std::string_view text = platform::core::trim(*header);
  const std::size_t equals = text.find('=');
  if (equals == std::string_view::npos) return {};
  if (!platform::core::iequals(platform::core::trim(text.substr(0, equals)), "bytes")) return {};

  const std::vector<std::string_view> specs = platform::core::split(text.substr(equals + 1), ',');
  if (specs.size() > kMaxRanges) return {};
  std::vector<ByteRange> ranges;
  bool any_spec = false;
  for (std::string_view raw : specs) {
    const std::string_view spec_text = platform::core::trim(raw);
    if (spec_text.empty()) continue;  // "1#" lists allow empty elements
    const std::optional<Spec> spec = parse_spec(spec_text);
    if (!spec) return {};
    any_spec = true;
    if (auto range = satisfy(*spec, size)) ranges.push_back(*range);
  }
  if (!any_spec) return {};
  if (ranges.empty()) return {RangeOutcome::kUnsatisfiable, {}};

  std::sort(ranges.begin(), ranges.end(),
            [](const ByteRange& a, const ByteRange& b) { return a.first < b.first; });
  ByteRange merged = ranges.front();
  for (std::size_t i = 1; i < ranges.size(); ++i) {
    // last < size <= kMax, so last + 1 does not overflow.
    if (ranges[i].first > merged.last + 1) return {};  // a gap: serve everything
    merged.last = std::max(merged.last, ranges[i].last);
  }
  return {RangeOutcome::kPartial, merged};
}

std::string content_range(const ByteRange& range, std::uint64_t size) {
  return "bytes " + std::to_string(range.first) + "-" + std::to_string(range.last) + "/" +
         std::to_string(size);
}

std::string unsatisfied_content_range(std::uint64_t size) {
  return "bytes */" + std::to_string(size);
}

}  // namespace file_service::api
