#include "verify.h"

#include <atomic>
#include <boost/json.hpp>
#include <fstream>
#include <mutex>
#include <sstream>
#include <thread>

#include "canonical.h"
#include "platform/core/crypto.h"

namespace sylmigrate {
namespace {

using platform::core::Error;
using platform::core::Result;

constexpr std::size_t kFirstFew = 10;
constexpr std::size_t kPageSize = 200;

// One table's comparison, row by row in legacy id order.
class TableCheck {
 public:
  TableCheck(TableVerification& table) : table_(table) {}

  void compare(std::int64_t legacy_id, const std::string& expected, const std::string& held) {
    ++table_.imported;
    source_.update(expected + "\n");
    imported_.update(held + "\n");
    if (expected != held) mismatch(legacy_id, "differs: " + first_difference(expected, held));
  }
  void mismatch(std::int64_t legacy_id, const std::string& what) {
    // A row counted once however many things differ.
    if (!mismatched_.insert(legacy_id).second) return;
    ++table_.mismatched;
    if (table_.first_mismatches.size() < kFirstFew)
      table_.first_mismatches.push_back(std::to_string(legacy_id) + ": " + what);
  }
  void pending(std::int64_t legacy_id) {
    ++table_.pending;
    if (table_.first_pending.size() < kFirstFew)
      table_.first_pending.push_back(std::to_string(legacy_id));
  }
  void finish() {
    table_.source_checksum = source_.finish_hex();
    table_.imported_checksum = imported_.finish_hex();
    table_.state = table_.mismatched > 0 ? "mismatched"
                   : table_.pending > 0  ? "pending"
                                         : "validated";
  }

 private:
  // The field where two canonical texts part, as "<expected> != <held>".
  static std::string first_difference(const std::string& expected, const std::string& held) {
    const auto fields = [](const std::string& text) {
      std::vector<std::string> parts;
      std::string part;
      for (const char c : text) {
        if (c == '\x1f') {
          parts.push_back(std::move(part));
          part.clear();
        } else {
          part.push_back(c);
        }
      }
      parts.push_back(std::move(part));
      return parts;
    };
    const auto a = fields(expected);
    const auto b = fields(held);
    for (std::size_t i = 0; i < std::max(a.size(), b.size()); ++i) {
      const std::string left = i < a.size() ? a[i] : "";
      const std::string right = i < b.size() ? b[i] : "";
      if (left != right) {
        const auto cut = [](const std::string& text) {
          return text.size() > 60 ? text.substr(0, 57) + "..." : text;
        };
        return "\"" + cut(left) + "\" expected, \"" + cut(right) + "\" held";
      }
    }
    return "the texts differ";
  }

  TableVerification& table_;
  platform::core::Sha256 source_;
  platform::core::Sha256 imported_;
  std::set<std::int64_t> mismatched_;
};

Result<std::map<std::string, boost::json::object>> by_id(PlatformApi& api,
                                                         const std::string& path) {
  auto items = api.list_all(path, kPageSize);
  if (!items) return std::move(items).error();
  std::map<std::string, boost::json::object> found;
  for (auto& item : *items) {
    const auto* id = item.if_contains("id");
    if (id && id->is_string()) found[std::string(id->get_string())] = std::move(item);
  }
  return found;
}

Result<std::string> file_sha256(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error::unavailable("cannot read " + path.string());
  platform::core::Sha256 hash;
  std::vector<char> chunk(std::size_t{256} * 1024);
  while (in) {
    in.read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (in.gcount() > 0) hash.update({chunk.data(), static_cast<std::size_t>(in.gcount())});
  }
  return hash.finish_hex();
}

}  // namespace

bool Verification::mismatched() const {
  for (const auto& [name, table] : tables)
    if (table.state == "mismatched") return true;
  return false;
}

bool Verification::pending() const {
  for (const auto& [name, table] : tables)
    if (table.state == "pending") return true;
  return false;
}

Result<Verification> verify(const LegacyData& data, const Plan& plan, PlatformApi& api,
                            const VerifyOptions& options, Progress& progress) {
  Verification verification;
  std::map<std::string, std::map<std::string, std::string>> mapping;
  for (const char* kind : {"subjects", "files", "syllabi"}) {
    auto found = api.mapping(kind);
    if (!found) return std::move(found).error();
    mapping[kind] = std::move(*found);
  }
  const auto mapped = [&](const std::string& kind, std::int64_t legacy_id) -> const std::string* {
    const auto found = mapping[kind].find(std::to_string(legacy_id));
    return found == mapping[kind].end() ? nullptr : &found->second;
  };
  const auto counts = [&](const std::string& kind, std::size_t source, std::size_t expected) {
    TableVerification& table = verification.tables[kind];
    table.source = source;
    table.expected = expected;
    table.rejected = source - expected;
    return TableCheck(table);
  };
  const auto refused = [&](const std::string& kind, std::int64_t legacy_id) {
    return options.refused.contains({kind, legacy_id});
  };

  // Subjects.
  auto subjects = by_id(api, "/api/v1/subjects");
  if (!subjects) return std::move(subjects).error();
  {
    TableCheck check = counts("subjects", data.subjects.size(), plan.subjects.size());
    for (const auto& subject : plan.subjects) {
      const std::string* id = mapped("subjects", subject.legacy_id);
      if (id == nullptr) {
        if (refused("subjects", subject.legacy_id)) {
          ++verification.tables["subjects"].rejected;
        } else {
          check.pending(subject.legacy_id);
        }
        continue;
      }
      const auto held = subjects->find(*id);
      if (held == subjects->end()) {
        check.mismatch(subject.legacy_id, "subject " + *id + " is gone from the subject-service");
        continue;
      }
      check.compare(subject.legacy_id, canonical(subject), canonical_subject(held->second));
    }
    check.finish();
  }

  // Files: metadata from the listing, bytes read back from the file-service.
  auto files = by_id(api, "/api/v1/files");
  if (!files) return std::move(files).error();
  {
    TableCheck check = counts("files", data.files.size(), plan.files.size());
    struct Work {
      const FileImport* file;
      std::string id;
      std::string local_sha256;
      Result<std::string> stored_sha256 = std::string();
    };
    std::vector<Work> work;
    for (const auto& file : plan.files) {
      const std::string* id = mapped("files", file.legacy_id);
      if (id == nullptr) {
        if (refused("files", file.legacy_id)) {
          ++verification.tables["files"].rejected;
        } else {
          check.pending(file.legacy_id);
        }
        continue;
      }
      work.push_back({&file, *id, "", std::string()});
    }
    progress.start("verifying", work.size(), "files");
    std::atomic<std::size_t> next{0};
    const auto run = [&] {
      for (std::size_t i = next++; i < work.size(); i = next++) {
        auto local = file_sha256(options.uploads / work[i].file->stored_path);
        work[i].local_sha256 = local ? *local : "unreadable: " + local.error().detail();
        work[i].stored_sha256 = files->contains(work[i].id)
                                    ? api.stored_sha256(std::to_string(work[i].file->legacy_id))
                                    : Result<std::string>(std::string());
        progress.advance(1, work[i].file->size);
      }
    };
    std::vector<std::thread> workers;
    for (int i = 0; i < std::max(1, options.file_workers); ++i) workers.emplace_back(run);
    for (auto& worker : workers) worker.join();
    progress.finish();
    for (const Work& item : work) {
      const auto held = files->find(item.id);
      if (held == files->end()) {
        check.mismatch(item.file->legacy_id, "file " + item.id + " is gone from the file-service");
        continue;
      }
      check.compare(item.file->legacy_id, canonical(*item.file, item.local_sha256),
                    canonical_file(held->second));
      if (!item.stored_sha256) {
        return Error::unavailable("reading back file " + item.id + ": " +
                                  item.stored_sha256.error().detail());
      }
      if (*item.stored_sha256 != item.local_sha256) {
        check.mismatch(item.file->legacy_id, "the stored bytes of file " + item.id +
                                                 " are not the uploads folder's (SHA-256 " +
                                                 *item.stored_sha256 + ")");
      }
    }
    check.finish();
  }

  // Syllabi, their references resolved among what the services hold.
  auto syllabi = by_id(api, "/api/v1/syllabi");
  if (!syllabi) return std::move(syllabi).error();
  {
    TableCheck check = counts("syllabi", data.syllabi.size(), plan.syllabi.size());
    for (const auto& syllabus : plan.syllabi) {
      const std::string* id = mapped("syllabi", syllabus.legacy_id);
      if (id == nullptr) {
        if (refused("syllabi", syllabus.legacy_id)) {
          ++verification.tables["syllabi"].rejected;
        } else {
          check.pending(syllabus.legacy_id);
        }
        continue;
      }
      const auto held = syllabi->find(*id);
      if (held == syllabi->end()) {
        check.mismatch(syllabus.legacy_id,
                       "syllabus " + *id + " is gone from the syllabus-service");
        continue;
      }
      const std::string* subject = mapped("subjects", syllabus.subject_legacy_id);
      std::optional<std::string> file;
      if (syllabus.file_legacy_id) {
        if (const std::string* file_id = mapped("files", *syllabus.file_legacy_id)) file = *file_id;
      }
      check.compare(syllabus.legacy_id,
                    canonical(syllabus, subject ? *subject : "(not imported)", file),
                    canonical_syllabus(held->second));
      if (subject == nullptr || !subjects->contains(*subject))
        check.mismatch(syllabus.legacy_id, "its subject does not resolve");
      if (file && !files->contains(*file))
        check.mismatch(syllabus.legacy_id, "its file " + *file + " does not resolve");
    }
    check.finish();
  }
  return verification;
}

Result<std::set<std::pair<std::string, std::int64_t>>> refused_rows(
    const std::filesystem::path& report_directory) {
  std::set<std::pair<std::string, std::int64_t>> refused;
  std::ifstream in(report_directory / "quarantine.json");
  if (!in) return refused;
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code ec;
  const auto rows = boost::json::parse(text.str(), ec);
  if (ec || !rows.is_array())
    return Error::invalid_argument(
        "report", (report_directory / "quarantine.json").string() + " is not a quarantine report");
  for (const auto& row : rows.get_array()) {
    const auto& object = row.as_object();
    if (std::string_view(object.at("reason").as_string()).starts_with("refused by the service") ||
        std::string_view(object.at("reason").as_string()).find("was refused by the") !=
            std::string_view::npos) {
      refused.insert({std::string(object.at("table").as_string()),
                      object.at("legacy_id").to_number<std::int64_t>()});
    }
  }
  return refused;
}

std::string verification_json(const Verification& verification) {
  boost::json::object tables;
  for (const auto& [name, table] : verification.tables) {
    boost::json::array mismatches;
    for (const auto& text : table.first_mismatches) mismatches.push_back(boost::json::value(text));
    boost::json::array pending;
    for (const auto& text : table.first_pending) pending.push_back(boost::json::value(text));
    tables[name] = {{"state", table.state},
                    {"source", table.source},
                    {"expected", table.expected},
                    {"imported", table.imported},
                    {"rejected", table.rejected},
                    {"pending", table.pending},
                    {"mismatched", table.mismatched},
                    {"source_checksum", table.source_checksum},
                    {"imported_checksum", table.imported_checksum},
                    {"first_mismatches", mismatches},
                    {"first_pending", pending}};
  }
  return boost::json::serialize(boost::json::object{{"tables", tables}}) + "\n";
}

std::string describe(const Verification& verification) {
  std::ostringstream out;
  for (const char* name : {"subjects", "files", "syllabi"}) {
    const auto found = verification.tables.find(name);
    if (found == verification.tables.end()) continue;
    const TableVerification& table = found->second;
    out << name << ": " << table.state << ": " << table.source << " legacy rows, " << table.imported
        << " imported, " << table.rejected << " rejected, " << table.pending << " pending, "
        << table.mismatched << " mismatched; checksum " << table.source_checksum.substr(0, 16)
        << (table.source_checksum == table.imported_checksum
                ? " on both sides"
                : " != " + table.imported_checksum.substr(0, 16))
        << "\n";
    for (const auto& text : table.first_mismatches) out << "  mismatch " << text << "\n";
    for (const auto& text : table.first_pending) out << "  pending " << text << "\n";
  }
  return out.str();
}

}  // namespace sylmigrate
