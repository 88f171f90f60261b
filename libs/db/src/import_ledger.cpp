#include "platform/db/import_ledger.h"

#include <soci/soci.h>

namespace platform::db {

core::Result<std::optional<std::string>> imported_id(Session& session, std::string_view kind,
                                                     std::string_view legacy_id) {
  const std::string kind_text(kind);
  const std::string legacy_text(legacy_id);
  std::string id;
  soci::indicator indicator = soci::i_null;
  try {
    session.sql() << "SELECT id FROM legacy_imports WHERE kind = :kind AND legacy_id = :legacy",
        soci::into(id, indicator), soci::use(kind_text), soci::use(legacy_text);
  } catch (const std::exception&) {
    return classify_current_exception(session.backend());
  }
  if (!session.sql().got_data() || indicator != soci::i_ok) return std::optional<std::string>();
  return std::optional<std::string>(std::move(id));
}

core::Result<void> record_import(Session& session, std::string_view kind,
                                 std::string_view legacy_id, std::string_view id,
                                 core::Timestamp at) {
  const std::string kind_text(kind);
  const std::string legacy_text(legacy_id);
  const std::string id_text(id);
  const std::string at_text = core::format_rfc3339(at);
  try {
    session.sql() << "INSERT INTO legacy_imports (kind, legacy_id, id, imported_at) "
                     "VALUES (:kind, :legacy, :id, :at)",
        soci::use(kind_text), soci::use(legacy_text), soci::use(id_text), soci::use(at_text);
  } catch (const std::exception&) {
    return classify_current_exception(session.backend());
  }
  return core::ok();
}

core::Result<core::LegacyMappingPage> imported_page(Database& database, std::string_view kind,
                                                    const std::optional<std::string>& after,
                                                    std::size_t limit) {
  const std::string kind_text(kind);
  const std::string after_text = after.value_or("");
  // One more than asked: whether another page follows.
  const long long fetch = static_cast<long long>(limit) + 1;
  return database.read<core::LegacyMappingPage>(
      [&](Session& session) -> core::Result<core::LegacyMappingPage> {
        core::LegacyMappingPage page;
        soci::rowset<soci::row> rows =
            (session.sql().prepare << "SELECT legacy_id, id FROM legacy_imports WHERE kind = "
                                      ":kind AND legacy_id > :after ORDER BY legacy_id LIMIT "
                                      ":fetch",
             soci::use(kind_text), soci::use(after_text), soci::use(fetch));
        for (const soci::row& row : rows) {
          page.items.push_back({row.get<std::string>(0), row.get<std::string>(1)});
        }
        if (page.items.size() > limit) {
          page.items.resize(limit);
          page.next = page.items.back().legacy_id;
        }
        return page;
      });
}

}  // namespace platform::db
