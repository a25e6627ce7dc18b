#pragma once
// The web service's own database: one SQLite file in its data folder (users, sessions,
// login attempts, the audit log; jobs and decisions as the service grows). The schema is
// versioned: opening an older database migrates it, step by step, each step in one
// transaction; a database written by a newer molsieve is refused, never rewritten.
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace molsieve::workflows::service {

// A bound parameter or a column: integer, text or NULL.
using SqlValue = std::variant<std::nullptr_t, std::int64_t, std::string>;
using SqlRow = std::vector<SqlValue>;

class ServiceDatabase {
 public:
  // The schema this molsieve writes.
  static int current_schema_version();

  // Opens <folder>/service.db, creating folder and file, and migrates it to the current
  // schema; throws molsieve::Error naming the file (unreadable, not a molsieve service
  // database, or of a newer schema).
  explicit ServiceDatabase(const std::string& folder);
  ~ServiceDatabase();
  ServiceDatabase(const ServiceDatabase&) = delete;
  ServiceDatabase& operator=(const ServiceDatabase&) = delete;

  const std::string& path() const;
  int schema_version() const;

  // Safe to share between threads: each call, and each transaction as a whole, holds the
  // connection alone.
  // One statement, its ?s bound to `values` in order (never spliced into the SQL, so no
  // value is ever read as SQL); the rows it returns.
  std::vector<SqlRow> query(const std::string& sql, const std::vector<SqlValue>& values = {});
  // The same for a statement that returns no rows; the rowid of the last insert.
  std::int64_t execute(const std::string& sql, const std::vector<SqlValue>& values = {});
  // `work` in one transaction (BEGIN IMMEDIATE: one writer at a time), rolled back if it throws.
  void transaction(const std::function<void()>& work);

 private:
  struct Connection;
  std::unique_ptr<Connection> connection_;
  std::recursive_mutex mutex_;  // recursive: a transaction's work runs statements of its own
  std::string path_;
  int schema_version_ = 0;
};

// Readers of a column that the schema makes NOT NULL.
std::int64_t integer_of(const SqlValue& value);
const std::string& text_of(const SqlValue& value);

}  // namespace molsieve::workflows::service
