#include "application/syllabus_commands.h"

#include <algorithm>
#include <utility>

namespace syllabus_service::application {

using platform::core::Error;
using platform::core::FieldError;
using platform::core::Result;
using platform::core::Uuid;

SyllabusCommands::SyllabusCommands(SyllabusRepository& repository, References& references,
                                   Clock clock, IdGenerator ids, domain::PublishPolicy policy)
    : repository_(repository),
      references_(references),
      clock_(std::move(clock)),
      ids_(std::move(ids)),
      policy_(policy) {}

Result<std::vector<FieldError>> SyllabusCommands::missing_references(
    const domain::Syllabus& syllabus, bool check_subject, const std::vector<Uuid>& attachments,
    const CallContext& context) {
  std::vector<FieldError> missing;
  if (check_subject) {
    auto known = references_.subject(syllabus.subject_id, context);
    if (!known) return std::move(known).error();
    if (known->state != Known<SubjectView>::State::kLive) {
      missing.push_back(
          {"subject_id", "subject " + syllabus.subject_id.to_string() + " does not exist"});
    }
  }
  for (const Uuid& file : attachments) {
    auto known = references_.file(file, context);
    if (!known) return std::move(known).error();
    if (known->state == Known<FileView>::State::kLive) continue;
    const auto at = std::find(syllabus.attachments.begin(), syllabus.attachments.end(), file);
    missing.push_back({"attachments[" + std::to_string(at - syllabus.attachments.begin()) + "]",
                       "file " + file.to_string() + " does not exist"});
  }
  return missing;
}

Result<domain::Syllabus> SyllabusCommands::create(const CreateSyllabusCommand& command) {
  auto syllabus = domain::new_syllabus(ids_(), command.draft, command.actor.who, clock_());
  if (!syllabus) return std::move(syllabus).error();
  auto missing = missing_references(*syllabus, true, syllabus->attachments, command.actor.context);
  if (!missing) return std::move(missing).error();
  if (!missing->empty()) return Error::invalid_fields(std::move(missing).value());
  if (auto stored =
          repository_.create(*syllabus, {domain::SyllabusCreated{*syllabus}, command.actor.origin});
      !stored) {
    return std::move(stored).error();
  }
  return syllabus;
}

namespace {
constexpr int kRaceAttempts = 3;
}  // namespace

template <typename Run>
auto SyllabusCommands::retrying_races(const std::optional<std::int64_t>& expected_version,
                                      Run&& run) -> decltype(run()) {
  auto result = run();
  for (int attempt = 1; attempt < kRaceAttempts && !expected_version && !result &&
                        result.error().code() == platform::core::ErrorCode::kVersionMismatch;
       ++attempt) {
    result = run();
  }
  return result;
}

Result<domain::Syllabus> SyllabusCommands::update(const UpdateSyllabusCommand& command) {
  return retrying_races(command.expected_version, [&] { return update_once(command); });
}

Result<domain::Syllabus> SyllabusCommands::change_status(const ChangeStatusCommand& command) {
  return retrying_races(command.expected_version, [&] { return change_status_once(command); });
}

Result<domain::Syllabus> SyllabusCommands::update_once(const UpdateSyllabusCommand& command) {
  auto current = repository_.working(command.id);
  if (!current) return std::move(current).error();
  if (auto matches = domain::check_version(*current, command.expected_version); !matches) {
    return std::move(matches).error();
  }
  auto changed = domain::apply(*current, command.patch, command.actor.who, clock_());
  if (!changed) return std::move(changed).error();
  if (domain::changes_nothing(*current, command.patch)) return current;

  // Only what this change adds is looked up: the rest was checked when it came.
  std::vector<Uuid> added;
  for (const Uuid& file : changed->attachments) {
    if (std::find(current->attachments.begin(), current->attachments.end(), file) ==
        current->attachments.end()) {
      added.push_back(file);
    }
  }
  auto missing = missing_references(*changed, changed->subject_id != current->subject_id, added,
                                    command.actor.context);
  if (!missing) return std::move(missing).error();
  if (!missing->empty()) return Error::invalid_fields(std::move(missing).value());

  const domain::SyllabusUpdated event{*changed, domain::changed_fields(*current, *changed)};
  if (auto stored =
          repository_.write({{*changed, current->version}}, {event, command.actor.origin});
      !stored) {
    return std::move(stored).error();
  }
  return changed;
}

Result<domain::Syllabus> SyllabusCommands::change_status_once(const ChangeStatusCommand& command) {
  auto current = repository_.working(command.id);
  if (!current) return std::move(current).error();
  if (auto matches = domain::check_version(*current, command.expected_version); !matches) {
    return std::move(matches).error();
  }
  const auto now = clock_();
  const std::string& who = command.actor.who;
  std::vector<RevisionWrite> writes;
  std::optional<domain::SyllabusEvent> event;

  switch (command.transition) {
    case Transition::kSubmit: {
      auto next = domain::submit(*current, who, now);
      if (!next) return std::move(next).error();
      writes.push_back({*next, current->version});
      event = domain::SyllabusSubmitted{*next};
      break;
    }
    case Transition::kReject: {
      auto next = domain::reject(*current, command.comment, who, now);
      if (!next) return std::move(next).error();
      writes.push_back({*next, current->version});
      event = domain::SyllabusUpdated{*next, domain::changed_fields(*current, *next)};
      break;
    }
    case Transition::kArchive: {
      auto next = domain::archive(*current, who, now);
      if (!next) return std::move(next).error();
      writes.push_back({*next, current->version});
      event = domain::SyllabusArchived{*next};
      break;
    }
    case Transition::kPublish: {
      auto next = domain::publish(*current, policy_, who, now);
      // A status that forbids publishing is the answer (409); otherwise every problem at
      // once, the references' included.
      if (!next && next.error().code() != platform::core::ErrorCode::kInvalidArgument) {
        return std::move(next).error();
      }
      auto missing =
          missing_references(*current, true, current->attachments, command.actor.context);
      if (!missing) return std::move(missing).error();
      if (!next || !missing->empty()) {
        std::vector<FieldError> problems =
            next ? std::vector<FieldError>{} : next.error().field_errors();
        problems.insert(problems.end(), missing->begin(), missing->end());
        return Error::invalid_fields(std::move(problems));
      }
      // The previous published revision steps down first: the store allows one published
      // revision per syllabus at every moment, not only at commit.
      std::optional<std::int64_t> superseded_revision;
      if (auto previous = repository_.published(command.id); previous) {
        auto superseded = domain::supersede(*previous, who, now);
        if (!superseded) return std::move(superseded).error();
        writes.push_back({*superseded, previous->version});
        superseded_revision = previous->revision;
      } else if (previous.error().code() != platform::core::ErrorCode::kNotFound) {
        return std::move(previous).error();
      }
      writes.push_back({*next, current->version});
      event = domain::SyllabusPublished{*next, superseded_revision};
      break;
    }
  }
  if (auto stored = repository_.write(writes, {*event, command.actor.origin}); !stored) {
    return std::move(stored).error();
  }
  return writes.back().revision;  // the revision the command is about comes last
}

Result<domain::Syllabus> SyllabusCommands::open_revision(const OpenRevisionCommand& command) {
  auto current = repository_.working(command.id);
  if (!current) return std::move(current).error();
  if (current->status == domain::Status::kDraft || current->status == domain::Status::kInReview) {
    return Error::failed_precondition("revision " + std::to_string(current->revision) +
                                      " is open already (" +
                                      std::string(domain::to_string(current->status)) + ")");
  }
  auto published = repository_.published(command.id);
  if (!published) {
    if (published.error().code() == platform::core::ErrorCode::kNotFound) {
      return Error::failed_precondition("only a published syllabus gets a new revision");
    }
    return std::move(published).error();
  }
  auto next = domain::open_revision(*published, command.actor.who, clock_());
  if (!next) return std::move(next).error();
  if (auto stored = repository_.write({{*next, std::nullopt}},
                                      {domain::SyllabusCreated{*next}, command.actor.origin});
      !stored) {
    return std::move(stored).error();
  }
  return next;
}

Result<domain::Syllabus> SyllabusCommands::copy(const CopySyllabusCommand& command) {
  auto source = repository_.working(command.id);
  if (!source) return std::move(source).error();
  auto copy = domain::copy_forward(*source, ids_(), command.academic_year, command.term,
                                   command.actor.who, clock_());
  if (!copy) return std::move(copy).error();
  if (auto stored =
          repository_.create(*copy, {domain::SyllabusCreated{*copy}, command.actor.origin});
      !stored) {
    return std::move(stored).error();
  }
  return copy;
}

Result<void> SyllabusCommands::remove(const DeleteSyllabusCommand& command) {
  auto current = repository_.working(command.id);
  if (!current) return std::move(current).error();
  if (auto matches = domain::check_version(*current, command.expected_version); !matches) {
    return std::move(matches).error();
  }
  return repository_.remove(command.id, current->version,
                            {domain::SyllabusDeleted{*current, clock_()}, command.actor.origin});
}

}  // namespace syllabus_service::application
