// The threads that run streamed handlers: as many as streams may be open at once (each
// handler blocks on its body), woken most recently idle first. A pool that woke them in
// turn (asio::thread_pool) touched every one of its hundreds of threads under a steady
// load, each keeping its stack and allocator cache warm: the api-gateway's 256 such
// threads cost it 30 MiB of resident memory under the platform's load mix. Woken last in,
// first out, only as many threads as the load needs at once are ever touched.
//
//   LifoPool pool(256);
//   pool.post([] { ... });   // runs on the most recently idle thread
//   pool.join();             // after the last post: runs what is queued, then ends
#pragma once

#include <condition_variable>
#include <cstddef>
#include <deque>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

namespace platform::http::detail {

class LifoPool {
 public:
  // A task: anything callable once, move-only included (a coroutine's handler).
  class Task {
   public:
    virtual ~Task() = default;
    virtual void run() = 0;
  };

  explicit LifoPool(std::size_t threads) {
    workers_.reserve(threads);
    for (std::size_t i = 0; i < threads; ++i) workers_.push_back(std::make_unique<Worker>());
    for (auto& worker : workers_)
      worker->thread = std::thread([this, w = worker.get()] { run(*w); });
  }
  ~LifoPool() { join(); }
  LifoPool(const LifoPool&) = delete;
  LifoPool& operator=(const LifoPool&) = delete;

  template <typename Function>
  void post(Function function) {
    struct Holder final : Task {
      explicit Holder(Function f) : function(std::move(f)) {}
      void run() override { function(); }
      Function function;
    };
    std::unique_ptr<Task> task = std::make_unique<Holder>(std::move(function));
    std::lock_guard lock(mutex_);
    if (idle_.empty()) {
      queue_.push_back(std::move(task));
      return;
    }
    Worker* worker = idle_.back();  // the most recently idle
    idle_.pop_back();
    worker->task = std::move(task);
    worker->wake.notify_one();
  }

  // Runs what is queued, then ends every thread. Called by one thread (the server's
  // stop, then the destructor).
  void join() {
    {
      std::lock_guard lock(mutex_);
      stopping_ = true;
      for (Worker* worker : idle_) worker->wake.notify_one();
    }
    for (auto& worker : workers_)
      if (worker->thread.joinable()) worker->thread.join();
  }

 private:
  struct Worker {
    std::thread thread;
    std::condition_variable wake;
    std::unique_ptr<Task> task;  // handed over by post(), guarded by mutex_
  };

  void run(Worker& self) {
    std::unique_lock lock(mutex_);
    for (;;) {
      std::unique_ptr<Task> task;
      if (!queue_.empty()) {
        task = std::move(queue_.front());
        queue_.pop_front();
      } else if (stopping_) {
        return;
      } else {
        idle_.push_back(&self);
        self.wake.wait(lock, [&] { return self.task != nullptr || stopping_; });
        if (self.task == nullptr) {  // stopping, nothing handed over
          std::erase(idle_, &self);
          continue;
        }
        task = std::move(self.task);
      }
      lock.unlock();
      task->run();
      task.reset();
      lock.lock();
    }
  }

  std::mutex mutex_;
  std::vector<std::unique_ptr<Worker>> workers_;
  std::vector<Worker*> idle_;  // a stack: the back is the most recently idle
  std::deque<std::unique_ptr<Task>> queue_;
  bool stopping_ = false;
};

}  // namespace platform::http::detail
