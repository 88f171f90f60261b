#include "json_file.h"

#include <boost/json.hpp>
#include <fstream>
#include <sstream>

namespace sylctl {

void write_json_file(const std::filesystem::path& path, const boost::json::value& document) {
  const auto temporary = path.string() + ".tmp";
  {
    std::ofstream out(temporary, std::ios::trunc);
    out << boost::json::serialize(document) << '\n';
  }
  std::filesystem::rename(temporary, path);
}

std::optional<boost::json::value> read_json_file(const std::filesystem::path& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::stringstream text;
  text << in.rdbuf();
  boost::system::error_code error;
  boost::json::value value = boost::json::parse(text.str(), error);
  if (error) return boost::json::value();
  return value;
}

}  // namespace sylctl
