// Checks events a service emits against contracts/events/*.json with the real JSON
// Schema validator (scripts/check_event_contracts.py on Debian's python3-jsonschema), not
// by re-reading our own code.
//
//   class MyEventContract : public ::testing::Test, protected EventContractChecker {
//    protected:
//     MyEventContract() : EventContractChecker(SYL_SOURCE_DIR) {}
//   };
//   auto result = validate({write("subject.created.v1", json)});
//   EXPECT_EQ(result.exit_code, 0) << result.output;
#pragma once

#include <string>
#include <vector>

#include "platform/testing/service_process.h"
#include "platform/testing/temp_dir.h"

namespace platform::testing {

class EventContractChecker {
 public:
  // `source_dir`: the repository's root, where scripts/ and contracts/ are.
  explicit EventContractChecker(std::string source_dir) : source_dir_(std::move(source_dir)) {}

  // Writes one sample event (its JSON) to a file; returns the file's path.
  std::string write(const std::string& name, const std::string& json);
  // Runs the validator over the samples; exit code 0 when every one matches its schema.
  ProcessResult validate(const std::vector<std::string>& samples) const;

 private:
  std::string source_dir_;
  TemporaryDirectory directory_;
};

}  // namespace platform::testing
