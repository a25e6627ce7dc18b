#include "workflows/service/http_service.h"

#include <httplib.h>
#include <nlohmann/json.hpp>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <mutex>

#include "core/error.h"
#include "workflows/service/accounts.h"
#include "workflows/service/service_database.h"

namespace molsieve::workflows::service {

namespace {

using nlohmann::json;

constexpr const char* kSessionCookie = "molsieve_session";
constexpr const char* kCsrfHeader = "X-CSRF-Token";

void reply(httplib::Response& res, int status, const json& body) {
  res.status = status;
  res.set_header("Cache-Control", "no-store");
  res.set_header("X-Content-Type-Options", "nosniff");
  res.set_content(body.dump(), "application/json");
}

void refuse(httplib::Response& res, int status, const std::string& message) { reply(res, status, {{"error", message}}); }

// The value of cookie `name` in a Cookie header ("a=1; molsieve_session=..."), or "".
std::string cookie(const httplib::Request& req, const std::string& name) {
  const std::string header = req.get_header_value("Cookie");
  for (std::size_t at = 0; at < header.size();) {
    std::size_t end = header.find(';', at);
    if (end == std::string::npos) end = header.size();
    std::string pair = header.substr(at, end - at);
    pair.erase(0, pair.find_first_not_of(' '));
    if (pair.compare(0, name.size() + 1, name + "=") == 0) return pair.substr(name.size() + 1);
    at = end + 1;
  }
  return "";
}

json user_json(const User& user) { return {{"name", user.name}, {"role", role_name(user.role)}}; }

// The API as OpenAPI 3.0: what each endpoint takes and answers.
json openapi_document() {
  const json error = {{"description", "the reason, as {\"error\": \"...\"}"}};
  return {
      {"openapi", "3.0.3"},
      {"info", {{"title", "molsieve service"}, {"version", "1"}}},
      {"components",
       {{"securitySchemes",
         {{"session", {{"type", "apiKey"}, {"in", "cookie"}, {"name", kSessionCookie}}},
          {"csrf", {{"type", "apiKey"}, {"in", "header"}, {"name", kCsrfHeader}}}}}}},
      {"paths",
       {{"/api/v1/openapi.json", {{"get", {{"summary", "this document"}, {"security", json::array()},
                                           {"responses", {{"200", {{"description", "OpenAPI 3.0"}}}}}}}}},
        {"/api/v1/session",
         {{"post",
           {{"summary", "log in with {\"name\", \"password\"}: sets the session cookie, returns the user and its CSRF token"},
            {"security", json::array()},
            {"responses",
             {{"200", {{"description", "{\"user\": {\"name\", \"role\"}, \"csrf_token\"}"}}},
              {"400", error},
              {"401", error},
              {"429", {{"description", "too many failed logins lately; Retry-After says when to try again"}}}}}}},
          {"get",
           {{"summary", "the logged-in user and its CSRF token"},
            {"security", json::array({{{"session", json::array()}}})},
            {"responses", {{"200", {{"description", "{\"user\", \"csrf_token\"}"}}}, {"401", error}}}}},
          {"delete",
           {{"summary", "log out"},
            {"security", json::array({{{"session", json::array()}, {"csrf", json::array()}}})},
            {"responses", {{"204", {{"description", "logged out"}}}, {"401", error}, {"403", error}}}}}}}}}};
}

// One service per data folder: an exclusive lock on <folder>/service.lock, held while it runs
// (the kernel releases it when the process ends, however it ends).
class FolderLock {
 public:
  explicit FolderLock(const std::string& folder) {
    std::filesystem::create_directories(folder);
    const std::string path = (std::filesystem::path(folder) / "service.lock").string();
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
    if (fd_ < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
    if (flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      close(fd_);
      throw Error(folder + ": another molsieve serve uses this data folder");
    }
  }
  ~FolderLock() { close(fd_); }
  FolderLock(const FolderLock&) = delete;
  FolderLock& operator=(const FolderLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace

struct HttpService::State {
  ServeOptions options;
  FolderLock lock;
  ServiceDatabase database;
  std::mutex database_mutex;  // one SQLite connection: one request at a time touches it
  Accounts accounts;
  std::optional<std::string> first_password;
  std::unique_ptr<httplib::Server> server;
  int port = 0;

  explicit State(const ServeOptions& o) : options(o), lock(o.data_folder), database(o.data_folder), accounts(database) {}

  // The session a request's cookie opens, if any.
  std::optional<Session> session_of(const httplib::Request& req) {
    const std::string token = cookie(req, kSessionCookie);
    if (token.empty()) return std::nullopt;
    const std::lock_guard<std::mutex> lock(database_mutex);
    return accounts.session(token);
  }

  void log_in(const httplib::Request& req, httplib::Response& res) {
    json body;
    try {
      body = json::parse(req.body);
    } catch (const json::parse_error& e) {
      return refuse(res, 400, std::string("the body is not JSON: ") + e.what());
    }
    if (!body.is_object() || !body.contains("name") || !body.contains("password") || !body["name"].is_string() ||
        !body["password"].is_string())
      return refuse(res, 400, "the body must be {\"name\": \"...\", \"password\": \"...\"}");
    LoginOutcome outcome;
    {
      const std::lock_guard<std::mutex> lock(database_mutex);
      outcome = accounts.log_in(body["name"].get<std::string>(), body["password"].get<std::string>(), req.remote_addr);
    }
    if (outcome.rate_limited) {
      res.set_header("Retry-After", std::to_string(outcome.retry_after));
      return refuse(res, 429, "too many failed logins; try again in " + std::to_string(outcome.retry_after) + " s");
    }
    if (!outcome.session) return refuse(res, 401, "wrong user name or password");
    const Session& s = *outcome.session;
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + s.token + "; Path=/; HttpOnly; SameSite=Strict" +
                                     (server_is_https() ? "; Secure" : ""));
    reply(res, 200, {{"user", user_json(s.user)}, {"csrf_token", s.csrf_token}, {"expires_at", s.expires_at}});
  }

  void current(const httplib::Request& req, httplib::Response& res) {
    const auto s = session_of(req);
    if (!s) return refuse(res, 401, "log in first (POST /api/v1/session)");
    reply(res, 200, {{"user", user_json(s->user)}, {"csrf_token", s->csrf_token}, {"expires_at", s->expires_at}});
  }

  void log_out(const httplib::Request& req, httplib::Response& res) {
    const auto s = session_of(req);
    if (!s) return refuse(res, 401, "log in first (POST /api/v1/session)");
    if (req.get_header_value(kCsrfHeader) != s->csrf_token)
      return refuse(res, 403, std::string("a state change needs the session's CSRF token in ") + kCsrfHeader);
    {
      const std::lock_guard<std::mutex> lock(database_mutex);
      accounts.log_out(s->token);
    }
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0");
    res.status = 204;
  }

  // Any other path under /api/v1: 401 before 404, so that an anonymous caller learns nothing
  // of what exists.
  void unknown(const httplib::Request& req, httplib::Response& res) {
    if (!session_of(req)) return refuse(res, 401, "log in first (POST /api/v1/session)");
    refuse(res, 404, "no " + req.method + " " + req.path + " in this API (GET /api/v1/openapi.json lists it)");
  }

  bool server_is_https() const { return !options.certificate.empty(); }

  void add_routes() {
    httplib::Server& s = *server;
    // SO_REUSEADDR alone: cpp-httplib's default adds SO_REUSEPORT, with which a second
    // service would share the port silently instead of being told it is taken.
    s.set_socket_options([](socket_t sock) {
      const int yes = 1;
      setsockopt(sock, SOL_SOCKET, SO_REUSEADDR, &yes, sizeof yes);
    });
    s.set_payload_max_length(options.max_request_bytes);
    s.Get("/api/v1/openapi.json", [](const httplib::Request&, httplib::Response& res) { reply(res, 200, openapi_document()); });
    s.Post("/api/v1/session", [this](const httplib::Request& req, httplib::Response& res) { log_in(req, res); });
    s.Get("/api/v1/session", [this](const httplib::Request& req, httplib::Response& res) { current(req, res); });
    s.Delete("/api/v1/session", [this](const httplib::Request& req, httplib::Response& res) { log_out(req, res); });
    const auto fallback = [this](const httplib::Request& req, httplib::Response& res) { unknown(req, res); };
    s.Get(R"(/api/v1/.*)", fallback);
    s.Post(R"(/api/v1/.*)", fallback);
    s.Put(R"(/api/v1/.*)", fallback);
    s.Patch(R"(/api/v1/.*)", fallback);
    s.Delete(R"(/api/v1/.*)", fallback);
    // A body over the limit is refused before any handler runs; say so in the API's words.
    s.set_error_handler([](const httplib::Request&, httplib::Response& res) {
      if (res.status == 413) refuse(res, 413, "the request is larger than the service accepts (--max-upload-mb)");
    });
  }
};

HttpService::HttpService(const ServeOptions& options) : state_(std::make_unique<State>(options)) {
  State& s = *state_;
  const bool tls = !options.certificate.empty() || !options.private_key.empty();
  if (tls) {
    if (options.certificate.empty() || options.private_key.empty())
      throw Error("HTTPS needs both --certificate and --key");
    auto ssl = std::make_unique<httplib::SSLServer>(options.certificate.c_str(), options.private_key.c_str());
    if (!ssl->is_valid())
      throw Error(options.certificate + ", " + options.private_key + ": not a certificate and its private key (PEM)");
    s.server = std::move(ssl);
  } else {
    s.server = std::make_unique<httplib::Server>();
  }
  s.add_routes();
  s.port = options.port == 0 ? s.server->bind_to_any_port(options.host) : options.port;
  if (s.port <= 0 || (options.port != 0 && !s.server->bind_to_port(options.host, options.port)))
    throw Error(options.host + ":" + std::to_string(options.port) + ": cannot listen there (in use, or not this machine's)");
  const std::lock_guard<std::mutex> lock(s.database_mutex);
  s.first_password = s.accounts.create_first_administrator();
}

HttpService::~HttpService() = default;

int HttpService::bound_port() const { return state_->port; }
bool HttpService::https() const { return state_->server_is_https(); }
const std::optional<std::string>& HttpService::first_administrator_password() const { return state_->first_password; }

void HttpService::serve() { state_->server->listen_after_bind(); }
void HttpService::stop() { state_->server->stop(); }

}  // namespace molsieve::workflows::service
