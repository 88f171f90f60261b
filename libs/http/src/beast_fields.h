// Copying a Beast message's fields into a Headers list. Internal to the http library:
// the server copies each request's fields, the client each answer's. A template over
// the field container, so that this header needs no Beast include of its own.
#pragma once

#include <cstddef>

#include "platform/http/message.h"

namespace platform::http::detail {

// Copies every field of `fields` into `into`, sized once: one allocation for the list
// and one for its text. `spare_fields` and `spare_bytes` leave room for fields set on
// the list afterwards (a proxy adds a few to what it passes on).
template <class BeastFields>
void copy_fields(const BeastFields& fields, Headers& into, std::size_t spare_fields = 0,
                 std::size_t spare_bytes = 0) {
  std::size_t count = 0;
  std::size_t text_bytes = 0;
  for (const auto& field : fields) {
    ++count;
    text_bytes += field.name_string().size() + field.value().size();
  }
  into.reserve(count + spare_fields, text_bytes + spare_bytes);
  for (const auto& field : fields) into.add(field.name_string(), field.value());
}

}  // namespace platform::http::detail
