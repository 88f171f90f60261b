// Throughput of a decision: in memory, and through Redis with 1 to 512 decisions in
// flight (pipelined in one round trip). The Redis ones need SYLTEST_REDIS_URL.
// On the 2-core dev machine (release, Redis 7 on loopback): memory ~85 ns one key,
// ~280 ns over 50 000 keys; Redis ~9 k decisions/s one at a time, ~40 k/s with 16 in
// flight, ~79 k/s with 512.
//   cmake --preset release -B build/rl-release -DSYL_BUILD_BENCHMARKS=ON
//   SYLTEST_REDIS_URL=redis://127.0.0.1:26380 build/rl-release/libs/ratelimit/ratelimit_benchmark
#include <benchmark/benchmark.h>

#include <condition_variable>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "platform/ratelimit/limiter.h"
#include "platform/ratelimit/redis_limiter.h"

namespace platform::ratelimit {
namespace {

const Policy kBig{.name = "bench", .rate_per_second = 1e6, .burst = 1'000'000};

void BM_MemoryDecideOneKey(benchmark::State& state) {
  auto limiter = make_memory_limiter();
  for (auto _ : state)
    limiter->decide(kBig, "user:ana",
                    [](Decision decision) { benchmark::DoNotOptimize(decision); });
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryDecideOneKey);

void BM_MemoryDecideManyKeys(benchmark::State& state) {
  auto limiter = make_memory_limiter();
  std::vector<std::string> keys;
  for (int i = 0; i < 50'000; ++i) keys.push_back("ip:10.0." + std::to_string(i));
  std::size_t next = 0;
  for (auto _ : state) {
    limiter->decide(kBig, keys[next],
                    [](Decision decision) { benchmark::DoNotOptimize(decision); });
    next = (next + 1) % keys.size();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MemoryDecideManyKeys);

void BM_RedisDecideInFlight(benchmark::State& state) {
  const char* url = std::getenv("SYLTEST_REDIS_URL");
  if (url == nullptr || *url == '\0') {
    state.SkipWithError("SYLTEST_REDIS_URL is not set");
    return;
  }
  auto limiter = make_redis_limiter(
      {.url = url, .key_prefix = "ratelimit-bench:", .timeout = std::chrono::seconds(1)}, nullptr,
      nullptr);
  if (!limiter) {
    state.SkipWithError("bad options");
    return;
  }
  const auto in_flight = static_cast<int>(state.range(0));
  std::mutex mutex;
  std::condition_variable all_answered;
  int failed = 0;
  for (auto _ : state) {
    int left = in_flight;
    for (int i = 0; i < in_flight; ++i) {
      (*limiter)->decide(kBig, "user:" + std::to_string(i % 64), [&](Decision decision) {
        std::lock_guard lock(mutex);
        if (decision.backend_failed) ++failed;
        if (--left == 0) all_answered.notify_one();
      });
    }
    std::unique_lock lock(mutex);
    all_answered.wait(lock, [&] { return left == 0; });
  }
  if (failed > 0) state.SkipWithError("some decisions were answered by the fail mode");
  state.SetItemsProcessed(state.iterations() * in_flight);
}
BENCHMARK(BM_RedisDecideInFlight)->Arg(1)->Arg(16)->Arg(128)->Arg(512)->UseRealTime();

}  // namespace
}  // namespace platform::ratelimit
