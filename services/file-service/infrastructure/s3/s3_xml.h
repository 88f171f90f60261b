// The few S3 XML documents the storage adapter reads, parsed minimally but correctly:
// ListObjectsV2 results (ListBucketResult) and error documents (<Error><Code>...).
// Elements are found by name at any depth; text is entity-decoded (&amp; &lt; &gt; &quot;
// &apos; and numeric references), CDATA sections are taken verbatim.
//
//   auto page = parse_list_objects(body);
//   for (const auto& object : page->objects) use(object.key, object.size);
//   if (page->is_truncated) next(page->next_continuation_token);
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "platform/core/result.h"

namespace file_service::infrastructure::s3 {

struct ListedObject {
  std::string key;
  std::uint64_t size = 0;
  std::int64_t modified_unix = 0;  // LastModified, seconds since the epoch
};

struct ListObjectsPage {
  std::vector<ListedObject> objects;
  bool is_truncated = false;
  std::string next_continuation_token;
};

struct S3ErrorDocument {
  std::string code;     // "NoSuchKey", "SignatureDoesNotMatch"
  std::string message;  // S3's sentence
};

// Decodes XML character and entity references; nullopt on an unknown or broken one.
std::optional<std::string> decode_xml_text(std::string_view text);

// kInternal when the document is not a ListBucketResult or a field is unreadable.
platform::core::Result<ListObjectsPage> parse_list_objects(std::string_view xml);

// Code and Message of an <Error> document; empty fields when absent (HEAD has no body).
S3ErrorDocument parse_error_document(std::string_view xml);

// "2009-10-12T17:50:30.000Z" -> seconds since the epoch.
std::optional<std::int64_t> parse_iso8601_seconds(std::string_view text);

}  // namespace file_service::infrastructure::s3
