// sylctl's small JSON records under var/ (the platform's state, the instance list, the
// deploy records): written whole or not at all, read back leniently.
//
//   write_json_file(path, document);          // a temporary file, then rename
//   auto value = read_json_file(path);        // nullopt: no file; null: not JSON
#pragma once

#include <boost/json/value.hpp>
#include <filesystem>
#include <optional>

namespace sylctl {

// Replaces `path` atomically: a reader, or a sylctl killed half-way, never sees part of it.
void write_json_file(const std::filesystem::path& path, const boost::json::value& document);

// The file's JSON; nullopt when it cannot be opened, a null value when it is not JSON.
std::optional<boost::json::value> read_json_file(const std::filesystem::path& path);

}  // namespace sylctl
