// What the service emits must match contracts/events/file.*.v1.json, checked by a real
// JSON Schema validator (Debian's python3-jsonschema), not by re-reading our own code.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "infrastructure/file_event_mapper.h"
#include "platform/testing/event_contracts.h"

namespace file_service::infrastructure {
namespace {

const std::string kSourceDir = SYL_SOURCE_DIR;
constexpr std::uint64_t kFiveGiB = 5ULL << 30;

domain::FileMetadata sample_file() {
  return {.id = platform::core::Uuid::v7(),
          .filename = "Ünïcødé \"Syllabus\" 2025.pdf",
          .content_type = "application/pdf",
          .size = kFiveGiB + 7,  // above what 32 bits hold: must survive as an exact integer
          .sha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
          .storage_key = "objects/01/9f/internal-key",
          .uploaded_by = "user-42",
          .created_at = platform::core::now_utc()};
}

class FileEventContract : public ::testing::Test,
                          protected platform::testing::EventContractChecker {
 protected:
  FileEventContract() : EventContractChecker(kSourceDir) {}
};

TEST_F(FileEventContract, EveryEventTheServiceEmitsMatchesItsSchema) {
  const domain::FileMetadata file = sample_file();
  const application::EventOrigin origin{"00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
                                        "req-42"};
  const std::vector<application::Change> changes = {
      {domain::FileUploaded{file}, origin},
      {domain::FileDeleted{file, "admin-1", platform::core::now_utc()}, origin},
      {domain::FileDeleted{file, "admin-1", platform::core::now_utc()}, {}},
  };
  std::vector<std::string> samples;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    const auto event = to_event(changes[i]);
    samples.push_back(
        write(event.type + "-" + std::to_string(i), platform::events::to_json(event)));
  }
  const auto result = validate(samples);
  EXPECT_EQ(result.exit_code, 0) << result.output;
}

TEST_F(FileEventContract, TheValidatorRejectsAnEventThatBreaksTheContract) {
  auto json = boost::json::parse(
                  platform::events::to_json(to_event({domain::FileUploaded{sample_file()}, {}})))
                  .as_object();
  auto& data = json["data"].as_object();
  data.erase("sha256");
  data["size"] = -1;
  data["storage_key"] = "objects/leaked";
  const auto result = validate({write("broken", boost::json::serialize(json))});
  EXPECT_EQ(result.exit_code, 1) << result.output;
  EXPECT_NE(result.output.find("'sha256' is a required property"), std::string::npos)
      << result.output;
  EXPECT_NE(result.output.find("data/size"), std::string::npos) << result.output;
  EXPECT_NE(result.output.find("storage_key"), std::string::npos) << result.output;
}

TEST(FileEvents, UploadedNamesTheFileAndCarriesItsMetadataButNotItsStorageKey) {
  const domain::FileMetadata file = sample_file();
  const auto event = to_event({domain::FileUploaded{file}, {"", "req-7"}});
  EXPECT_EQ(event.type, "file.uploaded.v1");
  EXPECT_EQ(event.source, "/file-service");
  EXPECT_EQ(event.subject, file.id.to_string());
  EXPECT_EQ(event.correlation_id, "req-7");
  const auto data = boost::json::parse(event.data).as_object();
  EXPECT_EQ(data.at("id").as_string(), file.id.to_string());
  EXPECT_EQ(data.at("filename").as_string(), file.filename);
  EXPECT_EQ(boost::json::value_to<std::uint64_t>(data.at("size")), file.size);
  EXPECT_EQ(data.at("uploaded_by").as_string(), "user-42");
  EXPECT_EQ(data.at("created_at").as_string(), platform::core::format_rfc3339(file.created_at));
  EXPECT_FALSE(data.contains("storage_key"));
  EXPECT_EQ(event.data.find(file.storage_key), std::string::npos);
}

TEST(FileEvents, DeletedCarriesTheFormerMetadataAndWhoDeletedItWhen) {
  const domain::FileMetadata file = sample_file();
  const auto at = platform::core::now_utc();
  const auto event = to_event({domain::FileDeleted{file, "admin-1", at}, {}});
  EXPECT_EQ(event.type, "file.deleted.v1");
  EXPECT_EQ(event.subject, file.id.to_string());
  const auto data = boost::json::parse(event.data).as_object();
  EXPECT_EQ(data.at("sha256").as_string(), file.sha256);
  EXPECT_EQ(data.at("content_type").as_string(), "application/pdf");
  EXPECT_EQ(data.at("deleted_by").as_string(), "admin-1");
  EXPECT_EQ(data.at("deleted_at").as_string(), platform::core::format_rfc3339(at));
  EXPECT_FALSE(data.contains("uploaded_by"));
  EXPECT_FALSE(data.contains("storage_key"));
}

}  // namespace
}  // namespace file_service::infrastructure
