// The printable page of a syllabus (GET /syllabi/{id}/document): one self-contained HTML
// document with print styles, ready for the browser's print-to-PDF. Every text is
// escaped; the Markdown body is rendered by cmark (the CommonMark reference library) in
// safe mode, so raw HTML and javascript: links never reach the page.
#pragma once

#include <optional>
#include <string>

#include "application/reference_views.h"
#include "domain/syllabus.h"

namespace syllabus_service::api {

std::string render_document(const domain::Syllabus& syllabus,
                            const std::optional<application::SubjectView>& subject);

// The Markdown as HTML (CommonMark, safe: raw HTML replaced, unsafe links dropped).
std::string render_markdown(std::string_view markdown);

// The Content-Security-Policy the page is served with: no script, no outside requests.
inline constexpr const char* kDocumentPolicy =
    "default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; "
    "form-action 'none'; frame-ancestors 'none'";

}  // namespace syllabus_service::api
