#pragma once
// Who may use the web service: users with roles, Argon2id password hashes (libsodium),
// sessions with their CSRF tokens, login rate limiting and the audit log. Session tokens are
// kept only as SHA-256 hashes, so the database alone opens no session.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "workflows/service/service_database.h"

namespace molsieve::workflows::service {

enum class Role { Administrator, Chemist, TrialDesigner };
std::string role_name(Role role);  // "administrator", "chemist", "trial_designer"
// Throws molsieve::Error naming the value and the roles there are.
Role parse_role(const std::string& name);

struct User {
  std::int64_t id = 0;
  std::string name;
  Role role = Role::Chemist;
};

struct Session {
  std::string token;       // the cookie's value; only its hash is stored
  std::string csrf_token;  // sent back on every state change
  User user;
  std::int64_t expires_at = 0;  // seconds since the epoch
};

struct LoginOutcome {
  std::optional<Session> session;  // set when the name and password matched
  // Refused without checking the password: too many failures for this name or client lately.
  bool rate_limited = false;
  std::int64_t retry_after = 0;  // seconds, when rate limited
};

struct AccountLimits {
  std::int64_t session_seconds = 8 * 3600;
  std::int64_t attempt_window_seconds = 15 * 60;
  int failures_per_name = 5;     // in the window, before that name is refused
  int failures_per_client = 20;  // in the window, before that client address is refused
  std::size_t min_password_length = 12;
};

class Accounts {
 public:
  // `now`: seconds since the epoch (the tests move it).
  Accounts(ServiceDatabase& database, AccountLimits limits = {}, std::function<std::int64_t()> now = {});

  // On the first start (no user yet): an administrator named "admin" with a random password,
  // returned for the one message that shows it; nothing else keeps it in the clear.
  std::optional<std::string> create_first_administrator();
  // `by` must be an administrator; throws molsieve::Error for a taken name, an empty or
  // over-long name, or a password shorter than the limit.
  User create_user(const User& by, const std::string& name, const std::string& password, Role role);

  LoginOutcome log_in(const std::string& name, const std::string& password, const std::string& client);
  // The unexpired session a token opens.
  std::optional<Session> session(const std::string& token);
  void log_out(const std::string& token);

  // One line of the audit log (who, what, on which object); `user` absent for the service itself.
  void audit(const User* user, const std::string& action, const std::string& object, const std::string& detail = "");

 private:
  ServiceDatabase& db_;
  AccountLimits limits_;
  std::function<std::int64_t()> now_;
};

}  // namespace molsieve::workflows::service
