#include "platform/testing/pact.h"

#include <dlfcn.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <mutex>
#include <stdexcept>

namespace platform::testing::pact {
namespace {

// The few functions of libpact_ffi the tests use, as its C interface declares them. Its
// handles are structs of one integer, passed like the integer.
using PactHandle = std::uint16_t;
using InteractionHandle = std::uint32_t;
constexpr int kSpecificationV4 = 5;
constexpr int kRequestPart = 0;
constexpr int kResponsePart = 1;

struct Library {
  PactHandle (*new_pact)(const char*, const char*);
  bool (*with_specification)(PactHandle, int);
  InteractionHandle (*new_interaction)(PactHandle, const char*);
  InteractionHandle (*new_message_interaction)(PactHandle, const char*);
  int (*given_with_params)(InteractionHandle, const char*, const char*);
  bool (*given)(InteractionHandle, const char*);
  bool (*with_request)(InteractionHandle, const char*, const char*);
  bool (*with_query_parameter_v2)(InteractionHandle, const char*, std::size_t, const char*);
  bool (*with_header_v2)(InteractionHandle, int, const char*, std::size_t, const char*);
  bool (*with_body)(InteractionHandle, int, const char*, const char*);
  bool (*response_status)(InteractionHandle, unsigned short);
  std::int32_t (*create_mock_server_for_transport)(PactHandle, const char*, std::uint16_t,
                                                   const char*, const char*);
  bool (*mock_server_matched)(std::int32_t);
  char* (*mock_server_mismatches)(std::int32_t);
  std::int32_t (*write_pact_file)(std::int32_t, const char*, bool);
  std::int32_t (*pact_handle_write_file)(PactHandle, const char*, bool);
  bool (*cleanup_mock_server)(std::int32_t);
  std::uint32_t (*free_pact_handle)(PactHandle);
};

template <typename Function>
void resolve(void* library, const char* name, Function& function) {
  void* symbol = ::dlsym(library, name);
  if (symbol == nullptr) throw std::runtime_error(std::string("libpact_ffi lacks ") + name);
  function = reinterpret_cast<Function>(symbol);
}

const Library& library() {
  static Library loaded{};
  static std::once_flag once;
  static std::string failure;
  std::call_once(once, [] {
    // Pact's tools report usage unless told not to, and wait for it.
    ::setenv("PACT_DO_NOT_TRACK", "true", 0);
    const char* path = std::getenv("SYLTEST_PACT_FFI");
    if (path == nullptr || *path == '\0') path = SYL_PACT_FFI_LIBRARY;
    void* handle = ::dlopen(path, RTLD_NOW | RTLD_LOCAL);
    if (handle == nullptr) {
      failure = std::string("cannot load libpact_ffi (scripts/install-deps.sh installs it): ") +
                ::dlerror();
      return;
    }
    try {
      resolve(handle, "pactffi_new_pact", loaded.new_pact);
      resolve(handle, "pactffi_with_specification", loaded.with_specification);
      resolve(handle, "pactffi_new_interaction", loaded.new_interaction);
      resolve(handle, "pactffi_new_message_interaction", loaded.new_message_interaction);
      resolve(handle, "pactffi_given_with_params", loaded.given_with_params);
      resolve(handle, "pactffi_given", loaded.given);
      resolve(handle, "pactffi_with_request", loaded.with_request);
      resolve(handle, "pactffi_with_query_parameter_v2", loaded.with_query_parameter_v2);
      resolve(handle, "pactffi_with_header_v2", loaded.with_header_v2);
      resolve(handle, "pactffi_with_body", loaded.with_body);
      resolve(handle, "pactffi_response_status", loaded.response_status);
      resolve(handle, "pactffi_create_mock_server_for_transport",
              loaded.create_mock_server_for_transport);
      resolve(handle, "pactffi_mock_server_matched", loaded.mock_server_matched);
      resolve(handle, "pactffi_mock_server_mismatches", loaded.mock_server_mismatches);
      resolve(handle, "pactffi_write_pact_file", loaded.write_pact_file);
      resolve(handle, "pactffi_pact_handle_write_file", loaded.pact_handle_write_file);
      resolve(handle, "pactffi_cleanup_mock_server", loaded.cleanup_mock_server);
      resolve(handle, "pactffi_free_pact_handle", loaded.free_pact_handle);
    } catch (const std::exception& error) {
      failure = error.what();
    }
  });
  if (!failure.empty()) {
    ADD_FAILURE() << failure;
    throw std::runtime_error(failure);
  }
  return loaded;
}

void check(bool done, const std::string& what) {
  if (!done) {
    ADD_FAILURE() << "libpact_ffi refused: " << what;
    throw std::runtime_error("libpact_ffi refused: " + what);
  }
}

void strip_matchers(boost::json::value& value) {
  if (value.is_object()) {
    auto& object = value.as_object();
    if (object.contains("pact:matcher:type")) {
      boost::json::value example = object.contains("value") ? object.at("value") : nullptr;
      strip_matchers(example);
      value = std::move(example);
      return;
    }
    for (auto& [key, child] : object) strip_matchers(child);
  } else if (value.is_array()) {
    for (auto& child : value.as_array()) strip_matchers(child);
  }
}

}  // namespace

void ensure_loaded() {
  library();
}

Interaction& Interaction::given(const std::string& state, const std::string& params_json) {
  if (params_json.empty()) {
    check(library().given(handle_, state.c_str()), "given " + state);
  } else {
    check(library().given_with_params(handle_, state.c_str(), params_json.c_str()) == 0,
          "given " + state + " " + params_json);
  }
  return *this;
}

Interaction& Interaction::request(const std::string& method, const std::string& path) {
  check(library().with_request(handle_, method.c_str(), path.c_str()), method + " " + path);
  return *this;
}

Interaction& Interaction::query(const std::string& name, const std::string& value) {
  check(library().with_query_parameter_v2(handle_, name.c_str(), 0, value.c_str()),
        "query " + name);
  return *this;
}

Interaction& Interaction::request_header(const std::string& name, const std::string& value) {
  check(library().with_header_v2(handle_, kRequestPart, name.c_str(), 0, value.c_str()),
        "request header " + name);
  return *this;
}

Interaction& Interaction::request_body(const std::string& content_type, const std::string& body) {
  check(library().with_body(handle_, kRequestPart, content_type.c_str(), body.c_str()),
        "request body");
  return *this;
}

Interaction& Interaction::response(int status) {
  check(library().response_status(handle_, static_cast<unsigned short>(status)),
        "status " + std::to_string(status));
  return *this;
}

Interaction& Interaction::response_header(const std::string& name, const std::string& value) {
  check(library().with_header_v2(handle_, kResponsePart, name.c_str(), 0, value.c_str()),
        "response header " + name);
  return *this;
}

Interaction& Interaction::response_body(const std::string& content_type, const std::string& body) {
  check(library().with_body(handle_, kResponsePart, content_type.c_str(), body.c_str()),
        "response body");
  return *this;
}

Interaction& Interaction::contents(const std::string& body) {
  // An asynchronous message's contents are its "request" part.
  check(library().with_body(handle_, kRequestPart, "application/json", body.c_str()),
        "message contents");
  return *this;
}

Pact::Pact(const std::string& consumer, const std::string& provider)
    : handle_(library().new_pact(consumer.c_str(), provider.c_str())) {
  check(library().with_specification(handle_, kSpecificationV4), "specification V4");
}

Pact::~Pact() {
  library().free_pact_handle(handle_);
}

Interaction Pact::interaction(const std::string& description) const {
  return Interaction(library().new_interaction(handle_, description.c_str()));
}

Interaction Pact::message(const std::string& description) const {
  return Interaction(library().new_message_interaction(handle_, description.c_str()));
}

void Pact::write(const std::filesystem::path& directory) const {
  std::filesystem::create_directories(directory);
  check(library().pact_handle_write_file(handle_, directory.c_str(), false) == 0,
        "writing the pact to " + directory.string());
}

MockServer::MockServer(const Pact& pact)
    : port_(library().create_mock_server_for_transport(pact.handle(), "127.0.0.1", 0, "http",
                                                       nullptr)) {
  check(port_ > 0, "starting the mock server (" + std::to_string(port_) + ")");
}

MockServer::~MockServer() {
  library().cleanup_mock_server(port_);
}

bool MockServer::matched() const {
  return library().mock_server_matched(port_);
}

std::string MockServer::mismatches() const {
  const char* text = library().mock_server_mismatches(port_);
  return text == nullptr ? "" : text;  // the mock server's own: not freed here
}

void MockServer::write(const std::filesystem::path& directory) const {
  check(matched(), "writing a pact whose interactions did not all match: " + mismatches());
  std::filesystem::create_directories(directory);
  check(library().write_pact_file(port_, directory.c_str(), false) == 0,
        "writing the pact to " + directory.string());
}

void remove_pacts(const std::filesystem::path& directory, const std::string& consumer) {
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (name.rfind(consumer + "-", 0) == 0 && entry.path().extension() == ".json")
      std::filesystem::remove(entry.path(), error);
  }
}

std::string example(const std::string& body_with_matchers) {
  boost::json::value value = boost::json::parse(body_with_matchers);
  strip_matchers(value);
  return boost::json::serialize(value);
}

}  // namespace platform::testing::pact
