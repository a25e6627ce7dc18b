// molsieve serve over a real loopback port: anonymous calls answered 401, logins that set an
// HttpOnly SameSite cookie, CSRF tokens on state changes, rate limits, bad bodies refused
// with their reasons, and a service killed with SIGKILL that starts again on its database.
#include <gtest/gtest.h>
#include <httplib.h>
#include <nlohmann/json.hpp>

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <regex>
#include <thread>

#include "test_support.h"

namespace molsieve::test {
namespace {

using nlohmann::json;

// `molsieve serve --listen 127.0.0.1:0 --data <data> [extra]`, its stderr in <data>.log.
class Server {
 public:
  Server(const ScratchDir& dir, const std::string& data, const std::vector<std::string>& extra = {})
      : log_(dir.file(data + ".log")) {
    std::vector<std::string> args{MOLSIEVE_BINARY, "serve", "--listen", "127.0.0.1:0", "--data", dir.file(data)};
    args.insert(args.end(), extra.begin(), extra.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    write_text(log_, "");  // emptied here, not by the child: an earlier start's lines must not be read as this one's
    pid_ = fork();
    if (pid_ == 0) {
      if (!freopen(log_.c_str(), "a", stderr)) _exit(126);
      execv(MOLSIEVE_BINARY, argv.data());
      _exit(127);
    }
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    std::smatch m;
    const std::regex listening("listening on http://127\\.0\\.0\\.1:([0-9]+) \\(data");  // the whole port
    while (std::chrono::steady_clock::now() < deadline) {
      const std::string text = read_text(log_);
      if (std::regex_search(text, m, listening)) {
        port_ = std::stoi(m[1]);
        std::smatch p;
        if (std::regex_search(text, p, std::regex("with the password ([0-9a-f]+)"))) password_ = p[1];
        return;
      }
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {
        pid_ = -1;
        return;  // it ended: log() says why
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
  }
  ~Server() { stop(SIGKILL); }
  // Sends `signal` and waits; the wait status.
  int stop(int signal) {
    if (pid_ <= 0) return -1;
    kill(pid_, signal);
    int status = 0;
    waitpid(pid_, &status, 0);
    pid_ = -1;
    return status;
  }
  int port() const { return port_; }
  const std::string& password() const { return password_; }
  std::string log() const { return read_text(log_); }
  httplib::Client client() const {
    httplib::Client c("127.0.0.1", port_);
    c.set_connection_timeout(10);
    c.set_read_timeout(30);
    return c;
  }

 private:
  std::string log_;
  pid_t pid_ = -1;
  int port_ = 0;
  std::string password_;
};

// A response's status; -1 when no response came (the service is down).
int status(const httplib::Result& r) { return r ? r->status : -1; }

std::string login_body(const std::string& name, const std::string& password) {
  return json{{"name", name}, {"password", password}}.dump();
}

// The molsieve_session cookie a login set ("" when none).
std::string session_cookie(const httplib::Result& r) {
  const std::string set = r->get_header_value("Set-Cookie");
  const auto end = set.find(';');
  return set.rfind("molsieve_session=", 0) == 0 ? set.substr(0, end) : "";
}

TEST(ServiceHttp, AnonymousCallsAreAnswered401AndTheOpenApiDocumentDescribesTheApi) {
  const ScratchDir dir;
  Server server(dir, "data");
  ASSERT_GT(server.port(), 0) << server.log();
  httplib::Client c = server.client();
  for (const char* path : {"/api/v1/session", "/api/v1/jobs", "/api/v1/populations/1/patients"}) {
    const auto r = c.Get(path);
    ASSERT_TRUE(r) << path;
    EXPECT_EQ(status(r), 401) << path;
    EXPECT_EQ(json::parse(r->body).at("error"), "log in first (POST /api/v1/session)") << path;
  }
  EXPECT_EQ(status(c.Delete("/api/v1/session")), 401);
  EXPECT_EQ(status(c.Post("/api/v1/jobs", "{}", "application/json")), 401);
  const auto doc = c.Get("/api/v1/openapi.json");
  ASSERT_EQ(status(doc), 200);
  const json api = json::parse(doc->body);
  EXPECT_EQ(api.at("openapi"), "3.0.3");
  for (const char* method : {"get", "post", "delete"}) EXPECT_TRUE(api["paths"]["/api/v1/session"].contains(method)) << method;
  EXPECT_EQ(api["components"]["securitySchemes"]["session"]["in"], "cookie");
}

TEST(ServiceHttp, ALoginSetsAnHttpOnlySameSiteCookieAndAWrongPasswordGets401) {
  const ScratchDir dir;
  Server server(dir, "data");
  ASSERT_FALSE(server.password().empty()) << server.log();
  httplib::Client c = server.client();
  const auto wrong = c.Post("/api/v1/session", login_body("admin", server.password() + "0"), "application/json");
  EXPECT_EQ(status(wrong), 401);
  EXPECT_TRUE(wrong->get_header_value("Set-Cookie").empty());
  const auto r = c.Post("/api/v1/session", login_body("admin", server.password()), "application/json");
  ASSERT_EQ(status(r), 200) << r->body;
  const std::string set = r->get_header_value("Set-Cookie");
  EXPECT_NE(set.find("; HttpOnly"), std::string::npos) << set;
  EXPECT_NE(set.find("; SameSite=Strict"), std::string::npos) << set;
  const json body = json::parse(r->body);
  EXPECT_EQ(body["user"]["name"], "admin");
  EXPECT_EQ(body["user"]["role"], "administrator");
  EXPECT_EQ(body["csrf_token"].get<std::string>().size(), 64u);
  EXPECT_EQ(body.dump().find(session_cookie(r).substr(17)), std::string::npos);  // the token is only in the cookie
  const auto me = c.Get("/api/v1/session", {{"Cookie", session_cookie(r)}});
  ASSERT_EQ(status(me), 200);
  EXPECT_EQ(json::parse(me->body)["user"]["name"], "admin");
  const auto unknown = c.Get("/api/v1/nothing-here", {{"Cookie", session_cookie(r)}});
  EXPECT_EQ(status(unknown), 404);
}

TEST(ServiceHttp, LoggingOutNeedsTheCsrfTokenAndEndsTheSession) {
  const ScratchDir dir;
  Server server(dir, "data");
  ASSERT_GT(server.port(), 0) << server.log();
  httplib::Client c = server.client();
  const auto r = c.Post("/api/v1/session", login_body("admin", server.password()), "application/json");
  ASSERT_EQ(status(r), 200) << r->body;
  const std::string cookie = session_cookie(r);
  const std::string csrf = json::parse(r->body)["csrf_token"];
  EXPECT_EQ(status(c.Delete("/api/v1/session", {{"Cookie", cookie}})), 403);
  EXPECT_EQ(status(c.Delete("/api/v1/session", {{"Cookie", cookie}, {"X-CSRF-Token", csrf + "0"}})), 403);
  EXPECT_EQ(status(c.Get("/api/v1/session", {{"Cookie", cookie}})), 200);  // still logged in
  EXPECT_EQ(status(c.Delete("/api/v1/session", {{"Cookie", cookie}, {"X-CSRF-Token", csrf}})), 204);
  EXPECT_EQ(status(c.Get("/api/v1/session", {{"Cookie", cookie}})), 401);
}

TEST(ServiceHttp, MalformedOversizedAndRepeatedlyWrongLoginsAreRefusedWithTheirReasons) {
  const ScratchDir dir;
  Server server(dir, "data", {"--max-upload-mb", "1"});
  ASSERT_GT(server.port(), 0) << server.log();
  httplib::Client c = server.client();
  const auto bad = c.Post("/api/v1/session", "{\"name\": ", "application/json");
  EXPECT_EQ(status(bad), 400);
  EXPECT_NE(json::parse(bad->body).at("error").get<std::string>().find("not JSON"), std::string::npos);
  EXPECT_EQ(status(c.Post("/api/v1/session", "[1, 2]", "application/json")), 400);
  EXPECT_EQ(status(c.Post("/api/v1/session", "{\"name\": 1, \"password\": \"x\"}", "application/json")), 400);
  const auto big = c.Post("/api/v1/session", std::string(2u << 20, 'x'), "application/json");
  ASSERT_TRUE(big);
  EXPECT_EQ(status(big), 413);
  // SQL and markup in a name are only a name that does not exist.
  EXPECT_EQ(status(c.Post("/api/v1/session", login_body("admin' OR '1'='1", "x"), "application/json")), 401);
  for (int i = 0; i < 5; ++i)
    EXPECT_EQ(status(c.Post("/api/v1/session", login_body("admin", "guess" + std::to_string(i)), "application/json")), 401);
  const auto limited = c.Post("/api/v1/session", login_body("admin", server.password()), "application/json");
  ASSERT_EQ(status(limited), 429);  // even the right password, for now
  ASSERT_TRUE(limited->has_header("Retry-After"));
  EXPECT_GT(std::stoi(limited->get_header_value("Retry-After")), 0);
}

// Bodies that would escape the size limit (chunked, or compressed and unpacked after the
// check) and bodies that are not JSON are refused before any handler reads them.
TEST(ServiceHttp, ChunkedCompressedAndNonJsonBodiesAreRefusedBeforeAnyHandler) {
  const ScratchDir dir;
  Server server(dir, "data", {"--max-upload-mb", "1"});
  ASSERT_GT(server.port(), 0) << server.log();
  httplib::Client c = server.client();
  const std::string login = login_body("admin", server.password());
  const auto chunked = c.Post(
      "/api/v1/session",
      [&](std::size_t offset, httplib::DataSink& sink) {
        if (offset == 0) sink.write(login.data(), login.size());
        sink.done();
        return true;
      },
      "application/json");
  EXPECT_EQ(status(chunked), 411);
  EXPECT_EQ(status(c.Post("/api/v1/session", {{"Content-Encoding", "gzip"}}, login, "application/json")), 411);
  // A cross-site form can send text/plain: it must not log a browser in.
  EXPECT_EQ(status(c.Post("/api/v1/session", login, "text/plain")), 415);
  EXPECT_EQ(status(c.Post("/api/v1/session", login, "application/json")), 200);
}

// Behind a reverse proxy every connection comes from the proxy: the client is the address it
// forwards, so one client's failures do not lock everyone out, and the cookie is Secure.
TEST(ServiceHttp, BehindATrustedProxyLimitsCountTheForwardedClientAndTheCookieIsSecure) {
  const ScratchDir dir;
  Server server(dir, "data", {"--trusted-proxy", "127.0.0.1"});
  ASSERT_GT(server.port(), 0) << server.log();
  httplib::Client c = server.client();
  const auto from = [](const std::string& address) { return httplib::Headers{{"X-Forwarded-For", "10.9.9.9, " + address}}; };
  for (int i = 0; i < 20; ++i)
    EXPECT_EQ(status(c.Post("/api/v1/session", from("203.0.113.5"), login_body("u" + std::to_string(i), "wrong password"),
                            "application/json")),
              401);
  EXPECT_EQ(status(c.Post("/api/v1/session", from("203.0.113.5"), login_body("admin", server.password()),
                          "application/json")),
            429);
  const auto other = c.Post("/api/v1/session", from("198.51.100.2"), login_body("admin", server.password()),
                            "application/json");
  ASSERT_EQ(status(other), 200);
  EXPECT_NE(other->get_header_value("Set-Cookie").find("; Secure"), std::string::npos);
}

TEST(ServiceHttp, ASigtermSentAsSoonAsItListensStopsItCleanly) {
  const ScratchDir dir;
  Server server(dir, "data");
  ASSERT_GT(server.port(), 0) << server.log();
  const int wait_status = server.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) << wait_status << "\n" << server.log();
}

TEST(ServiceHttp, KilledWithSigkillItStartsAgainOnItsDatabaseAndStopsCleanlyOnSigterm) {
  const ScratchDir dir;
  std::string cookie;
  {
    Server first(dir, "data");
    ASSERT_FALSE(first.password().empty()) << first.log();
    const auto r = first.client().Post("/api/v1/session", login_body("admin", first.password()), "application/json");
    ASSERT_EQ(status(r), 200);
    cookie = session_cookie(r);
    first.stop(SIGKILL);
  }
  Server second(dir, "data");
  ASSERT_GT(second.port(), 0) << second.log();
  EXPECT_TRUE(second.password().empty()) << second.log();  // the administrator exists: no new password
  EXPECT_EQ(status(second.client().Get("/api/v1/session", {{"Cookie", cookie}})), 200);
  const int wait_status = second.stop(SIGTERM);
  EXPECT_TRUE(WIFEXITED(wait_status) && WEXITSTATUS(wait_status) == 0) << wait_status << "\n" << second.log();
  EXPECT_NE(second.log().find("serve: stopped"), std::string::npos) << second.log();
}

TEST(ServiceHttp, AnAddressInUseOrABadListenValueEndsInOneClearError) {
  const ScratchDir dir;
  Server server(dir, "data");
  ASSERT_GT(server.port(), 0);
  const CommandRun taken =
      molsieve(dir, "serve --listen 127.0.0.1:" + std::to_string(server.port()) + " --data " + dir.file("other"));
  EXPECT_EQ(taken.status, 1);
  EXPECT_NE(taken.err.find("127.0.0.1:" + std::to_string(server.port()) + ": cannot listen there"), std::string::npos)
      << taken.err;
  const CommandRun bad = molsieve(dir, "serve --listen localhost --data " + dir.file("other"));
  EXPECT_EQ(bad.status, 1);
  EXPECT_NE(bad.err.find("--listen localhost: give HOST:PORT"), std::string::npos) << bad.err;
  const CommandRun shared = molsieve(dir, "serve --listen 127.0.0.1:0 --data " + dir.file("data"));
  EXPECT_EQ(shared.status, 1);
  EXPECT_NE(shared.err.find(dir.file("data") + ": another molsieve serve uses this data folder"), std::string::npos)
      << shared.err;
}

}  // namespace
}  // namespace molsieve::test
