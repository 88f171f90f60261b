#include "platform/http/event_loop.h"

#include <algorithm>

#include "event_loop_state.h"

namespace platform::http {

thread_local const EventLoop::State* EventLoop::State::running_here = nullptr;

EventLoop::EventLoop(int threads) : state_(std::make_unique<State>(std::max(1, threads))) {}

EventLoop::~EventLoop() = default;

int EventLoop::threads() const {
  return state_->threads;
}

}  // namespace platform::http
