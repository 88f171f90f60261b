#include "application/expand.h"

#include "platform/core/strings.h"

namespace syllabus_service::application {
namespace {

using platform::core::FieldError;

// The view the read model has, else the owner's answer; a warning when neither can say.
template <typename View, typename Local, typename Remote>
std::optional<View> resolve(const std::string& field, const std::string& what, Local local,
                            Remote remote, std::vector<FieldError>& warnings) {
  auto known = local();
  if (!known || known->state == Known<View>::State::kUnknown) known = remote();
  if (!known) {
    warnings.push_back({field, what + " could not be embedded: " + known.error().detail()});
    return std::nullopt;
  }
  if (known->state == Known<View>::State::kDeleted) {
    warnings.push_back({field, what + " does not exist (deleted)"});
    return std::nullopt;
  }
  return known->view;
}

}  // namespace

platform::core::Result<Expansion> parse_expansion(std::string_view text) {
  Expansion expansion;
  for (auto part : platform::core::split(text, ',')) {
    const auto name = platform::core::trim(part);
    if (name == "subject") {
      expansion.subject = true;
    } else if (name == "files") {
      expansion.files = true;
    } else if (!name.empty()) {
      return platform::core::Error::malformed("expand: \"" + std::string(name) +
                                              "\" cannot be expanded (subject, files)");
    }
  }
  return expansion;
}

Expanded ReferenceExpander::expand(const domain::Syllabus& syllabus, Expansion expansion,
                                   const CallContext& context) {
  Expanded expanded;
  if (expansion.subject) {
    const auto& id = syllabus.subject_id;
    expanded.subject = resolve<SubjectView>(
        "subject", "subject " + id.to_string(), [&] { return views_.subject(id); },
        [&] { return references_.subject(id, context); }, expanded.warnings);
  }
  if (expansion.files) {
    for (std::size_t i = 0; i < syllabus.attachments.size(); ++i) {
      const auto& id = syllabus.attachments[i];
      expanded.files.push_back(resolve<FileView>(
          "files[" + std::to_string(i) + "]", "file " + id.to_string(),
          [&] { return views_.file(id); }, [&] { return references_.file(id, context); },
          expanded.warnings));
    }
  }
  return expanded;
}

}  // namespace syllabus_service::application
