// A dirty legacy database, on SQLite and on PostgreSQL, with its uploads folder: read
// whole, planned, and reported by the `sylmigrate plan` command, which writes nothing.
#include "legacy.h"

#include <gtest/gtest.h>
#include <soci/soci.h>

#include <fstream>

#include "platform/db/database.h"
#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"
#include "platform/testing/test_database.h"

namespace {

using platform::testing::TestBackend;

// Rows the way years of use left them.
constexpr const char* kRows[] = {
    "INSERT INTO subjects VALUES (1, 'CS-101', 'Compilers', '', 6, 'Informatics', "
    "'2024-11-19T07:06:40Z', '2024-11-19T07:06:40Z')",
    "INSERT INTO subjects VALUES (2, 'cs 101', 'Compilers again', '', NULL, NULL, "
    "'2024-11-19 07:06:40', '1732000000')",
    "INSERT INTO subjects VALUES (3, 'ma 2', 'Algebra', 'Groups.', NULL, NULL, "
    "'2024-11-19 07:06:40', '1732000000')",
    "INSERT INTO files VALUES (1, 'outline.pdf', 'a/outline.pdf', 'application/pdf', 9, 'ann', "
    "'2024-11-19T07:06:40Z')",
    "INSERT INTO files VALUES (2, 'gone.pdf', 'a/gone.pdf', 'application/pdf', 9, NULL, "
    "'1732000000')",
    "INSERT INTO syllabi VALUES (1, 1, 1, 'Compilers', '2025/2026', 'autumn', 'published', "
    "'# Compilers', 'Build a compiler', 'ann', '2024-11-19T07:06:40Z', '2024-11-19T07:06:40Z')",
    "INSERT INTO syllabi VALUES (2, 3, 2, 'Algebra', '2025-26', 'Fall', 'PUBLISHED', NULL, NULL, "
    "NULL, '2024-11-19 07:06:40', '2024-11-19 07:06:40')",
    "INSERT INTO syllabi VALUES (3, 42, NULL, 'Orphan', '2025/2026', 'S2', 'draft', NULL, NULL, "
    "NULL, '2024-11-19T07:06:40Z', '2024-11-19T07:06:40Z')"};

class LegacyTest : public ::testing::TestWithParam<TestBackend> {
 protected:
  void SetUp() override {
    auto database = platform::db::Database::open({.url = database_.url(), .pool_size = 1});
    ASSERT_TRUE(database) << database.error().detail();
    const auto filled = (*database)->run_transaction([](platform::db::Session& session) {
      for (const auto& statement : sylmigrate::legacy_schema()) session.sql() << statement;
      for (const char* statement : kRows) session.sql() << statement;
      return platform::core::ok();
    });
    ASSERT_TRUE(filled) << filled.error().detail();
    std::filesystem::create_directories(uploads_.path() / "a");
    std::ofstream(uploads_.path() / "a" / "outline.pdf") << "%PDF-1.4\n";  // 9 bytes
  }

  platform::testing::TestDatabase database_{GetParam()};
  platform::testing::TemporaryDirectory uploads_;
};

TEST_P(LegacyTest, ReadsEveryRowAsTheMonolithStoredIt) {
  const auto data = sylmigrate::read_legacy(database_.url());
  ASSERT_TRUE(data) << data.error().detail();
  ASSERT_EQ(data->subjects.size(), 3u);
  EXPECT_EQ(data->subjects[1].code, "cs 101");
  EXPECT_FALSE(data->subjects[1].credits.has_value());
  EXPECT_EQ(data->subjects[0].credits, 6);
  EXPECT_EQ(data->subjects[1].updated_at, "1732000000");
  ASSERT_EQ(data->files.size(), 2u);
  EXPECT_EQ(data->files[0].size_bytes, 9);
  EXPECT_FALSE(data->files[1].uploaded_by.has_value());
  ASSERT_EQ(data->syllabi.size(), 3u);
  EXPECT_EQ(data->syllabi[0].objectives, "Build a compiler");
  EXPECT_FALSE(data->syllabi[2].file_id.has_value());
}

TEST_P(LegacyTest, PlansEveryRow) {
  const auto data = sylmigrate::read_legacy(database_.url());
  ASSERT_TRUE(data) << data.error().detail();
  const auto plan = sylmigrate::make_plan(*data, sylmigrate::uploads_folder(uploads_.path()));
  const auto& subjects = plan.tables.at("subjects");
  EXPECT_EQ(subjects.as_is, 1u);
  EXPECT_EQ(subjects.normalised, 1u);  // ma 2
  EXPECT_EQ(subjects.rejected, 1u);    // cs 101 is CS-101, subject 1's code
  const auto& files = plan.tables.at("files");
  EXPECT_EQ(files.as_is, 1u);
  EXPECT_EQ(files.rejected, 1u);  // gone.pdf is not on disk
  const auto& syllabi = plan.tables.at("syllabi");
  EXPECT_EQ(syllabi.as_is, 1u);
  EXPECT_EQ(syllabi.flagged, 1u);   // Algebra, normalised and without its missing file
  EXPECT_EQ(syllabi.rejected, 1u);  // its subject 42 does not exist
}

TEST_P(LegacyTest, ThePlanCommandReportsAndWritesNothing) {
  const auto before = sylmigrate::read_legacy(database_.url());
  const auto run = platform::testing::run_process(
      SYLMIGRATE_BINARY, {},
      {"plan", "--from", database_.url(), "--uploads", uploads_.path().string()});
  ASSERT_EQ(run.exit_code, 0) << run.output;
  EXPECT_NE(run.output.find("subjects: 3 rows: 1 as they are, 1 normalised, 0 flagged, 1 rejected"),
            std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("1 × semester: \"Fall\" read as autumn"), std::string::npos)
      << run.output;
  EXPECT_NE(run.output.find("subject_id: subject … does not exist"), std::string::npos)
      << run.output;
  const auto after = sylmigrate::read_legacy(database_.url());
  ASSERT_TRUE(before && after);
  EXPECT_EQ(after->subjects.size(), before->subjects.size());
  EXPECT_EQ(after->syllabi.size(), before->syllabi.size());
  // A database that is not the monolith's, or a file that is not there (not created):
  // said, exit 1.
  const auto empty = uploads_.path() / "empty.db";
  ASSERT_TRUE(platform::db::Database::open({.url = "sqlite://" + empty.string()}));
  const auto wrong = platform::testing::run_process(
      SYLMIGRATE_BINARY, {},
      {"plan", "--from", "sqlite://" + empty.string(), "--uploads", uploads_.path().string()});
  EXPECT_EQ(wrong.exit_code, 1) << wrong.output;
  EXPECT_NE(wrong.output.find("cannot read the legacy database"), std::string::npos);
  const auto missing = uploads_.path() / "nowhere" / "legacy.db";
  const auto absent = platform::testing::run_process(
      SYLMIGRATE_BINARY, {},
      {"plan", "--from", "sqlite://" + missing.string(), "--uploads", uploads_.path().string()});
  EXPECT_EQ(absent.exit_code, 1) << absent.output;
  EXPECT_FALSE(std::filesystem::exists(missing.parent_path()));
  EXPECT_EQ(platform::testing::run_process(SYLMIGRATE_BINARY, {}, {"plan"}).exit_code, 2);
}

INSTANTIATE_TEST_SUITE_P(Backends, LegacyTest, platform::testing::kAllBackends,
                         platform::testing::backend_test_name);

}  // namespace
