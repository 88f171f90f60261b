// An in-memory SubjectRepository for unit tests of commands and queries.
#pragma once

#include <map>

#include "application/subject_repository.h"

namespace subject_service::testing {

class FakeSubjectRepository final : public application::SubjectRepository {
 public:
  platform::core::Result<void> insert(const domain::Subject& subject,
                                      const application::Change& change) override {
    for (const auto& [id, stored] : subjects_)
      if (stored.code == subject.code)
        return platform::core::Error::already_exists("code taken: " + subject.code);
    subjects_[subject.id] = subject;
    changes_.push_back(change);
    return platform::core::ok();
  }
  platform::core::Result<domain::Subject> find(const platform::core::Uuid& id) override {
    const auto it = subjects_.find(id);
    if (it == subjects_.end()) return platform::core::Error::not_found("no subject");
    return it->second;
  }
  platform::core::Result<void> update(const domain::Subject& subject, std::int64_t expected_version,
                                      const application::Change& change) override {
    ++update_calls_;
    if (interfering_writes_ > 0) {  // someone else wins the race this time
      --interfering_writes_;
      subjects_[subject.id].version++;
      return platform::core::Error::version_mismatch("changed meanwhile");
    }
    const auto it = subjects_.find(subject.id);
    if (it == subjects_.end()) return platform::core::Error::not_found("no subject");
    if (it->second.version != expected_version)
      return platform::core::Error::version_mismatch("changed meanwhile");
    for (const auto& [id, stored] : subjects_)
      if (id != subject.id && stored.code == subject.code)
        return platform::core::Error::already_exists("code taken: " + subject.code);
    it->second = subject;
    changes_.push_back(change);
    return platform::core::ok();
  }
  platform::core::Result<void> remove(const platform::core::Uuid& id, std::int64_t expected_version,
                                      const application::Change& change) override {
    ++remove_calls_;
    const auto it = subjects_.find(id);
    if (it == subjects_.end()) return platform::core::Error::not_found("no subject");
    if (interfering_writes_ > 0) {  // someone else changed it between read and delete
      --interfering_writes_;
      it->second.version++;
      return platform::core::Error::version_mismatch("changed meanwhile");
    }
    if (expected_version != it->second.version)
      return platform::core::Error::version_mismatch("changed meanwhile");
    subjects_.erase(it);
    changes_.push_back(change);
    return platform::core::ok();
  }
  platform::core::Result<application::SubjectPage> list(
      const application::SubjectFilter& filter) override {
    last_filter_ = filter;
    application::SubjectPage page;
    for (const auto& [id, subject] : subjects_) {
      if (filter.after && !(*filter.after < id)) continue;
      if (filter.department && subject.department != *filter.department) continue;
      if (page.items.size() == filter.limit) {
        page.has_more = true;
        break;
      }
      page.items.push_back(subject);
    }
    return page;
  }

  std::map<platform::core::Uuid, domain::Subject> subjects_;
  std::vector<application::Change> changes_;  // what each successful write recorded
  int interfering_writes_ = 0;
  int update_calls_ = 0;
  int remove_calls_ = 0;
  std::optional<application::SubjectFilter> last_filter_;
};

}  // namespace subject_service::testing
