#include "normalise.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <chrono>
#include <utility>
#include <vector>

namespace sylmigrate {
namespace {

using platform::core::Error;
using platform::core::Result;
using platform::core::Timestamp;

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string join(const std::vector<std::string>& parts) {
  std::string out;
  for (const auto& part : parts) out += (out.empty() ? "" : ", ") + part;
  return out;
}

bool all_digits(std::string_view text) {
  return !text.empty() && std::all_of(text.begin(), text.end(), [](char c) {
    return std::isdigit(static_cast<unsigned char>(c)) != 0;
  });
}

std::optional<std::int64_t> number(std::string_view text) {
  std::int64_t value = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

// Looks `key` up among the names of each canonical value.
std::optional<std::string> lookup(
    const std::vector<std::pair<std::string, std::vector<std::string>>>& table,
    const std::string& key) {
  for (const auto& [canonical, names] : table) {
    if (key == canonical || std::find(names.begin(), names.end(), key) != names.end())
      return canonical;
  }
  return std::nullopt;
}

}  // namespace

Result<Mapped<std::string>> subject_code(std::string_view raw) {
  const std::string_view trimmed = trim(raw);
  std::vector<std::string> how;
  if (trimmed.size() != raw.size()) how.emplace_back("spaces around it removed");
  std::string code;
  bool upper_cased = false;
  bool separators = false;
  for (char c : trimmed) {
    const auto u = static_cast<unsigned char>(c);
    if (std::islower(u) != 0) {
      code.push_back(static_cast<char>(std::toupper(u)));
      upper_cased = true;
    } else if (std::isspace(u) != 0 || c == '_' || c == '.' || c == '/') {
      if (code.empty() || code.back() != '-') code.push_back('-');
      separators = true;
    } else {
      code.push_back(c);
    }
  }
  if (upper_cased) how.emplace_back("upper-cased");
  if (separators) how.emplace_back("spaces, '_', '.' and '/' replaced by '-'");
  const bool valid =
      code.size() >= 2 && code.size() <= 20 && std::all_of(code.begin(), code.end(), [](char c) {
        return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-';
      });
  if (!valid) {
    return Error::invalid_argument(
        "code", "\"" + std::string(raw) + "\" is not 2 to 20 characters of A-Z, 0-9 and - (as \"" +
                    code + "\")");
  }
  return Mapped<std::string>{std::move(code), join(how)};
}

Result<Mapped<std::string>> academic_year(std::string_view raw) {
  std::string text(trim(raw));
  // An en dash is a dash.
  for (std::size_t at = text.find("\u2013"); at != std::string::npos; at = text.find("\u2013"))
    text.replace(at, 3, "-");
  const auto refuse = [&raw](const std::string& why) {
    return Error::invalid_argument("academic_year", "\"" + std::string(raw) + "\" " + why);
  };
  std::int64_t first = 0;
  std::int64_t second = 0;
  if (text.size() == 4 && all_digits(text)) {
    first = *number(text);
    second = first + 1;
  } else if (text.size() >= 7 && all_digits(text.substr(0, 4)) &&
             (text[4] == '/' || text[4] == '-')) {
    const std::string_view rest = std::string_view(text).substr(5);
    if (!all_digits(rest) || (rest.size() != 2 && rest.size() != 4))
      return refuse("is not a year such as 2025/2026");
    first = *number(text.substr(0, 4));
    second = rest.size() == 4 ? *number(rest) : first / 100 * 100 + *number(rest);
    if (rest.size() == 2 && second < first) second += 100;  // 2099-00
  } else {
    return refuse("is not a year such as 2025/2026");
  }
  if (second != first + 1) return refuse("names two years that do not follow each other");
  if (first < 1900 || first > 2200) return refuse("is out of range");
  std::string value = std::to_string(first) + "/" + std::to_string(second);
  return Mapped<std::string>{value, value == raw ? "" : "written " + value};
}

Result<Mapped<std::string>> term(std::string_view raw) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kTerms{
      {"autumn", {"fall", "1", "s1", "sem1", "sem 1", "semester 1", "first", "winter", "ws"}},
      {"spring", {"2", "s2", "sem2", "sem 2", "semester 2", "second", "ss"}},
      {"summer", {"3", "s3", "sem3", "sem 3", "semester 3", "third"}},
      {"full_year", {"full year", "full-year", "year", "annual", "whole year", "fy"}}};
  const std::string key = lower(trim(raw));
  const auto found = lookup(kTerms, key);
  if (!found) {
    return Error::invalid_argument("semester", "\"" + std::string(raw) +
                                                   "\" is not a term (autumn, spring, summer, "
                                                   "full_year or a name of one)");
  }
  return Mapped<std::string>{*found,
                             *found == raw ? "" : "\"" + std::string(raw) + "\" read as " + *found};
}

Result<Mapped<std::string>> syllabus_status(std::string_view raw) {
  static const std::vector<std::pair<std::string, std::vector<std::string>>> kStatuses{
      {"draft", {"new", "editing", "wip"}},
      {"in_review", {"in review", "in-review", "review", "submitted", "pending"}},
      {"published", {"approved", "active", "live", "final"}},
      {"superseded", {"replaced"}},
      {"archived", {"retired", "inactive", "closed", "old"}}};
  const std::string key = lower(trim(raw));
  const auto found = lookup(kStatuses, key);
  if (!found) {
    return Error::invalid_argument("status", "\"" + std::string(raw) +
                                                 "\" is not a status (draft, in_review, "
                                                 "published, superseded, archived)");
  }
  return Mapped<std::string>{*found,
                             *found == raw ? "" : "\"" + std::string(raw) + "\" read as " + *found};
}

Result<Mapped<Timestamp>> timestamp(std::string_view raw) {
  const std::string text(trim(raw));
  const auto refuse = [&raw] {
    return Error::invalid_argument(
        "timestamp", "\"" + std::string(raw) +
                         "\" is not a time (RFC 3339, YYYY-MM-DD HH:MM:SS, YYYY-MM-DD or Unix "
                         "seconds)");
  };
  if (all_digits(text)) {
    const auto value = number(text);
    if (!value) return refuse();
    if (text.size() >= 9 && text.size() <= 11) {
      return Mapped<Timestamp>{Timestamp(std::chrono::seconds(*value)), "Unix seconds"};
    }
    if (text.size() >= 12 && text.size() <= 13) {
      return Mapped<Timestamp>{Timestamp(std::chrono::milliseconds(*value)), "Unix milliseconds"};
    }
    return refuse();
  }
  if (auto exact = platform::core::parse_rfc3339(text)) return Mapped<Timestamp>{*exact, ""};
  // A date with no time, or a time with no zone: taken as UTC.
  std::string candidate = text;
  std::string how = "no zone: taken as UTC";
  if (candidate.size() == 10) {
    candidate += "T00:00:00";
    how = "a date: midnight UTC";
  }
  if (candidate.size() >= 19 && candidate[10] == ' ') candidate[10] = 'T';
  if (auto with_zone = platform::core::parse_rfc3339(candidate + "Z"))
    return Mapped<Timestamp>{*with_zone, how};
  return refuse();
}

Result<Mapped<std::optional<std::int64_t>>> credits(std::optional<std::int64_t> raw) {
  if (!raw) return Mapped<std::optional<std::int64_t>>{std::nullopt, ""};
  if (*raw < 0 || *raw > 60) {
    return Error::invalid_argument(
        "credits", "\"" + std::to_string(*raw) + "\" is not a number of credits (0 to 60)");
  }
  return Mapped<std::optional<std::int64_t>>{raw, ""};
}

}  // namespace sylmigrate
