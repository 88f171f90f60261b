// Consumer-driven contracts with Pact (V4), through libpact_ffi (tools/pact; loaded at run
// time, so nothing of it is needed to build). A consumer test states what it sends and
// what it relies on in the answer, runs its real client against Pact's mock server, and
// writes the pact for the provider to verify (scripts/pact-verify.sh):
//
//   pact::Pact pact("syllabus-service", "subject-service");
//   pact.interaction("a request for a subject")
//       .given("a subject exists", R"({"id":"..."})")
//       .request("GET", "/subjects/...")
//       .response(200)
//       .response_body("application/json", R"({"id": {"pact:matcher:type":"type", ...}})");
//   pact::MockServer server(pact);            // serves every interaction so far
//   ... the client calls 127.0.0.1:server.port() ...
//   EXPECT_TRUE(server.matched()) << server.mismatches();
//   server.write(directory);                  // <consumer>-<provider>.json
//
// Message pacts: `pact.message("a subject.created.v1 event").given(...).contents(json)`,
// written with pact.write(directory); example() turns matchers into the example the
// consumer's handler is given.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>

namespace platform::testing::pact {

// The library could not be loaded or a call failed: the test fails (never skips).
void ensure_loaded();

class Pact;

class Interaction {
 public:
  // A provider state, with its parameters as a JSON object ("" for none).
  Interaction& given(const std::string& state, const std::string& params_json = "");
  Interaction& request(const std::string& method, const std::string& path);
  Interaction& query(const std::string& name, const std::string& value);
  Interaction& request_header(const std::string& name, const std::string& value);
  Interaction& request_body(const std::string& content_type, const std::string& body);
  Interaction& response(int status);
  Interaction& response_header(const std::string& name, const std::string& value);
  // The body, with matchers ({"pact:matcher:type": ...}) where any value of that shape
  // will do.
  Interaction& response_body(const std::string& content_type, const std::string& body);
  // An asynchronous message's contents (JSON, with matchers).
  Interaction& contents(const std::string& body);

 private:
  friend class Pact;
  explicit Interaction(std::uint32_t handle) : handle_(handle) {}
  std::uint32_t handle_;
};

class Pact {
 public:
  Pact(const std::string& consumer, const std::string& provider);
  ~Pact();
  Pact(const Pact&) = delete;
  Pact& operator=(const Pact&) = delete;

  // An HTTP request and its answer (`description` names it in the pact and in a failed
  // verification).
  Interaction interaction(const std::string& description) const;
  // An asynchronous message (an event) the consumer expects to receive.
  Interaction message(const std::string& description) const;
  // Writes <consumer>-<provider>.json to `directory`, merged with what it holds (message
  // pacts; an HTTP pact is written by its MockServer). A consumer's tests each add their
  // interactions: its test binary removes its old pacts first (remove_pacts).
  void write(const std::filesystem::path& directory) const;

  std::uint16_t handle() const { return handle_; }

 private:
  std::uint16_t handle_;
};

// Pact's mock server for one pact, on a free loopback port; stopped when destroyed.
class MockServer {
 public:
  explicit MockServer(const Pact& pact);
  ~MockServer();
  MockServer(const MockServer&) = delete;
  MockServer& operator=(const MockServer&) = delete;

  std::uint16_t port() const { return static_cast<std::uint16_t>(port_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  // Every interaction was received as stated, and nothing else.
  bool matched() const;
  // What was not (JSON), for the failure message.
  std::string mismatches() const;
  // Writes the pact, merged as Pact::write does (only when matched(): a pact is written
  // from a passing test).
  void write(const std::filesystem::path& directory) const;

 private:
  std::int32_t port_;
};

// Removes `consumer`'s pacts (<consumer>-*.json) from `directory`, before its tests write
// them again.
void remove_pacts(const std::filesystem::path& directory, const std::string& consumer);

// The example a body with matchers stands for: each {"pact:matcher:type": ..., "value": v}
// replaced by v.
std::string example(const std::string& body_with_matchers);

}  // namespace platform::testing::pact
