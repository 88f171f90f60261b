#include "platform/cli/arguments.h"

namespace platform::cli {

std::optional<std::string> parse_options(const std::vector<std::string>& words,
                                         const std::set<std::string>& takes_value,
                                         const std::set<std::string>& switches,
                                         Arguments& arguments) {
  for (std::size_t i = 0; i < words.size(); ++i) {
    const std::string& word = words[i];
    if (word.rfind("--", 0) != 0) return "unexpected argument \"" + word + "\"";
    std::string name = word.substr(2);
    std::optional<std::string> inline_value;
    if (auto equals = name.find('='); equals != std::string::npos) {
      inline_value = name.substr(equals + 1);
      name.resize(equals);
    }
    if (switches.contains(name) && !inline_value) {
      arguments.flags.insert(name);
    } else if (takes_value.contains(name)) {
      if (!inline_value) {
        if (i + 1 >= words.size()) return "--" + name + " needs a value";
        inline_value = words[++i];
      }
      arguments.values[name] = *inline_value;
    } else {
      return "unknown option --" + name;
    }
  }
  return std::nullopt;
}

}  // namespace platform::cli
