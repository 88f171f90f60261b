#include "infrastructure/s3/s3_xml.h"

#include <gtest/gtest.h>

namespace file_service::infrastructure::s3 {
namespace {

TEST(DecodeXmlText, DecodesNamedAndNumericReferences) {
  EXPECT_EQ(decode_xml_text("a &amp; b &lt;c&gt; &quot;d&quot; &apos;e&apos;"),
            "a & b <c> \"d\" 'e'");
  EXPECT_EQ(decode_xml_text("caf&#233; &#x1F600;"), "caf\xC3\xA9 \xF0\x9F\x98\x80");
  EXPECT_EQ(decode_xml_text("<![CDATA[a&b<c>]]>"), "a&b<c>");
}

TEST(DecodeXmlText, RejectsBrokenReferences) {
  EXPECT_FALSE(decode_xml_text("a & b"));
  EXPECT_FALSE(decode_xml_text("&nbsp;"));
  EXPECT_FALSE(decode_xml_text("&#xD800;"));
  EXPECT_FALSE(decode_xml_text("&#;"));
}

TEST(ParseListObjects, ReadsKeysSizesDatesAndTheContinuationToken) {
  const auto page = parse_list_objects(
      R"(<?xml version="1.0" encoding="UTF-8"?>
<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
  <Name>bucket</Name><Prefix/><KeyCount>2</KeyCount><MaxKeys>2</MaxKeys>
  <IsTruncated>true</IsTruncated>
  <Contents><Key>a &amp; b.txt</Key><LastModified>2009-10-12T17:50:30.000Z</LastModified>
    <ETag>&quot;fba9dede5f27731c9771645a39863328&quot;</ETag><Size>434234</Size>
    <StorageClass>STANDARD</StorageClass></Contents>
  <Contents><Key>caf&#233;</Key><LastModified>1970-01-01T00:00:01Z</LastModified>
    <Size>0</Size></Contents>
  <NextContinuationToken>1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=</NextContinuationToken>
</ListBucketResult>)");
  ASSERT_TRUE(page) << page.error().log_detail();
  ASSERT_EQ(page->objects.size(), 2u);
  EXPECT_EQ(page->objects[0].key, "a & b.txt");
  EXPECT_EQ(page->objects[0].size, 434234u);
  EXPECT_EQ(page->objects[0].modified_unix, 1255369830);
  EXPECT_EQ(page->objects[1].key, "caf\xC3\xA9");
  EXPECT_EQ(page->objects[1].modified_unix, 1);
  EXPECT_TRUE(page->is_truncated);
  EXPECT_EQ(page->next_continuation_token, "1ueGcxLPRx1Tr/XYExHnhbYLgveDs2J/wm36Hy4vbOwM=");
}

TEST(ParseListObjects, ReadsAnEmptyLastPage) {
  const auto page = parse_list_objects(
      "<ListBucketResult><Name>b</Name><KeyCount>0</KeyCount>"
      "<IsTruncated>false</IsTruncated></ListBucketResult>");
  ASSERT_TRUE(page);
  EXPECT_TRUE(page->objects.empty());
  EXPECT_FALSE(page->is_truncated);
}

TEST(ParseListObjects, RejectsOtherDocumentsAndBadFields) {
  EXPECT_FALSE(parse_list_objects("<Error><Code>AccessDenied</Code></Error>"));
  EXPECT_FALSE(parse_list_objects(
      "<ListBucketResult><Contents><Key>k</Key><Size>x</Size>"
      "<LastModified>2009-10-12T17:50:30.000Z</LastModified></Contents></ListBucketResult>"));
  EXPECT_FALSE(
      parse_list_objects("<ListBucketResult><IsTruncated>true</IsTruncated></ListBucketResult>"));
}

TEST(ParseErrorDocument, ReadsCodeAndMessage) {
  const auto document = parse_error_document(
      "<?xml version=\"1.0\"?><Error><Code>SignatureDoesNotMatch</Code><Message>The request "
      "signature we calculated does not match &amp; so on</Message></Error>");
  EXPECT_EQ(document.code, "SignatureDoesNotMatch");
  EXPECT_EQ(document.message, "The request signature we calculated does not match & so on");
  EXPECT_TRUE(parse_error_document("").code.empty());
}

TEST(ParseIso8601Seconds, ReadsS3Timestamps) {
  EXPECT_EQ(parse_iso8601_seconds("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(parse_iso8601_seconds("2009-10-12T17:50:30.000Z"), 1255369830);
  EXPECT_FALSE(parse_iso8601_seconds("2009-13-12T17:50:30Z"));
  EXPECT_FALSE(parse_iso8601_seconds("yesterday"));
}

}  // namespace
}  // namespace file_service::infrastructure::s3
