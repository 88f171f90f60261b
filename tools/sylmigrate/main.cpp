// sylmigrate: moves a monolith's database and uploads into the platform's services
// (docs/migration.md).
//
//   sylmigrate plan --from URL --uploads DIR
//       reads the legacy database (sqlite://file.db or postgresql://...) and the uploads
//       folder and reports, per table, how many rows would be imported as they are,
//       normalised (and how), flagged or rejected (and why). Writes nothing.
//   sylmigrate split --from URL --uploads DIR --to GATEWAY_URL [--token T] [--report DIR]
//       imports what the plan keeps through the services' admin import routes; run again
//       after any interruption, it goes on where it stopped. The quarantine (JSON, CSV),
//       the flagged rows and the id mapping are written to the report folder.
//   sylmigrate verify --from URL --uploads DIR --to GATEWAY_URL [--token T] [--report DIR]
//       reconciles the legacy data with what the services hold; verify.json in the report
//       folder.
//   sylmigrate mapping --to GATEWAY_URL [--token T]
//       prints the legacy -> new id mapping as CSV (table,legacy_id,id).
//   sylmigrate generate --to-database URL --uploads DIR [--subjects N] [--syllabi N]
//                       [--files N] [--file-kib N] [--clean]
//       makes a legacy database and uploads folder with every kind of dirt (generate.h),
//       to rehearse a migration.
//
// The token (an admin's) comes from --token or SYL_TOKEN; `sylctl token --sub migrator
// --roles admin` mints one for a local platform.
// Exit codes: 0 done (verify: validated), 1 failed or mismatched, 2 bad usage,
// 3 (verify) pending: rows not imported yet.
#include <signal.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "generate.h"
#include "legacy.h"
#include "plan.h"
#include "platform/cli/arguments.h"
#include "platform_api.h"
#include "progress.h"
#include "split.h"
#include "verify.h"

namespace {

constexpr const char* kUsage =
    R"(usage:
  sylmigrate plan    --from URL --uploads DIR                 what an import would do, writing nothing
  sylmigrate split   --from URL --uploads DIR --to GATEWAY_URL [--token T] [--report DIR]
                                                              import it (resumable)
  sylmigrate verify  --from URL --uploads DIR --to GATEWAY_URL [--token T] [--report DIR]
                                                              check what the services hold
  sylmigrate mapping --to GATEWAY_URL [--token T]             the legacy -> new id mapping, CSV
  sylmigrate generate --to-database URL --uploads DIR [--subjects N] [--syllabi N] [--files N]
                      [--file-kib N] [--clean]                a legacy database to rehearse with
split also takes --batch-rows N (500) and --workers N (4, files uploaded at once).
The token: --token or SYL_TOKEN (an admin's). The report folder: sylmigrate-report.
The rules: docs/migration.md.
)";

constexpr const char* kDefaultReport = "sylmigrate-report";

int usage(const std::string& error) {
  std::cerr << "sylmigrate: " << error << "\n" << kUsage;
  return 2;
}

// An operator's tool: the whole reason, the database's or the platform's own words included.
int failed(const platform::core::Error& error) {
  std::cerr << "sylmigrate: "
            << (error.field_errors().empty() ? error.detail()
                                             : error.field_errors().front().message);
  if (!error.log_detail().empty()) std::cerr << " (" << error.log_detail() << ")";
  std::cerr << "\n";
  return 1;
}

struct Legacy {
  sylmigrate::LegacyData data;
  sylmigrate::Plan plan;
  std::filesystem::path uploads;
};

// The legacy data and its plan, or the exit code.
std::variant<Legacy, int> read(const platform::cli::Arguments& arguments) {
  const auto from = arguments.get("from");
  const auto uploads = arguments.get("uploads");
  if (!from || !uploads) return usage("--from and --uploads are required");
  std::error_code missing;
  if (!std::filesystem::is_directory(*uploads, missing)) {
    std::cerr << "sylmigrate: no uploads folder at " << *uploads << "\n";
    return 1;
  }
  auto data = sylmigrate::read_legacy(*from);
  if (!data) return failed(data.error());
  auto plan = sylmigrate::make_plan(*data, sylmigrate::uploads_folder(*uploads));
  return Legacy{std::move(*data), std::move(plan), *uploads};
}

// The client of the platform named by --to and --token / SYL_TOKEN, or the exit code.
std::variant<std::unique_ptr<sylmigrate::PlatformApi>, int> platform_api(
    const platform::cli::Arguments& arguments, sylmigrate::Progress* progress) {
  const auto to = arguments.get("to");
  if (!to) return usage("--to GATEWAY_URL is required");
  std::string token = arguments.get("token").value_or("");
  if (token.empty()) {
    const char* variable = std::getenv("SYL_TOKEN");
    token = variable == nullptr ? "" : variable;
  }
  if (token.empty()) return usage("an admin's token is required: --token or SYL_TOKEN");
  sylmigrate::ApiOptions options{.gateway = *to, .token = token};
  if (progress != nullptr) {
    options.on_retry = [progress](const std::string& message) { progress->note(message); };
  }
  return std::make_unique<sylmigrate::PlatformApi>(std::move(options));
}

const std::set<std::string> kPlatformOptions = {"from", "uploads", "to", "token", "report"};

// A count option: nullopt (and a message) when present but not a positive number.
std::optional<std::size_t> count_option(const platform::cli::Arguments& arguments,
                                        const std::string& name, std::size_t fallback) {
  const auto text = arguments.get(name);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    const unsigned long long value = std::stoull(*text, &used);
    if (used == text->size() && value > 0) return static_cast<std::size_t>(value);
  } catch (const std::exception&) {
  }
  return std::nullopt;
}

// Test only: SYLMIGRATE_FAULT_KILL_AFTER=<phase>:<n> kills this process (SIGKILL, as an
// operator's kill -9 or a lost machine would) once <n> rows of <phase> are sent.
std::function<void(const std::string&, std::uint64_t)> fault_injection() {
  const char* text = std::getenv("SYLMIGRATE_FAULT_KILL_AFTER");
  if (text == nullptr || std::strchr(text, ':') == nullptr) return {};
  const std::string spec(text);
  const std::string phase = spec.substr(0, spec.find(':'));
  const std::uint64_t after = std::strtoull(spec.c_str() + spec.find(':') + 1, nullptr, 10);
  return [phase, after](const std::string& current, std::uint64_t done) {
    if (current == phase && done >= after) ::kill(::getpid(), SIGKILL);
  };
}

// What split and verify work on: the legacy data with its plan, the platform, the report
// folder.
struct Migration {
  Legacy legacy;
  std::unique_ptr<sylmigrate::PlatformApi> api;
  std::filesystem::path report;
};

std::variant<Migration, int> prepare(const platform::cli::Arguments& arguments,
                                     sylmigrate::Progress& progress) {
  auto api = platform_api(arguments, &progress);
  if (const int* code = std::get_if<int>(&api)) return *code;
  auto legacy = read(arguments);
  if (const int* code = std::get_if<int>(&legacy)) return *code;
  return Migration{std::move(std::get<Legacy>(legacy)),
                   std::move(std::get<std::unique_ptr<sylmigrate::PlatformApi>>(api)),
                   arguments.get("report").value_or(kDefaultReport)};
}

int plan(const std::vector<std::string>& words) {
  platform::cli::Arguments arguments;
  if (auto error = platform::cli::parse_options(words, {"from", "uploads"}, {}, arguments))
    return usage(*error);
  auto legacy = read(arguments);
  if (const int* code = std::get_if<int>(&legacy)) return *code;
  std::cout << sylmigrate::describe(std::get<Legacy>(legacy).plan);
  return 0;
}

int split(const std::vector<std::string>& words) {
  platform::cli::Arguments arguments;
  auto options = kPlatformOptions;
  options.insert({"batch-rows", "workers"});
  if (auto error = platform::cli::parse_options(words, options, {}, arguments))
    return usage(*error);
  const auto batch_rows = count_option(arguments, "batch-rows", 500);
  const auto workers = count_option(arguments, "workers", 4);
  if (!batch_rows || *batch_rows > 1000) return usage("--batch-rows must be 1 to 1000");
  if (!workers || *workers > 64) return usage("--workers must be 1 to 64");
  sylmigrate::Progress progress(std::cerr, ::isatty(2) == 1);
  auto prepared = prepare(arguments, progress);
  if (const int* code = std::get_if<int>(&prepared)) return *code;
  Migration& run = std::get<Migration>(prepared);
  const Legacy& source = run.legacy;
  auto report = sylmigrate::split(source.data, source.plan, *run.api,
                                  {.uploads = source.uploads,
                                   .batch_rows = *batch_rows,
                                   .file_workers = static_cast<int>(*workers),
                                   .after_step = fault_injection()},
                                  progress);
  if (!report) {
    failed(report.error());
    std::cerr << "sylmigrate: run split again to go on where it stopped\n";
    return 1;
  }
  if (auto written = sylmigrate::write_report(run.report, *report); !written)
    return failed(written.error());
  std::cout << sylmigrate::describe(*report) << "report: " << run.report.string() << "\n";
  return report->sha256_mismatches.empty() ? 0 : 1;
}

int verify(const std::vector<std::string>& words) {
  platform::cli::Arguments arguments;
  if (auto error = platform::cli::parse_options(words, kPlatformOptions, {}, arguments))
    return usage(*error);
  sylmigrate::Progress progress(std::cerr, ::isatty(2) == 1);
  auto prepared = prepare(arguments, progress);
  if (const int* code = std::get_if<int>(&prepared)) return *code;
  Migration& run = std::get<Migration>(prepared);
  const std::filesystem::path& folder = run.report;
  auto refused = sylmigrate::refused_rows(folder);
  if (!refused) return failed(refused.error());
  auto verification =
      sylmigrate::verify(run.legacy.data, run.legacy.plan, *run.api,
                         {.uploads = run.legacy.uploads, .refused = std::move(*refused)}, progress);
  if (!verification) return failed(verification.error());
  std::error_code ec;
  std::filesystem::create_directories(folder, ec);
  std::ofstream(folder / "verify.json") << sylmigrate::verification_json(*verification);
  std::cout << sylmigrate::describe(*verification)
            << "report: " << (folder / "verify.json").string() << "\n";
  if (verification->mismatched()) return 1;
  return verification->pending() ? 3 : 0;
}

int mapping(const std::vector<std::string>& words) {
  platform::cli::Arguments arguments;
  if (auto error = platform::cli::parse_options(words, {"to", "token"}, {}, arguments))
    return usage(*error);
  auto api = platform_api(arguments, nullptr);
  if (const int* code = std::get_if<int>(&api)) return *code;
  std::map<std::string, std::map<std::string, std::string>> all;
  for (const char* kind : {"subjects", "files", "syllabi"}) {
    auto found = std::get<std::unique_ptr<sylmigrate::PlatformApi>>(api)->mapping(kind);
    if (!found) return failed(found.error());
    all[kind] = std::move(*found);
  }
  std::cout << sylmigrate::mapping_csv(all);
  return 0;
}

int generate(const std::vector<std::string>& words) {
  platform::cli::Arguments arguments;
  if (auto error = platform::cli::parse_options(
          words, {"to-database", "uploads", "subjects", "syllabi", "files", "file-kib"}, {"clean"},
          arguments))
    return usage(*error);
  const auto url = arguments.get("to-database");
  const auto uploads = arguments.get("uploads");
  if (!url || !uploads) return usage("generate needs --to-database and --uploads");
  sylmigrate::GenerateOptions options{
      .url = *url, .uploads = *uploads, .dirty = !arguments.has("clean")};
  const auto subjects = count_option(arguments, "subjects", options.subjects);
  const auto syllabi = count_option(arguments, "syllabi", options.syllabi);
  const auto files = count_option(arguments, "files", options.files);
  const auto kib = count_option(arguments, "file-kib", options.file_bytes / 1024);
  if (!subjects || !syllabi || !files || !kib)
    return usage("--subjects, --syllabi, --files and --file-kib must be positive numbers");
  options.subjects = *subjects;
  options.syllabi = *syllabi;
  options.files = *files;
  options.file_bytes = *kib * 1024;
  if (auto made = sylmigrate::generate_legacy(options); !made) return failed(made.error());
  std::cout << "generated " << options.subjects << " subjects, " << options.syllabi
            << " syllabi and " << options.files << " files ("
            << (options.dirty ? "with the monolith's dirt" : "clean") << ")\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h") {
    std::cout << kUsage;
    return words.empty() ? 2 : 0;
  }
  const std::vector<std::string> rest(words.begin() + 1, words.end());
  if (words[0] == "plan") return plan(rest);
  if (words[0] == "split") return split(rest);
  if (words[0] == "verify") return verify(rest);
  if (words[0] == "mapping") return mapping(rest);
  if (words[0] == "generate") return generate(rest);
  return usage("unknown command: " + words[0]);
}
