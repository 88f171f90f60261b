// The plan of a small dirty legacy database: every kind of row the monolith left, and what
// becomes of it.
#include "plan.h"

#include <gtest/gtest.h>

namespace {

using sylmigrate::Disposition;

sylmigrate::LegacySubject subject(std::int64_t id, std::string code) {
  return {.id = id,
          .code = std::move(code),
          .name = "Subject " + std::to_string(id),
          .description = "",
          .credits = 6,
          .department = std::nullopt,
          .created_at = "2024-11-19T07:06:40Z",
          .updated_at = "2024-11-19T07:06:40Z"};
}

sylmigrate::LegacySyllabus syllabus(std::int64_t id, std::int64_t subject_id,
                                    std::optional<std::int64_t> file_id = std::nullopt) {
  return {.id = id,
          .subject_id = subject_id,
          .file_id = file_id,
          .title = "Syllabus " + std::to_string(id),
          .academic_year = "2025/2026",
          .semester = "autumn",
          .status = "published",
          .content = std::nullopt,
          .objectives = std::nullopt,
          .created_by = std::nullopt,
          .created_at = "2024-11-19T07:06:40Z",
          .updated_at = "2024-11-19T07:06:40Z"};
}

const sylmigrate::RowPlan& row(const sylmigrate::Plan& plan, const std::string& table,
                               std::int64_t id) {
  for (const auto& row : plan.rows)
    if (row.table == table && row.legacy_id == id) return row;
  throw std::out_of_range(table + " " + std::to_string(id));
}

class PlanTest : public ::testing::Test {
 protected:
  sylmigrate::Plan plan() {
    return sylmigrate::make_plan(data_,
                                 [this](const std::string& path) -> std::optional<std::uint64_t> {
                                   const auto found = disk_.find(path);
                                   if (found == disk_.end()) return std::nullopt;
                                   return found->second;
                                 });
  }

  sylmigrate::LegacyData data_;
  std::map<std::string, std::uint64_t> disk_;
};

TEST_F(PlanTest, ACleanRowIsKeptAsItIs) {
  data_.subjects = {subject(1, "CS-101")};
  data_.files = {{.id = 1,
                  .original_name = "a.pdf",
                  .stored_path = "a.pdf",
                  .mime_type = "application/pdf",
                  .size_bytes = 10,
                  .uploaded_by = "ann",
                  .uploaded_at = "2024-11-19T07:06:40Z"}};
  disk_["a.pdf"] = 10;
  data_.syllabi = {syllabus(1, 1, 1)};
  const auto result = plan();
  for (const auto& row : result.rows) {
    EXPECT_EQ(row.disposition, Disposition::kAsItIs) << row.table << " " << row.legacy_id;
    EXPECT_TRUE(row.notes.empty());
  }
  EXPECT_EQ(result.tables.at("syllabi").as_is, 1u);
}

TEST_F(PlanTest, DirtySubjectsAreNormalisedOrRejectedWithTheirReason) {
  data_.subjects = {subject(1, "cs 101"), subject(2, "CS-101"), subject(3, "C#"),
                    subject(4, "MA-1")};
  data_.subjects[3].credits = std::nullopt;
  data_.subjects[3].created_at = "2024-11-19 07:06:40";
  data_.subjects.push_back(subject(5, "EMPTY"));
  data_.subjects.back().name = "  ";
  const auto result = plan();
  EXPECT_EQ(row(result, "subjects", 1).disposition, Disposition::kNormalised);
  // Collides once normalised: the lower id keeps the code.
  const auto& collided = row(result, "subjects", 2);
  EXPECT_EQ(collided.disposition, Disposition::kRejected);
  EXPECT_NE(collided.notes.back().find("the code of subject \"1\""), std::string::npos);
  EXPECT_EQ(row(result, "subjects", 3).disposition, Disposition::kRejected);
  const auto& null_credits = row(result, "subjects", 4);
  EXPECT_EQ(null_credits.disposition, Disposition::kNormalised);  // the zone-less time
  EXPECT_EQ(null_credits.notes, std::vector<std::string>{"created_at: no zone: taken as UTC"});
  EXPECT_EQ(row(result, "subjects", 5).disposition, Disposition::kRejected);
  const auto& table = result.tables.at("subjects");
  EXPECT_EQ(table.normalised, 2u);
  EXPECT_EQ(table.rejected, 3u);
}

TEST_F(PlanTest, FilesMissingOrOfTheWrongSizeAreRejectedAndTheirSyllabiFlagged) {
  data_.subjects = {subject(1, "CS-101")};
  data_.files = {{.id = 1,
                  .original_name = "gone.pdf",
                  .stored_path = "gone.pdf",
                  .mime_type = "application/pdf",
                  .size_bytes = 10,
                  .uploaded_by = std::nullopt,
                  .uploaded_at = "1732000000"},
                 {.id = 2,
                  .original_name = "cut.pdf",
                  .stored_path = "cut.pdf",
                  .mime_type = "application/pdf",
                  .size_bytes = 10,
                  .uploaded_by = std::nullopt,
                  .uploaded_at = "1732000000"}};
  disk_["cut.pdf"] = 4;
  data_.syllabi = {syllabus(1, 1, 1), syllabus(2, 1, 2), syllabus(3, 1, 99)};
  const auto result = plan();
  EXPECT_EQ(row(result, "files", 1).disposition, Disposition::kRejected);
  EXPECT_NE(row(result, "files", 2).notes.front().find("\"10\" recorded, \"4\" bytes on disk"),
            std::string::npos);
  for (std::int64_t id : {1, 2, 3}) {
    const auto& flagged = row(result, "syllabi", id);
    EXPECT_EQ(flagged.disposition, Disposition::kFlagged) << id;
    EXPECT_NE(flagged.notes.back().find("imported without it"), std::string::npos);
  }
}

TEST_F(PlanTest, SyllabiOfMissingSubjectsAreRejectedAndDirtyFieldsNormalised) {
  data_.subjects = {subject(1, "CS-101"), subject(2, "C#")};
  auto dirty = syllabus(1, 1);
  dirty.academic_year = "2025-26";
  dirty.semester = "Fall";
  dirty.status = "PUBLISHED";
  data_.syllabi = {dirty, syllabus(2, 7), syllabus(3, 2)};
  const auto result = plan();
  const auto& normalised = row(result, "syllabi", 1);
  EXPECT_EQ(normalised.disposition, Disposition::kNormalised);
  EXPECT_EQ(normalised.notes.size(), 3u);
  EXPECT_NE(row(result, "syllabi", 2).notes.front().find("does not exist"), std::string::npos);
  EXPECT_NE(row(result, "syllabi", 3).notes.front().find("is rejected"), std::string::npos);
  // The report counts each reason once per rule, without the rows' own values.
  const std::string report = sylmigrate::describe(result);
  EXPECT_NE(report.find("syllabi: 3 rows: 0 as they are, 1 normalised, 0 flagged, 2 rejected"),
            std::string::npos)
      << report;
  EXPECT_NE(report.find("1 × semester: \"Fall\" read as autumn"), std::string::npos) << report;
  EXPECT_NE(report.find("1 × code: … is not 2 to 20 characters"), std::string::npos) << report;
}

TEST_F(PlanTest, KeptRowsCarryTheirNormalisedValuesForTheImport) {
  auto dirty = subject(1, " cs 101 ");
  dirty.credits = std::nullopt;
  dirty.created_at = "2024-11-19 07:06:40";
  dirty.updated_at = "2020-01-01T00:00:00Z";  // before created_at
  data_.subjects = {dirty, subject(2, "C#")};
  data_.files = {{.id = 5,
                  .original_name = "Outline.pdf",
                  .stored_path = "a/outline.pdf",
                  .mime_type = "application/pdf",
                  .size_bytes = 9,
                  .uploaded_by = std::nullopt,
                  .uploaded_at = "1732000000"}};
  disk_["a/outline.pdf"] = 9;
  auto written = syllabus(3, 1, 5);
  written.semester = "S2";
  written.status = "submitted";
  written.content = "# Body";
  written.objectives = "  Explain X \n\nApply Y\r\n";
  written.created_by = "ann";
  data_.syllabi = {written, syllabus(4, 2)};

  const auto result = plan();

  ASSERT_EQ(result.subjects.size(), 1u) << "the rejected subject is not imported";
  const auto& kept = result.subjects[0];
  EXPECT_EQ(kept.legacy_id, 1);
  EXPECT_EQ(kept.code, "CS-101");
  EXPECT_EQ(kept.credits, 0);
  EXPECT_EQ(kept.department, "");
  EXPECT_EQ(platform::core::format_rfc3339(kept.created_at), "2024-11-19T07:06:40.000000Z");
  EXPECT_EQ(kept.updated_at, kept.created_at) << "an update before the creation is read as it";
  ASSERT_EQ(result.files.size(), 1u);
  EXPECT_EQ(result.files[0].uploaded_by, "legacy-import");
  EXPECT_EQ(result.files[0].filename, "Outline.pdf");
  ASSERT_EQ(result.syllabi.size(), 1u);
  const auto& imported = result.syllabi[0];
  EXPECT_EQ(imported.subject_legacy_id, 1);
  EXPECT_EQ(imported.file_legacy_id, std::optional<std::int64_t>(5));
  EXPECT_EQ(imported.term, "spring");
  EXPECT_EQ(imported.status, "in_review");
  EXPECT_EQ(imported.body, "# Body");
  EXPECT_EQ(imported.outcomes, (std::vector<std::string>{"Explain X", "Apply Y"}));
  EXPECT_EQ(imported.created_by, "ann");
}

}  // namespace
