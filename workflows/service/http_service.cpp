#include "workflows/service/http_service.h"

#include <httplib.h>
#include <nlohmann/json.hpp>
#include <sodium.h>

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

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
  ServiceDatabase database;  // shared by the request threads (it locks itself)
  Accounts accounts;
  std::optional<std::string> first_password;
  std::unique_ptr<httplib::Server> server;
  int port = 0;

  explicit State(const ServeOptions& o) : options(o), lock(o.data_folder), database(o.data_folder), accounts(database) {}

  // The caller's address: the connection's, or, from the trusted proxy, the last address it
  // appended to X-Forwarded-For (the ones before it are the client's own claims).
  std::string client_of(const httplib::Request& req) const {
    if (options.trusted_proxy.empty() || req.remote_addr != options.trusted_proxy) return req.remote_addr;
    std::string forwarded = req.get_header_value("X-Forwarded-For");
    forwarded.erase(0, forwarded.find_last_of(',') + 1);  // npos + 1 is 0: a single address stays whole
    forwarded.erase(0, forwarded.find_first_not_of(' '));
    forwarded.erase(forwarded.find_last_not_of(' ') + 1);
    return forwarded.empty() ? req.remote_addr : forwarded;
  }

  // The session a request's cookie opens, if any.
  std::optional<Session> session_of(const httplib::Request& req) {
    const std::string token = cookie(req, kSessionCookie);
    if (token.empty()) return std::nullopt;
    return accounts.session(token);
  }

  // Secure whenever the browser reaches the service over TLS: served here, or by the proxy.
  std::string cookie_attributes() const {
    return std::string("; Path=/; HttpOnly; SameSite=Strict") +
           (server_is_https() || !options.trusted_proxy.empty() ? "; Secure" : "");
  }

  void log_in(const httplib::Request& req, httplib::Response& res) {
    json body;
    try {
      body = json::parse(req.body);
    } catch (const json::parse_error&) {
      return refuse(res, 400, "the body is not JSON");  // the parser's message quotes the body: a password, maybe
    }
    if (!body.is_object() || !body.contains("name") || !body.contains("password") || !body["name"].is_string() ||
        !body["password"].is_string())
      return refuse(res, 400, "the body must be {\"name\": \"...\", \"password\": \"...\"}");
    const LoginOutcome outcome =
        accounts.log_in(body["name"].get<std::string>(), body["password"].get<std::string>(), client_of(req));
    if (outcome.rate_limited) {
      res.set_header("Retry-After", std::to_string(outcome.retry_after));
      return refuse(res, 429, "too many failed logins; try again in " + std::to_string(outcome.retry_after) + " s");
    }
    if (!outcome.session) return refuse(res, 401, "wrong user name or password");
    const Session& s = *outcome.session;
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + s.token + cookie_attributes());
    reply(res, 200, {{"user", user_json(s.user)}, {"csrf_token", s.csrf_token}, {"expires_at", s.expires_at}});
  }

  void current(const httplib::Request& req, httplib::Response& res) {
    const auto s = session_of(req);
    if (!s) return refuse(res, 401, "log in first (POST /api/v1/session)");
    reply(res, 200, {{"user", user_json(s->user)}, {"csrf_token", s->csrf_token}, {"expires_at", s->expires_at}});
  }

  void log_out(const httplib::Request& req, httplib::Response& res) {
    accounts.log_out(cookie(req, kSessionCookie));  // the CSRF check passed before routing
    res.set_header("Set-Cookie", std::string(kSessionCookie) + "=" + cookie_attributes() + "; Max-Age=0");
    res.status = 204;
  }

  // Any other path under /api/v1: 401 before 404, so that an anonymous caller learns nothing
  // of what exists.
  void unknown(const httplib::Request& req, httplib::Response& res) {
    if (!session_of(req)) return refuse(res, 401, "log in first (POST /api/v1/session)");
    refuse(res, 404, "no " + req.method + " " + req.path + " in this API (GET /api/v1/openapi.json lists it)");
  }

  // What every request must meet before a handler runs, in one place so that no route can
  // forget it: no body of unknown length (chunked or compressed bodies would escape the size
  // limit), JSON bodies only, and on every state change but the login a session and its
  // CSRF token (compared in constant time).
  httplib::Server::HandlerResponse screen(const httplib::Request& req, httplib::Response& res) {
    using Outcome = httplib::Server::HandlerResponse;
    if (req.has_header("Transfer-Encoding") || req.has_header("Content-Encoding")) {
      refuse(res, 411, "send the body with a Content-Length, uncompressed");
      return Outcome::Handled;
    }
    const bool reads = req.method == "GET" || req.method == "HEAD";
    if (reads) return Outcome::Unhandled;
    // Before routing the body is not read yet: its Content-Length says whether there is one.
    const bool has_body = req.has_header("Content-Length") && req.get_header_value("Content-Length") != "0";
    if (has_body && req.get_header_value("Content-Type").rfind("application/json", 0) != 0) {
      refuse(res, 415, "the body must be JSON (Content-Type: application/json)");
      return Outcome::Handled;
    }
    if (req.method == "POST" && req.path == "/api/v1/session") return Outcome::Unhandled;
    const auto s = session_of(req);
    if (!s) {
      refuse(res, 401, "log in first (POST /api/v1/session)");
      return Outcome::Handled;
    }
    const std::string sent = req.get_header_value(kCsrfHeader);
    if (sent.size() != s->csrf_token.size() || sodium_memcmp(sent.data(), s->csrf_token.data(), sent.size()) != 0) {
      refuse(res, 403, std::string("a state change needs the session's CSRF token in ") + kCsrfHeader);
      return Outcome::Handled;
    }
    return Outcome::Unhandled;
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
    s.set_pre_routing_handler([this](const httplib::Request& req, httplib::Response& res) { return screen(req, res); });
    // An exception in a handler: a plain 500, never its message (paths, SQLite's words).
    s.set_exception_handler([](const httplib::Request&, httplib::Response& res, std::exception_ptr) {
      refuse(res, 500, "the service failed on this request");
    });
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
  s.first_password = s.accounts.create_first_administrator();
}

HttpService::~HttpService() = default;

int HttpService::bound_port() const { return state_->port; }
bool HttpService::https() const { return state_->server_is_https(); }
const std::optional<std::string>& HttpService::first_administrator_password() const { return state_->first_password; }

void HttpService::serve() { state_->server->listen_after_bind(); }
bool HttpService::running() const { return state_->server->is_running(); }
void HttpService::stop() { state_->server->stop(); }

}  // namespace molsieve::workflows::service
