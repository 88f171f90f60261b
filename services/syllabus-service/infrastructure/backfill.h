// Filling the read model from the owners' list APIs (GET /subjects, then GET /files,
// keyset pages), so that a new syllabus-service knows every subject and file without
// waiting for events about them. Once per database: its completion is recorded with the
// model (read_model_state), so a backfill cut short runs again at the next start. The subscriptions
// must exist before it starts: whatever changes during the backfill then arrives as events, and
// versions decide between the two.
#pragma once

#include <atomic>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "infrastructure/sql_reference_views.h"
#include "platform/core/background_task.h"
#include "platform/events/subscriptions.h"
#include "platform/logging/logger.h"
#include "platform/resilience/peer_client.h"

namespace syllabus_service::infrastructure {

class Backfill {
 public:
  Backfill(platform::resilience::PeerClient& subjects, platform::resilience::PeerClient& files,
           SqlReferenceViews& views, platform::logging::Logger& logger);
  ~Backfill();
  // Unless a backfill has completed for this database, pages through the subjects and
  // the files, retrying a failed page, then records that it is done.
  void start();
  void stop();
  // "idle" (not looked yet), "running", "done" (now or at an earlier start), "failed" (an
  // owner answered something that is not a page: tried again at the next start); for
  // GET /admin/read-model.
  std::string state() const;
  std::int64_t subjects_loaded() const { return loaded_.load(); }
  std::int64_t files_loaded() const { return files_loaded_.load(); }

 private:
  std::chrono::milliseconds step();

  enum class Phase { kSubjects, kFiles, kMarking };

  platform::resilience::PeerClient& subjects_;
  platform::resilience::PeerClient& files_;
  SqlReferenceViews& views_;
  platform::logging::Logger& logger_;
  std::atomic<int> state_{0};  // 0 idle, 1 running, 2 done, 3 failed
  std::atomic<std::int64_t> loaded_{0};
  std::atomic<std::int64_t> files_loaded_{0};
  Phase phase_ = Phase::kSubjects;
  std::optional<std::string> cursor_;
  bool checked_ = false;
  std::unique_ptr<platform::core::BackgroundTask> task_;
};

// GET /admin/read-model: counts, the backfill, and per stream the last event applied, when
// it was made and applied (lag_seconds: how long after its making it was applied) and the
// subscription's state.
// `pending`: per stream, the entries not yet delivered to the group (Redis's lag), when
// Redis could tell.
std::string read_model_json(const ReadModelSummary& summary,
                            const std::vector<platform::events::SubscriptionStatus>& subscriptions,
                            const std::map<std::string, std::uint64_t>& pending,
                            const Backfill& backfill);

}  // namespace syllabus_service::infrastructure
