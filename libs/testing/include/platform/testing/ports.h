// Loopback ports for tests that start servers of their own (redis-server, openssl
// s_server, a launcher): find a free one, wait until something answers on it.
//
//   const std::uint16_t port = free_port();
//   start_server_on(port);
//   ASSERT_TRUE(wait_until_accepting(port, std::chrono::seconds(5)));
#pragma once

#include <chrono>
#include <cstdint>
#include <vector>

namespace platform::testing {

// A TCP port on 127.0.0.1 that nothing listens on right now (bound with port 0, then
// released). Throws std::runtime_error when none can be had.
std::uint16_t free_port();
// A free port below the kernel's ephemeral range (which starts at 32768), for a server a
// test starts a while after choosing its port: in the ephemeral range, the outgoing
// connections of tests running alongside may take it meanwhile. `also_free` offsets
// from it must be free too (a launcher's port base and the ports it derives).
std::uint16_t free_port_below_ephemeral(const std::vector<int>& also_free = {});
// Whether 127.0.0.1:`port` could be bound now.
bool port_is_free(std::uint16_t port);
// Whether something accepts TCP connections on 127.0.0.1:`port`.
bool accepts_connections(std::uint16_t port);
// Polls accepts_connections() until it is true or `timeout` has passed.
bool wait_until_accepting(std::uint16_t port, std::chrono::milliseconds timeout);

}  // namespace platform::testing
