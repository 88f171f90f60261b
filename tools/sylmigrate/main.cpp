// sylmigrate: moves a monolith's database and uploads into the platform's services.
//
//   sylmigrate plan --from URL --uploads DIR
//       reads the legacy database (sqlite://file.db or postgresql://...) and the uploads
//       folder and reports, per table, how many rows would be imported as they are,
//       normalised (and how), flagged or rejected (and why). Writes nothing.
//
// Exit codes: 0 done, 1 failed (the message says why), 2 bad usage.
#include <filesystem>
#include <iostream>
#include <string>
#include <vector>

#include "legacy.h"
#include "plan.h"
#include "platform/cli/arguments.h"

namespace {

constexpr const char* kUsage =
    R"(usage:
  sylmigrate plan --from URL --uploads DIR   what an import would do, writing nothing
The rules: docs/migration.md.
)";

int usage(const std::string& error) {
  std::cerr << "sylmigrate: " << error << "\n" << kUsage;
  return 2;
}

int plan(const std::vector<std::string>& words) {
  platform::cli::Arguments arguments;
  if (auto error = platform::cli::parse_options(words, {"from", "uploads"}, {}, arguments))
    return usage(*error);
  const auto from = arguments.get("from");
  const auto uploads = arguments.get("uploads");
  if (!from || !uploads) return usage("plan needs --from and --uploads");
  std::error_code missing;
  if (!std::filesystem::is_directory(*uploads, missing)) {
    std::cerr << "sylmigrate: no uploads folder at " << *uploads << "\n";
    return 1;
  }
  auto data = sylmigrate::read_legacy(*from);
  if (!data) {
    // An operator's tool: the whole reason, the database's own words included.
    const auto& error = data.error();
    std::cerr << "sylmigrate: "
              << (error.field_errors().empty() ? error.detail()
                                               : error.field_errors().front().message);
    if (!error.log_detail().empty()) std::cerr << " (" << error.log_detail() << ")";
    std::cerr << "\n";
    return 1;
  }
  const auto made = sylmigrate::make_plan(*data, sylmigrate::uploads_folder(*uploads));
  std::cout << sylmigrate::describe(made);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::vector<std::string> words(argv + 1, argv + argc);
  if (words.empty() || words[0] == "--help" || words[0] == "-h") {
    std::cout << kUsage;
    return words.empty() ? 2 : 0;
  }
  if (words[0] == "plan") return plan({words.begin() + 1, words.end()});
  return usage("unknown command: " + words[0]);
}
