#include "workflows/service/service_database.h"

#include <sqlite3.h>

#include <filesystem>

#include "core/error.h"

namespace molsieve::workflows::service {

namespace {

// PRAGMA application_id of every molsieve service database ("MSLV"): another program's
// SQLite file is refused instead of being given tables.
constexpr std::int64_t kApplicationId = 0x4D534C56;

// Step k takes a database of schema k to schema k + 1.
const std::vector<std::string>& migrations() {
  static const std::vector<std::string> steps{
      // 1: accounts and the audit log.
      "CREATE TABLE users ("
      "  id INTEGER PRIMARY KEY,"
      "  name TEXT NOT NULL UNIQUE,"
      "  password_hash TEXT NOT NULL,"
      "  role TEXT NOT NULL CHECK (role IN ('administrator', 'chemist', 'trial_designer')),"
      "  created_at INTEGER NOT NULL);"
      "CREATE TABLE sessions ("
      "  token_hash TEXT PRIMARY KEY,"
      "  user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,"
      "  csrf_token TEXT NOT NULL,"
      "  created_at INTEGER NOT NULL,"
      "  expires_at INTEGER NOT NULL);"
      "CREATE TABLE login_attempts ("
      "  id INTEGER PRIMARY KEY,"
      "  user_name TEXT NOT NULL,"
      "  client TEXT NOT NULL,"
      "  at INTEGER NOT NULL,"
      "  succeeded INTEGER NOT NULL);"
      "CREATE INDEX login_attempts_by_time ON login_attempts(at);"
      "CREATE TABLE audit_log ("
      "  id INTEGER PRIMARY KEY,"
      "  at INTEGER NOT NULL,"
      "  user_id INTEGER REFERENCES users(id),"
      "  action TEXT NOT NULL,"
      "  object TEXT NOT NULL,"
      "  detail TEXT NOT NULL);"};
  return steps;
}

}  // namespace

struct ServiceDatabase::Connection {
  sqlite3* db = nullptr;
  ~Connection() { sqlite3_close_v2(db); }
};

namespace {

struct Statement {
  sqlite3_stmt* stmt = nullptr;
  ~Statement() { sqlite3_finalize(stmt); }
};

[[noreturn]] void fail(sqlite3* db, const std::string& path, const std::string& what) {
  throw Error(path + ": " + what + ": " + (db ? sqlite3_errmsg(db) : "cannot open"));
}

std::vector<SqlRow> run(sqlite3* db, const std::string& path, const std::string& sql, const std::vector<SqlValue>& values) {
  Statement s;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s.stmt, nullptr) != SQLITE_OK) fail(db, path, "cannot prepare a statement");
  for (std::size_t i = 0; i < values.size(); ++i) {
    const int at = static_cast<int>(i + 1);
    int rc = SQLITE_OK;
    if (const auto* n = std::get_if<std::int64_t>(&values[i]))
      rc = sqlite3_bind_int64(s.stmt, at, *n);
    else if (const auto* t = std::get_if<std::string>(&values[i]))
      rc = sqlite3_bind_text(s.stmt, at, t->data(), static_cast<int>(t->size()), SQLITE_TRANSIENT);
    else
      rc = sqlite3_bind_null(s.stmt, at);
    if (rc != SQLITE_OK) fail(db, path, "cannot bind a value");
  }
  std::vector<SqlRow> rows;
  for (;;) {
    const int rc = sqlite3_step(s.stmt);
    if (rc == SQLITE_DONE) break;
    if (rc != SQLITE_ROW) fail(db, path, "a statement failed");
    SqlRow row;
    for (int c = 0; c < sqlite3_column_count(s.stmt); ++c) {
      switch (sqlite3_column_type(s.stmt, c)) {
        case SQLITE_NULL: row.emplace_back(nullptr); break;
        case SQLITE_INTEGER: row.emplace_back(static_cast<std::int64_t>(sqlite3_column_int64(s.stmt, c))); break;
        default:
          row.emplace_back(std::string(reinterpret_cast<const char*>(sqlite3_column_text(s.stmt, c)),
                                       static_cast<std::size_t>(sqlite3_column_bytes(s.stmt, c))));
      }
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

std::int64_t pragma(sqlite3* db, const std::string& path, const std::string& name) {
  return integer_of(run(db, path, "PRAGMA " + name, {}).at(0).at(0));
}

}  // namespace

int ServiceDatabase::current_schema_version() { return static_cast<int>(migrations().size()); }

ServiceDatabase::ServiceDatabase(const std::string& folder)
    : connection_(std::make_unique<Connection>()), path_((std::filesystem::path(folder) / "service.db").string()) {
  std::error_code ec;
  // Only its owner may enter a new data folder: it holds password hashes and patient-level results.
  if (std::filesystem::create_directories(folder, ec))
    std::filesystem::permissions(folder, std::filesystem::perms::owner_all, ec);
  if (ec) throw Error(folder + ": cannot create the service's data folder: " + ec.message());
  if (sqlite3_open_v2(path_.c_str(), &connection_->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                      nullptr) != SQLITE_OK)
    fail(connection_->db, path_, "cannot open the service database");
  sqlite3* db = connection_->db;
  sqlite3_busy_timeout(db, 5000);  // the workers and the server share the file
  // Checked before anything is written: a file that is not ours is refused as it was.
  std::int64_t application = 0, tables = 0;
  try {
    application = pragma(db, path_, "application_id");
    tables = integer_of(run(db, path_, "SELECT count(*) FROM sqlite_master", {}).at(0).at(0));
  } catch (const Error&) {
    throw Error(path_ + ": not a molsieve service database (SQLite cannot read it)");
  }
  if (application != kApplicationId && (application != 0 || tables != 0))
    throw Error(path_ + ": not a molsieve service database (another program's SQLite file)");
  schema_version_ = static_cast<int>(pragma(db, path_, "user_version"));
  if (schema_version_ > current_schema_version())
    throw Error(path_ + ": written with schema version " + std::to_string(schema_version_) + " by a newer molsieve; this " +
                "one reads up to version " + std::to_string(current_schema_version()));
  run(db, path_, "PRAGMA journal_mode = WAL", {});
  run(db, path_, "PRAGMA foreign_keys = ON", {});
  for (; schema_version_ < current_schema_version(); ++schema_version_) {
    const int next = schema_version_ + 1;
    transaction([&] {
      if (sqlite3_exec(db, migrations()[static_cast<std::size_t>(schema_version_)].c_str(), nullptr, nullptr, nullptr) !=
          SQLITE_OK)
        fail(db, path_, "migrating to schema version " + std::to_string(next));
      run(db, path_, "PRAGMA application_id = " + std::to_string(kApplicationId), {});
      run(db, path_, "PRAGMA user_version = " + std::to_string(next), {});
    });
  }
}

ServiceDatabase::~ServiceDatabase() = default;

const std::string& ServiceDatabase::path() const { return path_; }
int ServiceDatabase::schema_version() const { return schema_version_; }

std::vector<SqlRow> ServiceDatabase::query(const std::string& sql, const std::vector<SqlValue>& values) {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  return run(connection_->db, path_, sql, values);
}

std::int64_t ServiceDatabase::execute(const std::string& sql, const std::vector<SqlValue>& values) {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  run(connection_->db, path_, sql, values);
  return sqlite3_last_insert_rowid(connection_->db);
}

void ServiceDatabase::transaction(const std::function<void()>& work) {
  const std::lock_guard<std::recursive_mutex> lock(mutex_);
  run(connection_->db, path_, "BEGIN IMMEDIATE", {});
  try {
    work();
    run(connection_->db, path_, "COMMIT", {});  // a failed commit rolls back too: the connection stays usable
  } catch (...) {
    sqlite3_exec(connection_->db, "ROLLBACK", nullptr, nullptr, nullptr);
    throw;
  }
}

std::int64_t integer_of(const SqlValue& value) { return std::get<std::int64_t>(value); }
const std::string& text_of(const SqlValue& value) { return std::get<std::string>(value); }

}  // namespace molsieve::workflows::service
