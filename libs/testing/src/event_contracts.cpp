#include "platform/testing/event_contracts.h"

#include <fstream>

namespace platform::testing {

std::string EventContractChecker::write(const std::string& name, const std::string& json) {
  const auto path = directory_.path() / (name + ".json");
  std::ofstream(path) << json;
  return path.string();
}

ProcessResult EventContractChecker::validate(const std::vector<std::string>& samples) const {
  std::vector<std::string> args{source_dir_ + "/scripts/check_event_contracts.py",
                                source_dir_ + "/contracts/events"};
  args.insert(args.end(), samples.begin(), samples.end());
  return run_process("/usr/bin/python3", {}, args);
}

}  // namespace platform::testing
