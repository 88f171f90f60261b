// Random lower-case hex names for throwaway directories and databases.
#pragma once

#include <random>
#include <string>

namespace platform::testing::internal {

inline std::string random_hex(std::size_t length) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::random_device device;
  std::string text;
  for (std::size_t i = 0; i < length; ++i) text += kDigits[device() % 16];
  return text;
}

}  // namespace platform::testing::internal
