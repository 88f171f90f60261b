#include "generate.h"

#include <soci/soci.h>

#include <array>
#include <cstdio>
#include <fstream>
#include <optional>
#include <random>

#include "legacy.h"
#include "platform/db/database.h"

namespace sylmigrate {
namespace {

using platform::core::Error;
using platform::core::Result;

constexpr std::array<const char*, 6> kDepartments = {"Informatics", "Mathematics", "Physics",
                                                     "Chemistry",   "History",     "Law"};
constexpr std::array<const char*, 6> kPrefixes = {"INF", "MAT", "PHY", "CHE", "HIS", "LAW"};
constexpr std::array<const char*, 5> kPeople = {"jnovak", "mdvorak", "psvoboda", "ecerna", "tkral"};

// 2019-01-01 plus `step` hours, written the way row `i` of the monolith wrote times.
std::string legacy_time(std::size_t i, std::size_t step, bool dirty) {
  const long long base = 1546300800;  // 2019-01-01T00:00:00Z
  const long long seconds =
      base + static_cast<long long>(step) * 3600 + static_cast<long long>(i % 60);
  std::time_t t = static_cast<std::time_t>(seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char text[40];
  switch (dirty ? i % 4 : 0) {
    case 1:
      std::strftime(text, sizeof text, "%Y-%m-%d %H:%M:%S", &tm);
      break;
    case 2:
      std::snprintf(text, sizeof text, "%lld", seconds);
      break;
    case 3:
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%S", &tm);
      break;
    default:
      std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  }
  return text;
}

struct SubjectRow {
  long long id;
  std::string code, name, description;
  std::optional<int> credits;
  std::optional<std::string> department;
  std::string created_at, updated_at;
};

SubjectRow subject_row(std::size_t i, bool dirty) {
  const std::size_t d = i % kDepartments.size();
  char code[32];
  std::snprintf(code, sizeof code, "%s-%04zu", kPrefixes[d], i);
  SubjectRow row{.id = static_cast<long long>(i),
                 .code = code,
                 .name = std::string(kDepartments[d]) + " " + std::to_string(i),
                 .description = "Course unit " + std::to_string(i) + " of " + kDepartments[d] + ".",
                 .credits = static_cast<int>(3 + i % 8),
                 .department = kDepartments[d],
                 .created_at = legacy_time(i, i, dirty),
                 .updated_at = legacy_time(i, i + 500, dirty)};
  if (!dirty) return row;
  if (i % 10 == 1) {  // lower case, a space for the dash
    for (char& c : row.code) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    row.code[3] = ' ';
  }
  if (i % 50 == 7 && i > 1) {  // the previous row's code, as someone else typed it
    std::snprintf(code, sizeof code, "%s_%04zu", kPrefixes[(i - 1) % kDepartments.size()], i - 1);
    row.code = code;
  }
  if (i % 97 == 3) row.code = "C#" + std::to_string(i);        // no rule maps '#'
  if (i % 7 == 0) row.credits.reset();                         // NULL credits
  if (i % 89 == 5) row.credits = 99;                           // out of range
  if (i % 5 == 0) row.department.reset();                      // NULL department
  if (i % 101 == 9) row.created_at = "yesterday";              // unreadable
  if (i % 13 == 4) row.updated_at = legacy_time(i, 0, false);  // before created_at
  if (i % 211 == 17) row.name = "  ";                          // blank
  return row;
}

std::string pdf_bytes(std::size_t size, std::mt19937& random) {
  std::string bytes = "%PDF-1.4\n%\xE2\xE3\xCF\xD3\n";
  bytes.reserve(size);
  while (bytes.size() < size) bytes.push_back(static_cast<char>(random() & 0xff));
  bytes.resize(size);
  return bytes;
}

}  // namespace

Result<void> generate_legacy(const GenerateOptions& options) {
  auto opened = platform::db::Database::open({.url = options.url, .pool_size = 1});
  if (!opened) return std::move(opened).error();
  platform::db::Database& database = **opened;
  std::mt19937 random(20261201);
  const bool dirty = options.dirty;

  // Files first: the bytes on disk.
  struct FileRow {
    long long id;
    std::string name, path, mime;
    long long size;
    std::optional<std::string> uploaded_by;
    std::string uploaded_at;
  };
  std::vector<FileRow> files;
  for (std::size_t j = 1; j <= options.files; ++j) {
    const std::size_t size =
        std::max<std::size_t>(64, options.file_bytes / 2 + random() % (options.file_bytes + 1));
    FileRow row{.id = static_cast<long long>(j),
                .name = "Syllabus " + std::to_string(j) + ".pdf",
                .path = "docs/" + std::to_string(j % 10) + "/" + std::to_string(j) + ".pdf",
                .mime = "application/pdf",
                .size = static_cast<long long>(size),
                .uploaded_by = std::string(kPeople[j % kPeople.size()]),
                .uploaded_at = legacy_time(j, j * 3, dirty)};
    std::string bytes = pdf_bytes(size, random);
    bool on_disk = true;
    if (dirty) {
      if (j % 3 == 0) row.uploaded_by.reset();
      if (j % 17 == 3) on_disk = false;  // lost from the uploads folder
      if (j % 19 == 5) row.size += 1;    // the record says a byte more
      if (j % 23 == 7) {                 // a program, which the platform refuses
        bytes = "MZ\x90" + bytes.substr(3);
        row.name = "setup-" + std::to_string(j) + ".exe";
        row.mime = "application/octet-stream";
      }
    }
    if (on_disk) {
      const auto path = options.uploads / row.path;
      std::error_code ec;
      std::filesystem::create_directories(path.parent_path(), ec);
      std::ofstream out(path, std::ios::binary | std::ios::trunc);
      out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
      if (!out) return Error::unavailable("cannot write " + path.string());
    }
    files.push_back(std::move(row));
  }

  return database.run_transaction([&](platform::db::Session& session) -> Result<void> {
    for (const auto& statement : legacy_schema()) session.sql() << statement;
    {
      SubjectRow row;
      soci::indicator credits_set = soci::i_ok, department_set = soci::i_ok;
      int credits = 0;
      std::string department;
      soci::statement insert =
          (session.sql().prepare << "INSERT INTO subjects VALUES (:id, :code, :name, "
                                    ":description, :credits, :department, :created, :updated)",
           soci::use(row.id), soci::use(row.code), soci::use(row.name), soci::use(row.description),
           soci::use(credits, credits_set), soci::use(department, department_set),
           soci::use(row.created_at), soci::use(row.updated_at));
      for (std::size_t i = 1; i <= options.subjects; ++i) {
        row = subject_row(i, dirty);
        credits = row.credits.value_or(0);
        credits_set = row.credits ? soci::i_ok : soci::i_null;
        department = row.department.value_or("");
        department_set = row.department ? soci::i_ok : soci::i_null;
        insert.execute(true);
      }
    }
    {
      FileRow row;
      std::string uploaded_by;
      soci::indicator uploaded_by_set = soci::i_ok;
      soci::statement insert =
          (session.sql().prepare << "INSERT INTO files VALUES (:id, :name, :path, :mime, "
                                    ":size, :uploaded_by, :uploaded_at)",
           soci::use(row.id), soci::use(row.name), soci::use(row.path), soci::use(row.mime),
           soci::use(row.size), soci::use(uploaded_by, uploaded_by_set),
           soci::use(row.uploaded_at));
      for (const FileRow& file : files) {
        row = file;
        uploaded_by = file.uploaded_by.value_or("");
        uploaded_by_set = file.uploaded_by ? soci::i_ok : soci::i_null;
        insert.execute(true);
      }
    }
    {
      long long id = 0, subject = 0, file = 0;
      soci::indicator file_set = soci::i_ok, content_set = soci::i_ok, objectives_set = soci::i_ok,
                      created_by_set = soci::i_ok;
      std::string title, year, semester, status, content, objectives, created_by, created_at,
          updated_at;
      soci::statement insert =
          (session.sql().prepare << "INSERT INTO syllabi VALUES (:id, :subject, :file, :title, "
                                    ":year, :semester, :status, :content, :objectives, "
                                    ":created_by, :created_at, :updated_at)",
           soci::use(id), soci::use(subject), soci::use(file, file_set), soci::use(title),
           soci::use(year), soci::use(semester), soci::use(status), soci::use(content, content_set),
           soci::use(objectives, objectives_set), soci::use(created_by, created_by_set),
           soci::use(created_at), soci::use(updated_at));
      constexpr std::array<std::array<const char*, 4>, 4> kTerms = {{
          {"autumn", "Fall", "1", "S1"},
          {"spring", "Spring", "2", "S2"},
          {"summer", "SUMMER", "3", "s3"},
          {"full_year", "Full Year", "annual", "FY"},
      }};
      constexpr std::array<const char*, 6> kStatuses = {"published", "PUBLISHED", "submitted",
                                                        "draft",     "Approved",  "retired"};
      const std::size_t per_round = std::max<std::size_t>(options.subjects, 1);
      for (std::size_t k = 1; k <= options.syllabi; ++k) {
        // Distinct identities: each round of subjects takes the next term, then year.
        std::size_t round = (k - 1) / per_round;
        std::size_t subject_index = (k - 1) % per_round + 1;
        if (dirty && k % 43 == 0 && k > 1) {  // the identity of the syllabus before
          round = (k - 2) / per_round;
          subject_index = (k - 2) % per_round + 1;
        }
        const int start = 2015 + static_cast<int>(round / 4);
        id = static_cast<long long>(k);
        subject = static_cast<long long>(subject_index);
        const auto& term = kTerms[round % 4];
        semester = dirty ? term[k % 4] : term[0];
        char text[32];
        switch (dirty ? k % 3 : 0) {
          case 1:
            std::snprintf(text, sizeof text, "%d-%02d", start, (start + 1) % 100);
            break;
          case 2:
            std::snprintf(text, sizeof text, "%d-%d", start, start + 1);
            break;
          default:
            std::snprintf(text, sizeof text, "%d/%d", start, start + 1);
        }
        year = text;
        status = dirty ? kStatuses[k % kStatuses.size()] : "published";
        title = "Syllabus of " + std::string(kDepartments[subject_index % kDepartments.size()]) +
                " " + std::to_string(subject_index) + ", " + std::to_string(start);
        content = "# " + title + "\n\nWeekly lectures and **exercises**; reading list below.\n";
        objectives = "Explain the main ideas of unit " + std::to_string(subject_index) +
                     ".\nApply them to problems.\n  \nEvaluate the results.\n";
        content_set = objectives_set = created_by_set = soci::i_ok;
        created_by = kPeople[k % kPeople.size()];
        created_at = legacy_time(k, k, dirty);
        updated_at = legacy_time(k, k + 100, dirty);
        file_set = soci::i_null;
        if (options.files > 0 && k % 4 == 0) {
          file = static_cast<long long>(((k / 4) - 1) % options.files) + 1;
          file_set = soci::i_ok;
        }
        if (dirty) {
          if (k % 11 == 2)
            subject = static_cast<long long>(options.subjects) + 1000 + static_cast<long long>(k);
          if (k % 13 == 6) semester = "4";
          if (k % 157 == 1) year = std::to_string(start) + "/" + std::to_string(start + 2);
          if (k % 61 == 2) status = "lost";
          if (k % 29 == 3) {
            file = static_cast<long long>(options.files) + 500 + static_cast<long long>(k);
            file_set = soci::i_ok;
          }
          if (k % 7 == 0) content_set = objectives_set = soci::i_null;
          if (k % 5 == 0) created_by_set = soci::i_null;
        }
        insert.execute(true);
      }
    }
    return platform::core::ok();
  });
}

}  // namespace sylmigrate
