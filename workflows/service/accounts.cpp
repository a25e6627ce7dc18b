#include "workflows/service/accounts.h"

#include <sodium.h>

#include <algorithm>
#include <chrono>
#include <mutex>
#include <tuple>

#include "core/error.h"
#include "core/sha256.h"

namespace molsieve::workflows::service {

namespace {

constexpr std::size_t kMaxNameLength = 64;
constexpr std::size_t kMaxPasswordLength = 1024;

void initialize_sodium() {
  static std::once_flag once;
  static bool ready = false;
  std::call_once(once, [] { ready = sodium_init() >= 0; });
  if (!ready) throw Error("libsodium cannot start (no source of randomness)");
}

std::string random_hex(std::size_t bytes) {
  std::string raw(bytes, '\0');
  randombytes_buf(raw.data(), raw.size());
  std::string hex(2 * bytes + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), reinterpret_cast<const unsigned char*>(raw.data()), raw.size());
  hex.pop_back();
  return hex;
}

std::string hash_password(const std::string& password) {
  char hash[crypto_pwhash_STRBYTES];
  if (crypto_pwhash_str_alg(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_INTERACTIVE,
                            crypto_pwhash_MEMLIMIT_INTERACTIVE, crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw Error("cannot hash a password: out of memory (Argon2id needs 64 MiB)");
  return hash;
}

bool password_matches(const std::string& hash, const std::string& password) {
  return crypto_pwhash_str_verify(hash.c_str(), password.data(), password.size()) == 0;
}

// What an unknown name is checked against, so that a wrong name takes as long as a wrong
// password and the timing does not tell which names exist.
const std::string& decoy_hash() {
  static const std::string hash = hash_password(random_hex(16));
  return hash;
}

std::string token_hash(const std::string& token) {
  Sha256 sha;
  sha.update(token.data(), token.size());
  return sha.hex_digest();
}

std::int64_t system_now() {
  return std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

void check_name(const std::string& name) {
  if (name.empty() || name.size() > kMaxNameLength)
    throw Error("user name: 1 to " + std::to_string(kMaxNameLength) + " characters");
  for (unsigned char c : name)
    if (c < 0x20 || c == 0x7f) throw Error("user name: no control characters");
}

}  // namespace

std::string role_name(Role role) {
  switch (role) {
    case Role::Administrator: return "administrator";
    case Role::Chemist: return "chemist";
    case Role::TrialDesigner: return "trial_designer";
  }
  return "";
}

Role parse_role(const std::string& name) {
  for (Role role : {Role::Administrator, Role::Chemist, Role::TrialDesigner})
    if (role_name(role) == name) return role;
  throw Error("role '" + name + "': not a role (administrator, chemist, trial_designer)");
}

Accounts::Accounts(ServiceDatabase& database, AccountLimits limits, std::function<std::int64_t()> now)
    : db_(database), limits_(limits), now_(now ? std::move(now) : system_now) {
  initialize_sodium();
  decoy_hash();  // made now, so that the first unknown name is not slower than the rest
}

std::optional<std::string> Accounts::create_first_administrator() {
  std::optional<std::string> password;
  db_.transaction([&] {
    if (integer_of(db_.query("SELECT count(*) FROM users").at(0).at(0)) > 0) return;
    password = random_hex(12);
    const std::int64_t id =
        db_.execute("INSERT INTO users (name, password_hash, role, created_at) VALUES ('admin', ?, 'administrator', ?)",
                    {hash_password(*password), now_()});
    const User admin{id, "admin", Role::Administrator};
    audit(&admin, "create_user", "user:admin", "the first administrator, made on the first start");
  });
  return password;
}

User Accounts::create_user(const User& by, const std::string& name, const std::string& password, Role role) {
  if (by.role != Role::Administrator) throw Error("only an administrator creates users");
  check_name(name);
  if (password.size() < limits_.min_password_length || password.size() > kMaxPasswordLength)
    throw Error("password of " + name + ": " + std::to_string(limits_.min_password_length) + " to " +
                std::to_string(kMaxPasswordLength) + " characters");
  User user{0, name, role};
  const std::string hash = hash_password(password);  // outside the transaction: it takes a while
  db_.transaction([&] {
    if (!db_.query("SELECT id FROM users WHERE name = ?", {name}).empty())
      throw Error("user name '" + name + "' is taken");
    user.id = db_.execute("INSERT INTO users (name, password_hash, role, created_at) VALUES (?, ?, ?, ?)",
                          {name, hash, role_name(role), now_()});
    audit(&by, "create_user", "user:" + name, "role " + role_name(role));
  });
  return user;
}

LoginOutcome Accounts::log_in(const std::string& name, const std::string& password, const std::string& client) {
  const std::int64_t now = now_(), since = now - limits_.attempt_window_seconds;
  // What the attempt is recorded as: a name no user can have is cut and cleaned first, so
  // that a caller cannot fill the log with megabytes or control characters.
  std::string recorded = name.substr(0, kMaxNameLength);
  for (char& c : recorded)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) c = '?';
  LoginOutcome outcome;
  std::optional<SqlRow> user;
  std::int64_t attempt = 0;
  // Limits checked and the attempt recorded as a failure in one transaction, before the slow
  // password check runs outside it: concurrent guesses cannot slip past the limit, and other
  // requests do not wait behind Argon2id.
  db_.transaction([&] {
    db_.execute("DELETE FROM login_attempts WHERE at <= ?", {since});
    db_.execute("DELETE FROM sessions WHERE expires_at <= ?", {now});
    for (const auto& [column, value, limit] : {std::tuple{"user_name", recorded, limits_.failures_per_name},
                                               std::tuple{"client", client, limits_.failures_per_client}}) {
      const SqlRow row = db_.query(std::string("SELECT count(*), min(at) FROM login_attempts WHERE succeeded = 0 AND "
                                               "at > ? AND ") + column + " = ?",
                                   {since, value})
                             .at(0);
      if (integer_of(row[0]) < limit) continue;
      outcome.rate_limited = true;
      outcome.retry_after = std::max<std::int64_t>(1, integer_of(row[1]) + limits_.attempt_window_seconds - now);
      audit(nullptr, "login_refused", "user:" + recorded, "rate limited, from " + client);
      return;
    }
    const auto found = db_.query("SELECT id, password_hash, role FROM users WHERE name = ?", {name});
    if (!found.empty()) user = found[0];
    attempt = db_.execute("INSERT INTO login_attempts (user_name, client, at, succeeded) VALUES (?, ?, ?, 0)",
                          {recorded, client, now});
  });
  if (outcome.rate_limited) return outcome;
  const bool matches = password.size() <= kMaxPasswordLength &&
                       password_matches(user ? text_of((*user)[1]) : decoy_hash(), password) && user;
  if (!matches) {
    audit(nullptr, "login_failed", "user:" + recorded, "from " + client);
    return outcome;
  }
  Session session{random_hex(32), random_hex(32), {integer_of((*user)[0]), name, parse_role(text_of((*user)[2]))},
                  now + limits_.session_seconds};
  db_.transaction([&] {
    db_.execute("UPDATE login_attempts SET succeeded = 1 WHERE id = ?", {attempt});
    db_.execute("INSERT INTO sessions (token_hash, user_id, csrf_token, created_at, expires_at) VALUES (?, ?, ?, ?, ?)",
                {token_hash(session.token), session.user.id, session.csrf_token, now, session.expires_at});
    audit(&session.user, "login", "user:" + name, "from " + client);
  });
  outcome.session = std::move(session);
  return outcome;
}

std::optional<Session> Accounts::session(const std::string& token) {
  const auto rows = db_.query(
      "SELECT users.id, users.name, users.role, sessions.csrf_token, sessions.expires_at FROM sessions "
      "JOIN users ON users.id = sessions.user_id WHERE sessions.token_hash = ? AND sessions.expires_at > ?",
      {token_hash(token), now_()});
  if (rows.empty()) return std::nullopt;
  const SqlRow& r = rows[0];
  return Session{token, text_of(r[3]), {integer_of(r[0]), text_of(r[1]), parse_role(text_of(r[2]))}, integer_of(r[4])};
}

void Accounts::log_out(const std::string& token) {
  const std::optional<Session> open = session(token);
  db_.execute("DELETE FROM sessions WHERE token_hash = ? OR expires_at <= ?", {token_hash(token), now_()});
  if (open) audit(&open->user, "logout", "user:" + open->user.name);
}

void Accounts::audit(const User* user, const std::string& action, const std::string& object, const std::string& detail) {
  db_.execute("INSERT INTO audit_log (at, user_id, action, object, detail) VALUES (?, ?, ?, ?, ?)",
              {now_(), user ? SqlValue(user->id) : SqlValue(nullptr), action, object, detail});
}

}  // namespace molsieve::workflows::service
