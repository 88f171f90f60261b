// In-memory stand-ins for the syllabus-service's ports, keeping the same rules as the SQL
// repository (identity unique, one open and one published revision, versions checked).
#pragma once

#include <algorithm>
#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <vector>

#include "application/references.h"
#include "application/syllabus_repository.h"

namespace syllabus_service::application::test {

using platform::core::Error;
using platform::core::Result;
using platform::core::Uuid;

class FakeSyllabusRepository : public SyllabusRepository {
 public:
  Result<void> create(const domain::Syllabus& first, const Change& change) override {
    for (const auto& [id, revisions] : stored_) {
      const auto& one = revisions.front();
      if (one.subject_id == first.subject_id && one.academic_year == first.academic_year &&
          one.term == first.term) {
        return Error::already_exists("a syllabus for this subject, year and term exists");
      }
    }
    stored_[first.id] = {first};
    events.push_back(change.event);
    return {};
  }

  Result<void> write(const std::vector<RevisionWrite>& writes, const Change& change) override {
    auto copy = stored_;
    for (const auto& write : writes) {
      auto& revisions = copy[write.revision.id];
      auto found = std::find_if(revisions.begin(), revisions.end(), [&](const auto& r) {
        return r.revision == write.revision.revision;
      });
      if (write.expected_version) {
        if (found == revisions.end()) return Error::not_found("gone");
        if (found->version != *write.expected_version) return Error::version_mismatch("moved");
        *found = write.revision;
      } else {
        if (found != revisions.end()) return Error::failed_precondition("revision exists");
        revisions.push_back(write.revision);
      }
      const auto count = [&](auto predicate) {
        return std::count_if(revisions.begin(), revisions.end(), predicate);
      };
      if (count([](const auto& r) { return r.status == domain::Status::kPublished; }) > 1 ||
          count([](const auto& r) {
            return r.status == domain::Status::kDraft || r.status == domain::Status::kInReview;
          }) > 1) {
        return Error::failed_precondition("another revision was published at the same time");
      }
    }
    stored_ = std::move(copy);
    events.push_back(change.event);
    return {};
  }

  Result<void> remove(const Uuid& id, std::int64_t expected_version,
                      const Change& change) override {
    auto current = working(id);
    if (!current) return std::move(current).error();
    if (current->version != expected_version) return Error::version_mismatch("moved");
    stored_.erase(id);
    events.push_back(change.event);
    return {};
  }

  Result<domain::Syllabus> working(const Uuid& id) override {
    const auto found = stored_.find(id);
    if (found == stored_.end()) return Error::not_found("syllabus does not exist");
    const auto& revisions = found->second;
    for (auto status :
         {domain::Status::kDraft, domain::Status::kInReview, domain::Status::kPublished}) {
      for (const auto& r : revisions)
        if (r.status == status) return r;
    }
    return revisions.back();
  }
  Result<domain::Syllabus> revision(const Uuid& id, std::int64_t number) override {
    const auto found = stored_.find(id);
    if (found == stored_.end()) return Error::not_found("syllabus does not exist");
    for (const auto& r : found->second)
      if (r.revision == number) return r;
    return Error::not_found("no such revision");
  }
  Result<domain::Syllabus> published(const Uuid& id) override {
    const auto found = stored_.find(id);
    if (found == stored_.end()) return Error::not_found("syllabus does not exist");
    for (const auto& r : found->second)
      if (r.status == domain::Status::kPublished) return r;
    return Error::not_found("no published revision");
  }
  Result<std::vector<domain::Syllabus>> revisions(const Uuid& id) override {
    const auto found = stored_.find(id);
    if (found == stored_.end()) return Error::not_found("syllabus does not exist");
    return found->second;
  }
  Result<SyllabusPage> list(const SyllabusFilter& filter) override {
    SyllabusPage page;
    for (const auto& [id, revisions] : stored_) {
      if (page.items.size() == filter.limit) break;
      page.items.push_back(*working(id));
    }
    return page;
  }
  Result<std::vector<domain::Syllabus>> live_revisions_of_subject(const Uuid&) override {
    return std::vector<domain::Syllabus>{};
  }
  Result<std::vector<domain::Syllabus>> live_revisions_attaching(const Uuid&) override {
    return std::vector<domain::Syllabus>{};
  }

  std::vector<domain::SyllabusEvent> events;

 private:
  std::map<Uuid, std::vector<domain::Syllabus>> stored_;
};

class FakeReferences : public References {
 public:
  Result<Known<SubjectView>> subject(const Uuid& id, const CallContext&) override {
    ++subject_calls;
    if (unavailable) return Error::unavailable("subject-service is unavailable");
    if (!subjects.contains(id)) return Known<SubjectView>::deleted();
    return Known<SubjectView>::live({.id = id, .code = "CS-101", .name = "Programming"});
  }
  Result<Known<FileView>> file(const Uuid& id, const CallContext&) override {
    ++file_calls;
    if (unavailable) return Error::unavailable("file-service is unavailable");
    if (!files.contains(id)) return Known<FileView>::deleted();
    return Known<FileView>::live({.id = id, .filename = "outline.pdf"});
  }

  std::set<Uuid> subjects;
  std::set<Uuid> files;
  bool unavailable = false;
  int subject_calls = 0;
  int file_calls = 0;
};

}  // namespace syllabus_service::application::test
