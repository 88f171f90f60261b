// Embedding the subject and files a syllabus refers to (?expand=subject,files), from the
// read model: no call to their owners on the read path for what it knows. A reference
// it lacks is fetched once through References (which stores it); if that fails, the
// syllabus is still shown, with that reference null and a warning saying why.
//
//   ReferenceExpander expander(views, references);
//   Expanded embedded = expander.expand(syllabus, {.subject = true, .files = true}, context);
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "application/reference_views.h"
#include "application/references.h"
#include "domain/syllabus.h"

namespace syllabus_service::application {

struct Expansion {
  bool subject = false;
  bool files = false;

  bool any() const { return subject || files; }
};

// "subject,files" -> the expansion; kMalformed naming an unknown name.
platform::core::Result<Expansion> parse_expansion(std::string_view text);

struct Expanded {
  std::optional<SubjectView> subject;          // when asked and available
  std::vector<std::optional<FileView>> files;  // one per attachment, when asked
  std::vector<platform::core::FieldError> warnings;
};

class ReferenceExpander {
 public:
  ReferenceExpander(ReferenceViews& views, References& references)
      : views_(views), references_(references) {}
  Expanded expand(const domain::Syllabus& syllabus, Expansion expansion,
                  const CallContext& context);
  // The same from what the views hold in memory, without blocking; nullopt when a
  // reference is not there (then expand()).
  std::optional<Expanded> expand_from_memory(const domain::Syllabus& syllabus, Expansion expansion);

 private:
  ReferenceViews& views_;
  References& references_;
};

}  // namespace syllabus_service::application
