#include "platform/core/time.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cstdio>
#include <limits>

namespace platform::core {
namespace {

bool parse_digits(std::string_view text, std::size_t pos, std::size_t count, int& out) {
  if (pos + count > text.size()) return false;
  int value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    value = value * 10 + (text[i] - '0');
  }
  out = value;
  return true;
}

}  // namespace

Timestamp now_utc() {
  return std::chrono::time_point_cast<std::chrono::microseconds>(Clock::now());
}

std::string format_rfc3339(Timestamp t) {
  std::string out;
  append_rfc3339(out, t);
  return out;
}

char* write_rfc3339(char* out, Timestamp t) {
  using namespace std::chrono;
  // Digits by hand, and the date and time of day worked out once a second per thread:
  // every log line has a timestamp, and a busy service writes thousands a second.
  // No second is cached yet: a value no timestamp reaches (-1 would be 1969-12-31T23:59:59).
  thread_local std::int64_t cached_second = std::numeric_limits<std::int64_t>::min();
  thread_local std::array<char, kRfc3339Bytes> text{};  // "0000-00-00T00:00:00.000000Z"
  const auto put = [](char* at, std::size_t width, long long value) {
    for (std::size_t i = width; i > 0; --i, value /= 10) at[i - 1] = char('0' + value % 10);
  };
  const auto second = floor<seconds>(t);
  if (second.time_since_epoch().count() != cached_second) {
    const auto day_point = floor<days>(second);
    const year_month_day ymd{day_point};
    const hh_mm_ss<seconds> time{second - day_point};
    constexpr std::string_view kShape = "0000-00-00T00:00:00.000000Z";
    std::copy(kShape.begin(), kShape.end(), text.begin());
    put(&text[0], 4, int(ymd.year()));
    put(&text[5], 2, unsigned(ymd.month()));
    put(&text[8], 2, unsigned(ymd.day()));
    put(&text[11], 2, time.hours().count());
    put(&text[14], 2, time.minutes().count());
    put(&text[17], 2, time.seconds().count());
    cached_second = second.time_since_epoch().count();
  }
  put(&text[20], 6, (t - second).count());
  return std::copy(text.begin(), text.end(), out);
}

void append_rfc3339(std::string& out, Timestamp t) {
  char text[kRfc3339Bytes];
  out.append(text, static_cast<std::size_t>(write_rfc3339(text, t) - text));
}

std::optional<Timestamp> parse_rfc3339(std::string_view text) {
  using namespace std::chrono;
  int year, month, day, hour, minute, second;
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' ||
      (text[10] != 'T' && text[10] != 't') || text[13] != ':' || text[16] != ':')
    return std::nullopt;
  if (!parse_digits(text, 0, 4, year) || !parse_digits(text, 5, 2, month) ||
      !parse_digits(text, 8, 2, day) || !parse_digits(text, 11, 2, hour) ||
      !parse_digits(text, 14, 2, minute) || !parse_digits(text, 17, 2, second))
    return std::nullopt;
  const year_month_day ymd{std::chrono::year(year), std::chrono::month(unsigned(month)),
                           std::chrono::day(unsigned(day))};
  if (!ymd.ok() || hour > 23 || minute > 59 || second > 60) return std::nullopt;

  std::size_t pos = 19;
  long micros = 0;
  if (pos < text.size() && text[pos] == '.') {
    ++pos;
    std::size_t digits = 0;
    while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
      if (digits < 6) micros = micros * 10 + (text[pos] - '0');
      ++digits;
      ++pos;
    }
    if (digits == 0) return std::nullopt;
    for (std::size_t i = digits; i < 6; ++i) micros *= 10;
  }
  if (pos >= text.size()) return std::nullopt;
  minutes offset{0};
  if (text[pos] == 'Z' || text[pos] == 'z') {
    ++pos;
  } else if (text[pos] == '+' || text[pos] == '-') {
    int offset_hours, offset_minutes;
    if (pos + 6 != text.size() || text[pos + 3] != ':' ||
        !parse_digits(text, pos + 1, 2, offset_hours) ||
        !parse_digits(text, pos + 4, 2, offset_minutes) || offset_hours > 23 || offset_minutes > 59)
      return std::nullopt;
    offset = hours(offset_hours) + minutes(offset_minutes);
    if (text[pos] == '-') offset = -offset;
    pos += 6;
  } else {
    return std::nullopt;
  }
  if (pos != text.size()) return std::nullopt;
  const auto day_point = sys_days(ymd);
  return Timestamp(time_point_cast<microseconds>(day_point) + hours(hour) + minutes(minute) +
                   seconds(std::min(second, 59)) + microseconds(micros) - offset);
}

}  // namespace platform::core
