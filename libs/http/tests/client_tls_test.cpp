// https with a test CA made for the run: the client verifies the peer's chain and host
// name, refuses what does not verify, and reads a TLS peer's answers. The peer is
// OpenSSL's own `s_server -www` (a real TLS server, nothing of ours).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "platform/http/client.h"
#include "platform/testing/ports.h"
#include "platform/testing/temp_dir.h"

extern char** environ;

namespace platform::http {
namespace {

using namespace std::chrono_literals;
using core::ErrorCode;

void run(const std::string& command) {
  if (std::system((command + " >/dev/null 2>&1").c_str()) != 0) {
    throw std::runtime_error("test setup failed: " + command);
  }
}

// A CA, a certificate for "localhost" signed by it, and a TLS server presenting it.
class TlsPeer {
 public:
  explicit TlsPeer(const std::filesystem::path& dir) : dir_(dir) {
    const std::string d = dir.string();
    const std::string ec = "-newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes";
    run("openssl req -x509 " + ec + " -keyout " + d + "/ca.key -out " + d +
        "/ca.pem -days 2 -subj /CN=Syllabus-Test-CA");
    run("openssl req " + ec + " -keyout " + d + "/server.key -out " + d +
        "/server.csr -subj /CN=localhost");
    run("printf 'subjectAltName=DNS:localhost\\nbasicConstraints=CA:FALSE\\n"
        "extendedKeyUsage=serverAuth\\n' > " +
        d + "/ext.cnf");
    run("openssl x509 -req -in " + d + "/server.csr -CA " + d + "/ca.pem -CAkey " + d +
        "/ca.key -CAcreateserial -out " + d + "/server.pem -days 2 -extfile " + d + "/ext.cnf");
    port_ = platform::testing::free_port();
    const std::string accept = "127.0.0.1:" + std::to_string(port_);
    const std::string cert = d + "/server.pem";
    const std::string key = d + "/server.key";
    std::vector<std::string> args = {"openssl", "s_server", "-accept", accept, "-cert",
                                     cert,      "-key",     key,       "-www", "-quiet"};
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, "/dev/null", O_WRONLY, 0);
    posix_spawn_file_actions_addopen(&actions, STDERR_FILENO, "/dev/null", O_WRONLY, 0);
    const int spawned = posix_spawnp(&pid_, "openssl", &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    if (spawned != 0) throw std::runtime_error("cannot start openssl s_server");
    if (!platform::testing::wait_until_accepting(port_, 5s)) {
      throw std::runtime_error("openssl s_server did not start listening");
    }
  }
  ~TlsPeer() {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  TlsPeer(const TlsPeer&) = delete;
  TlsPeer& operator=(const TlsPeer&) = delete;

  std::uint16_t port() const { return port_; }
  std::string ca_file() const { return (dir_ / "ca.pem").string(); }

 private:
  std::filesystem::path dir_;
  std::uint16_t port_ = 0;
  pid_t pid_ = -1;
};

class ClientTlsTest : public ::testing::Test {
 protected:
  platform::testing::TemporaryDirectory dir_;
  TlsPeer peer_{dir_.path()};
};

TEST_F(ClientTlsTest, TalksToAPeerWhoseCertificateVerifiesAgainstTheGivenCa) {
  Client client(ClientOptions{.peer_name = "tls-peer", .ca_file = peer_.ca_file()});
  auto response = client.send({.url = "https://localhost:" + std::to_string(peer_.port()) + "/"});
  ASSERT_TRUE(response) << response.error().detail() << " / " << response.error().log_detail();
  EXPECT_EQ(response->status, 200);
  EXPECT_NE(response->body.find("s_server"), std::string::npos) << response->body;
}

TEST_F(ClientTlsTest, RefusesAPeerWhoseCertificateNamesAnotherHost) {
  Client client(ClientOptions{.peer_name = "tls-peer", .ca_file = peer_.ca_file()});
  // The certificate is for "localhost"; 127.0.0.1 is not in it.
  auto response = client.send({.url = "https://127.0.0.1:" + std::to_string(peer_.port()) + "/"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().detail().find("TLS handshake failed"), std::string::npos)
      << response.error().detail();
}

TEST_F(ClientTlsTest, RefusesAPeerSignedByACaItDoesNotTrust) {
  Client client(ClientOptions{.peer_name = "tls-peer"});  // the system's store only
  auto response = client.send({.url = "https://localhost:" + std::to_string(peer_.port()) + "/"});
  ASSERT_FALSE(response);
  EXPECT_EQ(response.error().code(), ErrorCode::kUnavailable);
  EXPECT_NE(response.error().detail().find("certificate verify failed"), std::string::npos)
      << response.error().detail();
}

TEST_F(ClientTlsTest, RefusesToStartWithACaFileItCannotRead) {
  EXPECT_THROW(Client(ClientOptions{.ca_file = (dir_.path() / "missing.pem").string()}),
               std::runtime_error);
}

}  // namespace
}  // namespace platform::http
