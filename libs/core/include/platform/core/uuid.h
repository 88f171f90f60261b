// UUIDs (RFC 9562). New identifiers are version 7: time-ordered, so that an index
// on them stays compact and keyset paging by id follows creation order.
//
//   Uuid id = Uuid::v7();
//   std::string text = id.to_string();         // "0192f0c4-...-..."
//   std::optional<Uuid> back = Uuid::parse(text);
#pragma once

#include <array>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace platform::core {

class Uuid {
 public:
  Uuid() = default;  // the nil UUID
  explicit Uuid(const std::array<std::uint8_t, 16>& bytes) : bytes_(bytes) {}

  static Uuid v4();
  static Uuid v7();
  // Accepts the canonical 8-4-4-4-12 hex form, either case; nothing else.
  static std::optional<Uuid> parse(std::string_view text);

  std::string to_string() const;  // lower-case canonical form
  int version() const { return bytes_[6] >> 4; }
  bool is_nil() const { return *this == Uuid{}; }
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }

  friend auto operator<=>(const Uuid&, const Uuid&) =
      default;  // NOLINT(modernize-use-nullptr): clang-tidy 14 misreads the defaulted <=>

 private:
  std::array<std::uint8_t, 16> bytes_{};
};

// The id as an opaque page cursor (base64url of its 16 bytes) and back, for keyset paging
// by id; nullopt for text that is not one.
std::string to_cursor(const Uuid& id);
std::optional<Uuid> uuid_from_cursor(std::string_view cursor);

}  // namespace platform::core

// Hash maps keyed by id: the last 8 bytes (random in v4 and v7) are hash enough.
template <>
struct std::hash<platform::core::Uuid> {
  std::size_t operator()(const platform::core::Uuid& id) const noexcept {
    std::size_t hash = 0;
    for (std::size_t i = 8; i < 16; ++i) hash = (hash << 8) | id.bytes()[i];
    return hash;
  }
};
