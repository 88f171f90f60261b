// One revision of a syllabus as the JSON document the store keeps: every field of
// domain::Syllabus (content, flags, review comment, status, version, audit stamps), so
// that reading it back gives the revision unchanged.
//
//   std::string text = to_document(revision);
//   Result<domain::Syllabus> back = from_document(text);   // == revision
//
// The storage format, not the API's: ECTS credits as integer tenths, stamps as
// {"at", "by"} objects or null, a "format" number for later changes. Reading ignores
// members it does not know (a newer release may have added some during a rolling
// deploy) and refuses a document that lacks a member or holds a wrong type, with the
// path of the problem: a stored document is ours, so that is a bug (kInternal).
#pragma once

#include <string>
#include <string_view>

#include "domain/syllabus.h"
#include "platform/core/result.h"

namespace syllabus_service::infrastructure {

inline constexpr int kDocumentFormat = 1;

std::string to_document(const domain::Syllabus& syllabus);
platform::core::Result<domain::Syllabus> from_document(std::string_view document);

}  // namespace syllabus_service::infrastructure
