#include "infrastructure/backfill.h"

#include <boost/json.hpp>

#include "infrastructure/peer_references.h"
#include "platform/core/strings.h"

namespace syllabus_service::infrastructure {
namespace {

constexpr std::chrono::milliseconds kRetryPause{2000};
constexpr std::chrono::hours kNothingLeft{24 * 365};

}  // namespace

Backfill::Backfill(platform::resilience::PeerClient& subjects,
                   platform::resilience::PeerClient& files, SqlReferenceViews& views,
                   platform::logging::Logger& logger)
    : subjects_(subjects), files_(files), views_(views), logger_(logger) {}

Backfill::~Backfill() {
  stop();
}

void Backfill::start() {
  task_ = std::make_unique<platform::core::BackgroundTask>(
      "read-model-backfill", [this](platform::core::BackgroundTask&) { return step(); });
  task_->start();
}

void Backfill::stop() {
  if (task_) task_->stop();
}

std::string Backfill::state() const {
  switch (state_.load()) {
    case 1:
      return "running";
    case 2:
      return "done";
    case 3:
      return "failed";
    default:
      return "idle";
  }
}

std::chrono::milliseconds Backfill::step() {
  if (!checked_) {
    // Not "is the model empty": the subscriptions start first, and an event applied
    // before this look would have made a half-known model look filled for good.
    auto done = views_.backfilled();
    if (!done) return kRetryPause;
    checked_ = true;
    if (*done) {
      state_ = 2;
      return kNothingLeft;  // the events keep it current
    }
    state_ = 1;
    logger_.info("backfilling the read model from the subject- and file-service");
  }
  if (phase_ == Phase::kMarking) {
    if (auto marked = views_.mark_backfilled(); !marked) {
      logger_.warn("backfill done but not recorded; trying again",
                   {{"error", marked.error().detail()}});
      return kRetryPause;
    }
    state_ = 2;
    logger_.info("backfill done", {{"subjects", loaded_.load()}, {"files", files_loaded_.load()}});
    return kNothingLeft;
  }
  // Subjects first, then files, a page of 200 at a time.
  const bool files = phase_ == Phase::kFiles;
  platform::resilience::PeerClient& owner = files ? files_ : subjects_;
  std::string target = files ? "/files?limit=200" : "/subjects?limit=200";
  if (cursor_) target += "&cursor=" + platform::core::percent_encode(*cursor_);
  auto response = owner.send({.target = target, .timeout = std::chrono::seconds(10)});
  if (!response || response->status != 200) {
    logger_.warn(
        "backfill page failed; trying again",
        {{"target", target},
         {"error", response ? std::to_string(response->status) : response.error().detail()}});
    return kRetryPause;
  }
  boost::system::error_code ec;
  const auto page = boost::json::parse(response->body, ec);
  if (ec || !page.is_object() || !page.as_object().contains("items") ||
      !page.as_object().at("items").is_array()) {
    logger_.error("backfill page is not a page of items; giving up", {{"target", target}});
    state_ = 3;  // not recorded as done: the next start tries again
    return kNothingLeft;
  }
  // Counted once the whole page is stored: a page that comes again is not counted twice.
  std::int64_t stored_rows = 0;
  for (const auto& item : page.as_object().at("items").as_array()) {
    const std::string text = boost::json::serialize(item);
    // An item that is not a view is skipped; one that could not be stored makes the page
    // come again (versions make the rows already stored no-ops): a backfill recorded as
    // done has stored everything it was given.
    platform::core::Result<void> stored = platform::core::ok();
    if (files) {
      auto view = file_view_from_json(text);
      if (!view) continue;
      stored = views_.store_file(*view);
    } else {
      auto view = subject_view_from_json(text);
      if (!view) continue;
      stored = views_.store_subject(*view);
    }
    if (!stored) {
      logger_.warn("backfill could not store a row; the page comes again",
                   {{"target", target}, {"error", stored.error().detail()}});
      return kRetryPause;
    }
    ++stored_rows;
  }
  (files ? files_loaded_ : loaded_) += stored_rows;
  const auto* next = page.as_object().if_contains("next_cursor");
  if (next != nullptr && next->is_string()) {
    cursor_ = std::string(next->as_string());
    return std::chrono::milliseconds(0);
  }
  cursor_.reset();
  phase_ = files ? Phase::kMarking : Phase::kFiles;
  return std::chrono::milliseconds(0);
}

std::string read_model_json(const ReadModelSummary& summary,
                            const std::vector<platform::events::SubscriptionStatus>& subscriptions,
                            const std::map<std::string, std::uint64_t>& pending,
                            const Backfill& backfill) {
  boost::json::object streams;
  for (const auto& subscription : subscriptions) {
    boost::json::object stream{
        {"state", std::string(platform::events::to_string(subscription.consumer.state))},
        {"broker_reachable", subscription.consumer.broker_reachable},
        {"reason", subscription.consumer.reason},
        {"last_event_id", nullptr},
        {"last_event_type", nullptr},
        {"last_event_time", nullptr},
        {"applied_at", nullptr},
        {"lag_seconds", nullptr},
        {"applied_total", 0},
        {"undelivered", nullptr}};
    if (const auto lag = pending.find(subscription.stream); lag != pending.end()) {
      stream["undelivered"] = lag->second;
    }
    for (const auto& progress : summary.streams) {
      if (progress.stream != subscription.stream) continue;
      stream["last_event_id"] = progress.last_event_id;
      stream["last_event_type"] = progress.last_event_type;
      stream["last_event_time"] = progress.last_event_time;
      stream["applied_at"] = progress.applied_at;
      stream["applied_total"] = progress.applied_total;
      const auto made = platform::core::parse_rfc3339(progress.last_event_time);
      const auto applied = platform::core::parse_rfc3339(progress.applied_at);
      if (made && applied) {
        stream["lag_seconds"] = std::chrono::duration<double>(*applied - *made).count();
      }
    }
    streams[subscription.stream] = std::move(stream);
  }
  boost::json::object body{
      {"subjects", {{"live", summary.subjects}, {"deleted", summary.subjects_deleted}}},
      {"files", {{"live", summary.files}, {"deleted", summary.files_deleted}}},
      {"backfill",
       {{"state", backfill.state()},
        {"subjects_loaded", backfill.subjects_loaded()},
        {"files_loaded", backfill.files_loaded()}}},
      {"streams", std::move(streams)}};
  return boost::json::serialize(body);
}

}  // namespace syllabus_service::infrastructure
