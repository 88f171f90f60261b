// Options for the project's command-line tools (sylctl, sylevents): "--name value",
// "--name=value" and "--flag" after the command words; anything else is an error.
//
//   Arguments arguments;
//   if (auto error = parse_options(words, {"stream", "limit"}, {"json"}, arguments))
//     return usage(*error);
//   auto stream = arguments.get("stream");   // std::optional<std::string>
//   bool json = arguments.has("json");
#pragma once

#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

namespace platform::cli {

struct Arguments {
  std::map<std::string, std::string> values;
  std::set<std::string> flags;

  std::optional<std::string> get(const std::string& name) const {
    auto it = values.find(name);
    if (it == values.end()) return std::nullopt;
    return it->second;
  }
  bool has(const std::string& flag) const { return flags.contains(flag); }
};

// Fills `arguments`; returns what is wrong with `words`, or nullopt.
std::optional<std::string> parse_options(const std::vector<std::string>& words,
                                         const std::set<std::string>& takes_value,
                                         const std::set<std::string>& switches,
                                         Arguments& arguments);

}  // namespace platform::cli
