#pragma once
// `molsieve serve`'s HTTP front end (cpp-httplib, docs/design.md): the versioned JSON API
// under /api/v1, described at /api/v1/openapi.json, over the service's database and
// accounts. Sessions travel in an HttpOnly, SameSite=Strict cookie; every state change
// carries the session's CSRF token in X-CSRF-Token; anonymous calls are answered 401.
#include <cstddef>
#include <memory>
#include <optional>
#include <string>

namespace molsieve::workflows::service {

struct ServeOptions {
  std::string host = "127.0.0.1";
  int port = 8080;  // 0: any free port (bound_port() says which)
  std::string data_folder = "molsieve-data";
  std::string certificate, private_key;  // both: HTTPS; neither: HTTP (behind a TLS proxy)
  // The reverse proxy's address: from it, the client is the last X-Forwarded-For entry, and
  // the session cookie is Secure (the proxy speaks TLS to the browser).
  std::string trusted_proxy;
  std::size_t max_request_bytes = 64u << 20;
};

class HttpService {
 public:
  // Opens (migrating) the data folder's database and binds the address; throws
  // molsieve::Error naming the folder, the certificate or the address at fault.
  explicit HttpService(const ServeOptions& options);
  ~HttpService();
  HttpService(const HttpService&) = delete;
  HttpService& operator=(const HttpService&) = delete;

  int bound_port() const;
  bool https() const;
  // The first administrator's password, on the first start only (the caller shows it once).
  const std::optional<std::string>& first_administrator_password() const;

  // Answers requests until stop() (from another thread), which takes effect once running().
  void serve();
  bool running() const;
  void stop();

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace molsieve::workflows::service
