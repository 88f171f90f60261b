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

// The view in memory as expand() would embed it; false when it is not in memory.
// `field` and `what` are made only for a warning: this runs for every cached read.
template <typename View, typename Field, typename What>
bool embed_from_memory(const std::optional<Known<View>>& known, Field field, What what,
                       std::optional<View>& out, std::vector<FieldError>& warnings) {
  if (!known || known->state == Known<View>::State::kUnknown) return false;
  if (known->state == Known<View>::State::kDeleted) {
    warnings.push_back({field(), what() + " does not exist (deleted)"});
    out.reset();
  } else {
    out = known->view;
  }
  return true;
}

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

std::optional<Expanded> ReferenceExpander::expand_from_memory(const domain::Syllabus& syllabus,
                                                              Expansion expansion) {
  Expanded expanded;
  if (expansion.subject) {
    const auto& id = syllabus.subject_id;
    if (!embed_from_memory(
            views_.subject_in_memory(id), [] { return std::string("subject"); },
            [&] { return "subject " + id.to_string(); }, expanded.subject, expanded.warnings)) {
      return std::nullopt;
    }
  }
  if (expansion.files) {
    for (std::size_t i = 0; i < syllabus.attachments.size(); ++i) {
      const auto& id = syllabus.attachments[i];
      std::optional<FileView> file;
      if (!embed_from_memory(
              views_.file_in_memory(id), [i] { return "files[" + std::to_string(i) + "]"; },
              [&] { return "file " + id.to_string(); }, file, expanded.warnings)) {
        return std::nullopt;
      }
      expanded.files.push_back(std::move(file));
    }
  }
  return expanded;
}

}  // namespace syllabus_service::application
