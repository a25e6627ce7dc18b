// The web service's database and accounts (workflows/service): a versioned schema that
// migrates forward and refuses what it cannot read, Argon2id passwords, sessions stored as
// hashes that expire, login rate limits, and values that are never read as SQL.
#include <gtest/gtest.h>

#include <sqlite3.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/sha256.h"
#include "test_support.h"
#include "workflows/service/accounts.h"
#include "workflows/service/service_database.h"

namespace molsieve::workflows::service {
namespace {

// A clock the tests move by hand.
struct TestClock {
  std::int64_t now = 1'800'000'000;
  std::function<std::int64_t()> function() {
    return [this] { return now; };
  }
};

// Runs `sql` on a SQLite file with the plain C API, apart from ServiceDatabase.
std::int64_t sqlite_integer(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* s = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  std::int64_t value = -1;
  if (sqlite3_step(s) == SQLITE_ROW) value = sqlite3_column_int64(s, 0);
  sqlite3_finalize(s);
  sqlite3_close(db);
  return value;
}

void sqlite_exec(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_close(db);
}

TEST(ServiceDatabase, ANewDatabaseHasTheCurrentSchemaAndReopensWithoutMigrating) {
  const test::ScratchDir dir;
  const std::string folder = dir.file("data");
  {
    ServiceDatabase db(folder);
    EXPECT_EQ(db.schema_version(), ServiceDatabase::current_schema_version());
    EXPECT_EQ(db.path(), folder + "/service.db");
    db.execute("INSERT INTO audit_log (at, action, object, detail) VALUES (1, 'test', 'x', '')");
  }
  EXPECT_EQ(sqlite_integer(folder + "/service.db", "PRAGMA user_version"), ServiceDatabase::current_schema_version());
  EXPECT_EQ(sqlite_integer(folder + "/service.db", "PRAGMA application_id"), 0x4D534C56);
  ServiceDatabase again(folder);
  EXPECT_EQ(integer_of(again.query("SELECT count(*) FROM audit_log").at(0).at(0)), 1);
}

TEST(ServiceDatabase, ADatabaseOfANewerSchemaOrAnotherProgramIsRefusedAndLeftAlone) {
  const test::ScratchDir dir;
  { ServiceDatabase db(dir.file("newer")); }
  const std::string newer = dir.file("newer") + "/service.db";
  sqlite_exec(newer, "PRAGMA user_version = 99");
  try {
    ServiceDatabase db(dir.file("newer"));
    FAIL() << "opened a database of schema 99";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(newer + ": written with schema version 99 by a newer molsieve"),
              std::string::npos)
        << e.what();
  }
  EXPECT_EQ(sqlite_integer(newer, "PRAGMA user_version"), 99);

  std::filesystem::create_directories(dir.file("other"));
  const std::string other = dir.file("other") + "/service.db";
  sqlite_exec(other, "CREATE TABLE notes (text TEXT)");
  EXPECT_THROW(
      {
        try {
          ServiceDatabase db(dir.file("other"));
        } catch (const Error& e) {
          EXPECT_NE(std::string(e.what()).find("not a molsieve service database"), std::string::npos) << e.what();
          throw;
        }
      },
      Error);
  EXPECT_EQ(sqlite_integer(other, "SELECT count(*) FROM sqlite_master WHERE name = 'users'"), 0);
  // Not even switched to WAL: bytes 18 and 19 of a SQLite header are 1 for a rollback journal, 2 for WAL.
  const std::string header = test::read_text(other).substr(0, 20);
  EXPECT_EQ(header[18], 1);
  EXPECT_EQ(header[19], 1);
  EXPECT_FALSE(std::filesystem::exists(other + "-wal"));

  std::filesystem::create_directories(dir.file("text"));
  std::ofstream(dir.file("text") + "/service.db") << "this is not SQLite at all, but a user's notes\n";
  EXPECT_THROW(ServiceDatabase(dir.file("text")), Error);
}

TEST(ServiceDatabase, ATransactionThatThrowsLeavesNothingBehind) {
  const test::ScratchDir dir;
  ServiceDatabase db(dir.file("data"));
  EXPECT_THROW(db.transaction([&] {
    db.execute("INSERT INTO audit_log (at, action, object, detail) VALUES (1, 'a', 'x', '')");
    throw Error("stop");
  }),
               Error);
  EXPECT_EQ(integer_of(db.query("SELECT count(*) FROM audit_log").at(0).at(0)), 0);
}

class ServiceAccounts : public ::testing::Test {
 protected:
  ServiceAccounts() : db_(dir_.file("data")), accounts_(db_, {}, clock_.function()) {}
  User admin() {
    const auto password = accounts_.create_first_administrator();
    EXPECT_TRUE(password.has_value());
    const LoginOutcome login = accounts_.log_in("admin", *password, "127.0.0.1");
    EXPECT_TRUE(login.session.has_value());
    return login.session->user;
  }
  test::ScratchDir dir_;
  TestClock clock_;
  ServiceDatabase db_;
  Accounts accounts_;
};

TEST_F(ServiceAccounts, TheFirstStartMakesOneAdministratorWhosePasswordIsStoredOnlyAsAnArgon2idHash) {
  const auto password = accounts_.create_first_administrator();
  ASSERT_TRUE(password.has_value());
  EXPECT_GE(password->size(), 24u);
  EXPECT_FALSE(accounts_.create_first_administrator().has_value());  // only on the first start
  const auto rows = db_.query("SELECT name, role, password_hash FROM users");
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(text_of(rows[0][0]), "admin");
  EXPECT_EQ(text_of(rows[0][1]), "administrator");
  const std::string& hash = text_of(rows[0][2]);
  EXPECT_EQ(hash.rfind("$argon2id$", 0), 0u) << hash;
  EXPECT_EQ(hash.find(*password), std::string::npos);
  EXPECT_TRUE(accounts_.log_in("admin", *password, "127.0.0.1").session.has_value());
  EXPECT_FALSE(accounts_.log_in("admin", *password + "x", "127.0.0.1").session.has_value());
}

TEST_F(ServiceAccounts, ASessionIsOpenedByItsTokenAloneUntilItExpiresOrLogsOut) {
  const User by = admin();
  accounts_.create_user(by, "maria", "correct horse battery", Role::Chemist);
  const LoginOutcome login = accounts_.log_in("maria", "correct horse battery", "10.0.0.7");
  ASSERT_TRUE(login.session.has_value());
  const Session& s = *login.session;
  EXPECT_EQ(s.token.size(), 64u);
  EXPECT_EQ(s.csrf_token.size(), 64u);
  EXPECT_NE(s.token, s.csrf_token);
  EXPECT_EQ(s.user.role, Role::Chemist);
  // The database holds the token's hash, not the token: a copy of it opens no session.
  Sha256 sha;
  sha.update(s.token.data(), s.token.size());
  const std::string hash = sha.hex_digest();
  EXPECT_EQ(db_.query("SELECT count(*) FROM sessions WHERE token_hash = ?", {hash}).at(0).at(0), SqlValue(std::int64_t{1}));
  EXPECT_EQ(db_.query("SELECT count(*) FROM sessions WHERE token_hash = ?", {s.token}).at(0).at(0), SqlValue(std::int64_t{0}));
  EXPECT_FALSE(accounts_.session(hash).has_value());

  const auto open = accounts_.session(s.token);
  ASSERT_TRUE(open.has_value());
  EXPECT_EQ(open->user.name, "maria");
  EXPECT_EQ(open->csrf_token, s.csrf_token);
  clock_.now = s.expires_at;
  EXPECT_FALSE(accounts_.session(s.token).has_value());

  clock_.now += 1;
  const LoginOutcome again = accounts_.log_in("maria", "correct horse battery", "10.0.0.7");
  ASSERT_TRUE(again.session.has_value());
  accounts_.log_out(again.session->token);
  EXPECT_FALSE(accounts_.session(again.session->token).has_value());
}

TEST_F(ServiceAccounts, RepeatedFailuresRefuseTheNameForTheWindowWithoutCheckingThePassword) {
  const User by = admin();
  accounts_.create_user(by, "tom", "a long enough password", Role::TrialDesigner);
  for (int i = 0; i < 5; ++i) {
    const LoginOutcome wrong = accounts_.log_in("tom", "guess " + std::to_string(i), "203.0.113.9");
    EXPECT_FALSE(wrong.session.has_value());
    EXPECT_FALSE(wrong.rate_limited) << i;
    clock_.now += 10;
  }
  const LoginOutcome refused = accounts_.log_in("tom", "a long enough password", "198.51.100.1");
  EXPECT_TRUE(refused.rate_limited);
  EXPECT_FALSE(refused.session.has_value());  // even the right password, while limited
  EXPECT_EQ(refused.retry_after, 15 * 60 - 50);
  clock_.now += refused.retry_after;
  EXPECT_TRUE(accounts_.log_in("tom", "a long enough password", "198.51.100.1").session.has_value());
  EXPECT_GE(integer_of(db_.query("SELECT count(*) FROM audit_log WHERE action = 'login_refused'").at(0).at(0)), 1);
}

TEST_F(ServiceAccounts, OneClientTryingManyNamesIsRefusedToo) {
  admin();
  for (int i = 0; i < 20; ++i) accounts_.log_in("user" + std::to_string(i), "whatever it is", "192.0.2.66");
  EXPECT_TRUE(accounts_.log_in("someone", "whatever it is", "192.0.2.66").rate_limited);
  EXPECT_FALSE(accounts_.log_in("someone", "whatever it is", "192.0.2.67").rate_limited);
}

TEST_F(ServiceAccounts, OnlyAnAdministratorCreatesUsersAndBadNamesAndPasswordsAreRefused) {
  const User by = admin();
  const User chemist = accounts_.create_user(by, "ana", "twelve chars!", Role::Chemist);
  EXPECT_THROW(accounts_.create_user(chemist, "eve", "twelve chars!", Role::Administrator), Error);
  EXPECT_THROW(accounts_.create_user(by, "ana", "twelve chars!", Role::Chemist), Error);  // taken
  EXPECT_THROW(accounts_.create_user(by, "bob", "short", Role::Chemist), Error);
  EXPECT_THROW(accounts_.create_user(by, "", "twelve chars!", Role::Chemist), Error);
  EXPECT_THROW(accounts_.create_user(by, "line\nbreak", "twelve chars!", Role::Chemist), Error);
  EXPECT_THROW(parse_role("superuser"), Error);
  EXPECT_EQ(parse_role("trial_designer"), Role::TrialDesigner);
  EXPECT_EQ(integer_of(db_.query("SELECT count(*) FROM users").at(0).at(0)), 2);
}

TEST_F(ServiceAccounts, SqlInNamesAndPasswordsIsStoredAsTextNeverRun) {
  const User by = admin();
  const std::string name = "x'); DROP TABLE users; --";
  const std::string password = "' OR '1'='1' -- and more";
  accounts_.create_user(by, name, password, Role::Chemist);
  EXPECT_FALSE(accounts_.log_in("admin' --", password, "127.0.0.1").session.has_value());
  const LoginOutcome login = accounts_.log_in(name, password, "127.0.0.1");
  ASSERT_TRUE(login.session.has_value());
  EXPECT_EQ(login.session->user.name, name);
  EXPECT_EQ(integer_of(db_.query("SELECT count(*) FROM users").at(0).at(0)), 2);
  EXPECT_EQ(text_of(db_.query("SELECT object FROM audit_log WHERE action = 'create_user' ORDER BY id DESC").at(0).at(0)),
            "user:" + name);
}

}  // namespace
}  // namespace molsieve::workflows::service
