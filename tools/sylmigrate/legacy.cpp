#include "legacy.h"

#include <soci/soci.h>

#include <system_error>

#include "platform/db/database.h"

namespace sylmigrate {
namespace {

using platform::core::Error;
using platform::core::Result;

// A column as text, whatever it holds; nullopt for NULL.
std::optional<std::string> text(const soci::row& row, std::size_t column) {
  if (row.get_indicator(column) == soci::i_null) return std::nullopt;
  switch (row.get_properties(column).get_data_type()) {
    case soci::dt_string:
    case soci::dt_xml:
    case soci::dt_blob:
      return row.get<std::string>(column);
    case soci::dt_integer:
      return std::to_string(row.get<int>(column));
    case soci::dt_long_long:
      return std::to_string(row.get<long long>(column));
    case soci::dt_unsigned_long_long:
      return std::to_string(row.get<unsigned long long>(column));
    case soci::dt_double: {
      const double value = row.get<double>(column);
      const auto whole = static_cast<long long>(value);
      return static_cast<double>(whole) == value ? std::to_string(whole) : std::to_string(value);
    }
    case soci::dt_date: {
      std::tm tm = row.get<std::tm>(column);
      char buffer[32];
      std::strftime(buffer, sizeof buffer, "%Y-%m-%d %H:%M:%S", &tm);
      return std::string(buffer);
    }
  }
  return std::nullopt;
}

std::string text_or_empty(const soci::row& row, std::size_t column) {
  return text(row, column).value_or("");
}

// A column as an integer; nullopt for NULL or what is not one.
std::optional<std::int64_t> integer(const soci::row& row, std::size_t column) {
  const auto value = text(row, column);
  if (!value) return std::nullopt;
  try {
    std::size_t used = 0;
    const long long parsed = std::stoll(*value, &used);
    if (used != value->size()) return std::nullopt;
    return parsed;
  } catch (const std::exception&) {
    return std::nullopt;
  }
}

}  // namespace

const std::vector<std::string>& legacy_schema() {
  static const std::vector<std::string> statements = {
      "CREATE TABLE subjects (id INTEGER PRIMARY KEY, code TEXT, name TEXT, description TEXT, "
      "credits INTEGER NULL, department TEXT NULL, created_at TEXT, updated_at TEXT)",
      "CREATE TABLE files (id INTEGER PRIMARY KEY, original_name TEXT, stored_path TEXT, "
      "mime_type TEXT, size_bytes INTEGER, uploaded_by TEXT NULL, uploaded_at TEXT)",
      "CREATE TABLE syllabi (id INTEGER PRIMARY KEY, subject_id INTEGER, file_id INTEGER NULL, "
      "title TEXT, academic_year TEXT, semester TEXT, status TEXT, content TEXT NULL, "
      "objectives TEXT NULL, created_by TEXT NULL, created_at TEXT, updated_at TEXT)"};
  return statements;
}

Result<LegacyData> read_legacy(const std::string& url) {
  // Opening a SQLite file that is not there would create it: the legacy one must exist.
  if (url.rfind("sqlite://", 0) == 0) {
    const std::string path =
        url.substr(9, url.find('?') == std::string::npos ? std::string::npos : url.find('?') - 9);
    std::error_code error;
    if (!std::filesystem::is_regular_file(path, error))
      return Error::invalid_argument("from", "no legacy database file at " + path);
  }
  auto database = platform::db::Database::open({.url = url, .pool_size = 1});
  if (!database) return std::move(database).error();
  return (*database)->read<LegacyData>([](platform::db::Session& session) -> Result<LegacyData> {
    LegacyData data;
    try {
      soci::rowset<soci::row> subjects =
          session.sql().prepare << "SELECT id, code, name, description, credits, department, "
                                   "created_at, updated_at FROM subjects ORDER BY id";
      for (const soci::row& row : subjects) {
        data.subjects.push_back({.id = integer(row, 0).value_or(0),
                                 .code = text_or_empty(row, 1),
                                 .name = text_or_empty(row, 2),
                                 .description = text_or_empty(row, 3),
                                 .credits = integer(row, 4),
                                 .department = text(row, 5),
                                 .created_at = text_or_empty(row, 6),
                                 .updated_at = text_or_empty(row, 7)});
      }
      soci::rowset<soci::row> files =
          session.sql().prepare << "SELECT id, original_name, stored_path, mime_type, size_bytes, "
                                   "uploaded_by, uploaded_at FROM files ORDER BY id";
      for (const soci::row& row : files) {
        data.files.push_back({.id = integer(row, 0).value_or(0),
                              .original_name = text_or_empty(row, 1),
                              .stored_path = text_or_empty(row, 2),
                              .mime_type = text_or_empty(row, 3),
                              .size_bytes = integer(row, 4).value_or(-1),
                              .uploaded_by = text(row, 5),
                              .uploaded_at = text_or_empty(row, 6)});
      }
      soci::rowset<soci::row> syllabi =
          session.sql().prepare
          << "SELECT id, subject_id, file_id, title, academic_year, semester, status, content, "
             "objectives, created_by, created_at, updated_at FROM syllabi ORDER BY id";
      for (const soci::row& row : syllabi) {
        data.syllabi.push_back({.id = integer(row, 0).value_or(0),
                                .subject_id = integer(row, 1).value_or(0),
                                .file_id = integer(row, 2),
                                .title = text_or_empty(row, 3),
                                .academic_year = text_or_empty(row, 4),
                                .semester = text_or_empty(row, 5),
                                .status = text_or_empty(row, 6),
                                .content = text(row, 7),
                                .objectives = text(row, 8),
                                .created_by = text(row, 9),
                                .created_at = text_or_empty(row, 10),
                                .updated_at = text_or_empty(row, 11)});
      }
    } catch (const std::exception& error) {
      return Error::unavailable("cannot read the legacy database: " + std::string(error.what()));
    }
    return data;
  });
}

FileCheck uploads_folder(std::filesystem::path directory) {
  return [directory = std::move(directory)](
             const std::string& stored_path) -> std::optional<std::uint64_t> {
    const std::filesystem::path relative(stored_path);
    if (stored_path.empty() || relative.is_absolute()) return std::nullopt;
    for (const auto& part : relative)
      if (part == "..") return std::nullopt;
    std::error_code error;
    const auto path = directory / relative;
    if (!std::filesystem::is_regular_file(path, error)) return std::nullopt;
    const auto size = std::filesystem::file_size(path, error);
    if (error) return std::nullopt;
    return static_cast<std::uint64_t>(size);
  };
}

}  // namespace sylmigrate
