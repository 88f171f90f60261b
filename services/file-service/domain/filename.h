// The file name the service keeps for an upload: a client-given name made safe to store,
// to show and to send back in Content-Disposition.
//
//   auto name = sanitise_filename("../../reports/Q3 \"final\".pdf");
//   if (!name) return name.error();        // kInvalidArgument, field "filename"
//   use(*name);                            // "Q3 _final_.pdf"
//
// The name is metadata only: the bytes are stored under a key the service makes up, so
// nothing here guards a path on the server's disk. What it guards is everyone who later
// sees the name: the browser saving the download, a log line, a listing in the UI.
//
// Decisions, in the order they are applied:
// - A NUL byte rejects the name (kInvalidArgument): no client sends one by accident, and
//   cutting at it is the classic way to smuggle "a.pdf\0.exe" past a check.
// - Invalid UTF-8 rejects the name (kInvalidArgument): it cannot be shown or re-encoded
//   for filename*, and guessing its charset would be a guess.
// - Only the last path component is kept, after any '/' or '\': browsers of old sent the
//   full client path ("C:\dir\a.pdf"), and "../../etc/passwd" must not travel further.
// - C0 controls, DEL and C1 controls (U+0080-U+009F) are removed: they break headers and
//   log lines and are never part of a meaningful name. So are the Unicode bidirectional
//   controls (U+202A-U+202E, U+2066-U+2069): they make "abc\u202Efdp.exe" look like
//   "abcexe.pdf" in a listing.
// - `"` `<` `>` `:` `|` `?` `*` become '_': unsafe in a quoted header parameter or not
//   allowed by Windows file systems, where the download ends up.
// - Spaces and dots are trimmed at both ends: Windows drops trailing ones anyway, and a
//   leading dot would make a hidden file on the client.
// - A Windows device name ("CON", "nul.txt", "COM1.pdf") gets a leading '_': saving it
//   on Windows would address the device, not a file.
// - Nothing left ("", "." and ".." trim to nothing) rejects the name (kInvalidArgument).
// - At most 255 bytes (the common file system limit): the stem is cut at a UTF-8
//   character boundary and the extension (up to 32 bytes after the last '.') is kept, so
//   a long "report....pdf" still opens as a PDF.
// Unicode normalisation is left alone: it needs tables the standard library lacks, and
// the name is only ever compared byte for byte.
//
// Standard library and platform::core only.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "platform/core/result.h"

namespace file_service::domain {

inline constexpr std::size_t kFilenameMaxBytes = 255;
// An extension longer than this is not an extension worth keeping when cutting a name.
inline constexpr std::size_t kFilenameMaxExtensionBytes = 32;

// The name to keep for `original`, or kInvalidArgument (field "filename") when nothing
// usable is left or the name holds NUL or invalid UTF-8.
platform::core::Result<std::string> sanitise_filename(std::string_view original);

}  // namespace file_service::domain
