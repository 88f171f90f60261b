// Version-guarded writes to read models: one INSERT ... ON CONFLICT ... DO UPDATE ... WHERE
// statement per change, built from the table's description (identifiers checked, values
// bound), so that the guard is evaluated by the database against the row as it is.
#include "platform/events/read_model.h"

#include <soci/soci.h>

#include <algorithm>
#include <cctype>
#include <deque>
#include <type_traits>

namespace platform::events {
namespace {

using core::Error;
using core::Result;

bool is_identifier(const std::string& name) {
  if (name.empty() || std::isdigit(static_cast<unsigned char>(name.front()))) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) || c == '_';
  });
}

// Identifiers are formatted into the statement, so only plain ones pass.
Result<void> check(const ReadModelTable& table, std::size_t keys, std::size_t values) {
  std::vector<const std::string*> names{&table.name, &table.version_column, &table.deleted_column};
  for (const auto& column : table.key) names.push_back(&column);
  for (const auto& column : table.columns) names.push_back(&column);
  for (const std::string* name : names)
    if (!is_identifier(*name))
      return Error::invalid_argument("table", "\"" + *name + "\" is not a plain SQL identifier");
  if (table.key.empty()) return Error::invalid_argument("table.key", "names no column");
  if (keys != table.key.size())
    return Error::invalid_argument("key", "has " + std::to_string(keys) + " values for " +
                                              std::to_string(table.key.size()) + " key columns");
  if (values != table.columns.size())
    return Error::invalid_argument("values", "has " + std::to_string(values) + " values for " +
                                                 std::to_string(table.columns.size()) + " columns");
  return core::ok();
}

std::string joined(const std::vector<std::string>& items) {
  std::string text;
  for (const auto& item : items) text += (text.empty() ? "" : ", ") + item;
  return text;
}

// Values bound to a statement: SOCI's use() keeps a reference, so each value lives here
// until the statement has run.
class Bindings {
 public:
  explicit Bindings(soci::statement& statement) : statement_(statement) {}

  // Returns the placeholder that names it.
  std::string add(const ReadModelValue& value) {
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::nullptr_t>) {
            strings_.emplace_back();
            indicators_.push_back(soci::i_null);
            statement_.exchange(soci::use(strings_.back(), indicators_.back()));
          } else if constexpr (std::is_same_v<T, std::string>) {
            strings_.push_back(v);
            statement_.exchange(soci::use(strings_.back()));
          } else if constexpr (std::is_same_v<T, std::int64_t>) {
            integers_.push_back(static_cast<long long>(v));
            statement_.exchange(soci::use(integers_.back()));
          } else {
            reals_.push_back(v);
            statement_.exchange(soci::use(reals_.back()));
          }
        },
        value);
    return ":p" + std::to_string(++count_);
  }

 private:
  soci::statement& statement_;
  std::deque<std::string> strings_;
  std::deque<soci::indicator> indicators_;
  std::deque<long long> integers_;
  std::deque<double> reals_;
  int count_ = 0;
};

// INSERT the key, `values` for `columns`, the version and the deleted flag; on a
// conflicting key, the same as an UPDATE guarded by the version. Returns whether a row
// was written.
Result<bool> write_if_newer(db::Session& session, const ReadModelTable& table,
                            const std::vector<ReadModelValue>& key, std::int64_t version,
                            const std::vector<std::string>& columns,
                            const std::vector<ReadModelValue>& values, bool deleted) {
  try {
    soci::statement statement(session.sql());
    Bindings bindings(statement);
    std::vector<std::string> names = table.key;
    std::vector<std::string> placeholders;
    for (const auto& value : key) placeholders.push_back(bindings.add(value));
    for (std::size_t i = 0; i < columns.size(); ++i) {
      names.push_back(columns[i]);
      placeholders.push_back(bindings.add(values[i]));
    }
    names.push_back(table.version_column);
    placeholders.push_back(bindings.add(version));
    names.push_back(table.deleted_column);
    placeholders.push_back(deleted ? "1" : "0");

    std::vector<std::string> updates;
    for (const auto& column : columns) updates.push_back(column + " = excluded." + column);
    updates.push_back(table.version_column + " = excluded." + table.version_column);
    updates.push_back(table.deleted_column + " = excluded." + table.deleted_column);

    const std::string sql = "INSERT INTO " + table.name + " (" + joined(names) + ") VALUES (" +
                            joined(placeholders) + ") ON CONFLICT (" + joined(table.key) +
                            ") DO UPDATE SET " + joined(updates) + " WHERE " + table.name + "." +
                            table.version_column + " < excluded." + table.version_column;
    statement.alloc();
    statement.prepare(sql);
    statement.define_and_bind();
    statement.execute(true);
    // Both backends count a conflict whose guard failed as no row written.
    return statement.get_affected_rows() > 0;
  } catch (...) {
    return db::classify_current_exception(session.backend());
  }
}

}  // namespace

Result<bool> upsert_if_newer(db::Session& session, const ReadModelTable& table,
                             const std::vector<ReadModelValue>& key, std::int64_t version,
                             const std::vector<ReadModelValue>& values) {
  if (auto checked = check(table, key.size(), values.size()); !checked)
    return std::move(checked).error();
  return write_if_newer(session, table, key, version, table.columns, values, false);
}

Result<bool> delete_if_newer(db::Session& session, const ReadModelTable& table,
                             const std::vector<ReadModelValue>& key, std::int64_t version) {
  if (auto checked = check(table, key.size(), table.columns.size()); !checked)
    return std::move(checked).error();
  // Only the key, the version and the flag: the other columns keep their last values (or
  // their defaults, for a tombstone that comes first).
  return write_if_newer(session, table, key, version, {}, {}, true);
}

}  // namespace platform::events
