#include "infrastructure/s3/s3_xml.h"

#include <charconv>
#include <chrono>

namespace file_service::infrastructure::s3 {
namespace {

using platform::core::Error;
using platform::core::Result;

void append_utf8(std::string& out, std::uint32_t code_point) {
  if (code_point < 0x80) {
    out.push_back(static_cast<char>(code_point));
  } else if (code_point < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (code_point >> 6)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else if (code_point < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (code_point >> 12)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (code_point >> 18)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((code_point >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (code_point & 0x3F)));
  }
}

// The element's content between <name ...> and </name>, searching from `from`; `from`
// moves past the element. Self-closing <name/> yields an empty content.
std::optional<std::string_view> next_element(std::string_view xml, std::string_view name,
                                             std::size_t& from) {
  const std::string open = "<" + std::string(name);
  for (std::size_t at = xml.find(open, from); at != std::string_view::npos;
       at = xml.find(open, at + 1)) {
    const std::size_t after = at + open.size();
    if (after >= xml.size()) return std::nullopt;
    const char next = xml[after];
    if (next != '>' && next != ' ' && next != '/' && next != '\t' && next != '\n' && next != '\r')
      continue;  // <KeyCount> is not <Key>
    const std::size_t tag_end = xml.find('>', after);
    if (tag_end == std::string_view::npos) return std::nullopt;
    if (xml[tag_end - 1] == '/') {
      from = tag_end + 1;
      return std::string_view{};
    }
    const std::string close = "</" + std::string(name) + ">";
    const std::size_t close_at = xml.find(close, tag_end + 1);
    if (close_at == std::string_view::npos) return std::nullopt;
    from = close_at + close.size();
    return xml.substr(tag_end + 1, close_at - tag_end - 1);
  }
  return std::nullopt;
}

std::optional<std::string> element_text(std::string_view xml, std::string_view name) {
  std::size_t from = 0;
  auto content = next_element(xml, name, from);
  if (!content) return std::nullopt;
  return decode_xml_text(*content);
}

}  // namespace

std::optional<std::string> decode_xml_text(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    if (text.substr(i).starts_with("<![CDATA[")) {
      const std::size_t end = text.find("]]>", i + 9);
      if (end == std::string_view::npos) return std::nullopt;
      out.append(text.substr(i + 9, end - i - 9));
      i = end + 3;
      continue;
    }
    if (text[i] != '&') {
      out.push_back(text[i++]);
      continue;
    }
    const std::size_t semicolon = text.find(';', i);
    if (semicolon == std::string_view::npos) return std::nullopt;
    const std::string_view entity = text.substr(i + 1, semicolon - i - 1);
    if (entity == "amp") {
      out.push_back('&');
    } else if (entity == "lt") {
      out.push_back('<');
    } else if (entity == "gt") {
      out.push_back('>');
    } else if (entity == "quot") {
      out.push_back('"');
    } else if (entity == "apos") {
      out.push_back('\'');
    } else if (entity.size() > 1 && entity[0] == '#') {
      const bool hex = entity[1] == 'x' || entity[1] == 'X';
      const std::string_view digits = entity.substr(hex ? 2 : 1);
      std::uint32_t code_point = 0;
      const auto [end, error] =
          std::from_chars(digits.data(), digits.data() + digits.size(), code_point, hex ? 16 : 10);
      if (digits.empty() || error != std::errc{} || end != digits.data() + digits.size() ||
          code_point == 0 || code_point > 0x10FFFF ||
          (code_point >= 0xD800 && code_point <= 0xDFFF))
        return std::nullopt;
      append_utf8(out, code_point);
    } else {
      return std::nullopt;
    }
    i = semicolon + 1;
  }
  return out;
}

std::optional<std::int64_t> parse_iso8601_seconds(std::string_view text) {
  // YYYY-MM-DDTHH:MM:SS[.fff]Z
  if (text.size() < 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text.back() != 'Z')
    return std::nullopt;
  auto number = [&](std::size_t at, std::size_t length) -> std::optional<int> {
    int value = 0;
    const auto [end, error] = std::from_chars(text.data() + at, text.data() + at + length, value);
    if (error != std::errc{} || end != text.data() + at + length) return std::nullopt;
    return value;
  };
  const auto year = number(0, 4), month = number(5, 2), day = number(8, 2);
  const auto hour = number(11, 2), minute = number(14, 2), second = number(17, 2);
  if (!year || !month || !day || !hour || !minute || !second) return std::nullopt;
  const std::chrono::year_month_day date{std::chrono::year{*year},
                                         std::chrono::month{static_cast<unsigned>(*month)},
                                         std::chrono::day{static_cast<unsigned>(*day)}};
  if (!date.ok() || *hour > 23 || *minute > 59 || *second > 60) return std::nullopt;
  const auto days = std::chrono::sys_days{date}.time_since_epoch();
  return std::chrono::duration_cast<std::chrono::seconds>(days).count() + *hour * 3600 +
         *minute * 60 + *second;
}

Result<ListObjectsPage> parse_list_objects(std::string_view xml) {
  if (xml.find("<ListBucketResult") == std::string_view::npos)
    return Error::internal("S3 list answer is not a ListBucketResult");
  ListObjectsPage page;
  std::size_t from = 0;
  while (auto contents = next_element(xml, "Contents", from)) {
    ListedObject object;
    auto key = element_text(*contents, "Key");
    auto size = element_text(*contents, "Size");
    auto modified = element_text(*contents, "LastModified");
    if (!key || !size || !modified)
      return Error::internal("S3 list entry without a readable Key, Size or LastModified");
    object.key = std::move(*key);
    const auto [end, error] =
        std::from_chars(size->data(), size->data() + size->size(), object.size);
    if (error != std::errc{} || end != size->data() + size->size())
      return Error::internal("S3 list entry with a bad Size: " + *size);
    auto seconds = parse_iso8601_seconds(*modified);
    if (!seconds) return Error::internal("S3 list entry with a bad LastModified: " + *modified);
    object.modified_unix = *seconds;
    page.objects.push_back(std::move(object));
  }
  // Searched outside the <Contents> elements: a key may not contain tags, but be safe.
  const std::size_t first_contents = xml.find("<Contents");
  const std::string_view head = xml.substr(0, first_contents);
  const std::size_t last_contents_end = xml.rfind("</Contents>");
  const std::string_view tail =
      last_contents_end == std::string_view::npos ? xml : xml.substr(last_contents_end);
  auto truncated = element_text(head, "IsTruncated");
  if (!truncated) truncated = element_text(tail, "IsTruncated");
  page.is_truncated = truncated && *truncated == "true";
  auto token = element_text(head, "NextContinuationToken");
  if (!token) token = element_text(tail, "NextContinuationToken");
  if (token) page.next_continuation_token = std::move(*token);
  if (page.is_truncated && page.next_continuation_token.empty())
    return Error::internal("S3 list answer is truncated but has no NextContinuationToken");
  return page;
}

S3ErrorDocument parse_error_document(std::string_view xml) {
  S3ErrorDocument document;
  if (auto code = element_text(xml, "Code")) document.code = std::move(*code);
  if (auto message = element_text(xml, "Message")) document.message = std::move(*message);
  return document;
}

}  // namespace file_service::infrastructure::s3
