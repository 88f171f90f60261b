// The Content-Disposition header of a download (RFC 6266 with RFC 5987 / RFC 8187).
//
//   content_disposition(Disposition::kAttachment, "Über Plan.pdf")
//   // attachment; filename="_ber Plan.pdf"; filename*=UTF-8''%C3%9Cber%20Plan.pdf
//   content_disposition(Disposition::kInline, "notes.txt")
//   // inline; filename="notes.txt"
//
// Decisions:
// - filename= always carries an ASCII fallback for clients that ignore filename*: each
//   non-ASCII character becomes one '_', and so do '"', '\', '%' (some browsers decode
//   %XX in it) and controls.
// - filename* is added only when the fallback differs from the name, so plain names give
//   the short form every client reads the same way.
// - An empty name gives the bare disposition type. The name is expected to have passed
//   domain::sanitise_filename (valid UTF-8, no controls); any byte that is not valid
//   UTF-8 is still encoded safely.
#pragma once

#include <string>
#include <string_view>

namespace file_service::api {

enum class Disposition {
  kAttachment,  // the browser saves the file: the default for documents
  kInline,      // the browser may show it (PDF viewer, image)
};

std::string content_disposition(Disposition type, std::string_view filename);

}  // namespace file_service::api
