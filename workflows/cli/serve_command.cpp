// molsieve serve: the web service (workflows/service/http_service.h) until Ctrl-C or SIGTERM.
#include <CLI/CLI.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "core/error.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"
#include "workflows/cli/interrupt.h"
#include "workflows/service/http_service.h"

namespace molsieve::workflows {
namespace {

struct ServeValues {
  std::string listen = "127.0.0.1:8080";
  service::ServeOptions options;
  std::size_t max_upload_mb = 64;
  bool quiet = false;
};

// "HOST:PORT" (or ":PORT", "[::1]:PORT"); throws molsieve::Error naming the value.
void parse_listen(const std::string& value, service::ServeOptions& options) {
  const auto colon = value.rfind(':');
  const std::string where = "--listen " + value;
  if (colon == std::string::npos) throw Error(where + ": give HOST:PORT, e.g. 127.0.0.1:8080");
  std::string host = value.substr(0, colon);
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  const std::string port = value.substr(colon + 1);
  if (port.empty() || port.find_first_not_of("0123456789") != std::string::npos || port.size() > 5 || std::stoi(port) > 65535)
    throw Error(where + ": the port must be a number from 0 to 65535 (0: any free port)");
  options.host = host.empty() ? "127.0.0.1" : host;
  options.port = std::stoi(port);
}

void run_serve(const ServeValues& v) {
  service::ServeOptions options = v.options;
  parse_listen(v.listen, options);
  options.max_request_bytes = v.max_upload_mb << 20;
  // The handlers first: a SIGTERM sent on seeing the "listening" line stops the service cleanly.
  const CancellationToken& interrupted = interrupt_token();
  service::HttpService service(options);
  if (const auto& password = service.first_administrator_password())
    std::fprintf(stderr,
                 "serve: first start: log in as 'admin' with the password %s (shown only now; nothing else keeps it)\n",
                 password->c_str());
  if (!v.quiet)
    std::fprintf(stderr, "serve: listening on %s://%s:%d (data in %s); Ctrl-C stops\n", service.https() ? "https" : "http",
                 options.host.c_str(), service.bound_port(), options.data_folder.c_str());
  std::atomic<bool> ended{false};
  std::thread watcher([&] {
    const auto wait_while = [&](const auto& condition) {
      while (condition() && !ended) std::this_thread::sleep_for(std::chrono::milliseconds(20));
    };
    wait_while([&] { return !interrupted.cancelled(); });
    wait_while([&] { return !service.running(); });  // a stop before the loop runs would be lost
    if (!ended) service.stop();
  });
  service.serve();
  ended = true;
  watcher.join();
  if (!interrupted.cancelled())
    throw Error("the service stopped answering on " + options.host + ":" + std::to_string(service.bound_port()));
  if (!v.quiet) std::fprintf(stderr, "serve: stopped\n");
}

}  // namespace

void add_serve_command(CLI::App& app) {
  auto values = std::make_shared<ServeValues>();
  CLI::App* c = app.add_subcommand(
      "serve",
      "Start the web service: a JSON API under /api/v1 (described at /api/v1/openapi.json) with logins, roles and an "
      "audit log, its state in a SQLite database in the data folder (docs/service.md). The first start creates the "
      "administrator 'admin' and prints its password once");
  c->add_option("--listen", values->listen, "HOST:PORT to listen on (port 0: any free port, printed)")
      ->capture_default_str();
  c->add_option("--data", values->options.data_folder, "Data folder: the service database (service.db) and its files")
      ->capture_default_str();
  c->add_option("--certificate", values->options.certificate, "TLS certificate (PEM), with --key: serve HTTPS");
  c->add_option("--key", values->options.private_key, "The certificate's private key (PEM)");
  c->add_option("--trusted-proxy", values->options.trusted_proxy,
                 "Address of the reverse proxy in front (it terminates TLS): the client is the last X-Forwarded-For "
                 "entry it sends, and the session cookie is Secure");
  c->add_option("--max-upload-mb", values->max_upload_mb, "Largest request body accepted, in MiB")
      ->capture_default_str()
      ->check(CLI::Range(1, 4096));
  add_quiet_flag(*c, values->quiet, "No 'listening' and 'stopped' lines (the first start's password still shows)");
  c->callback([values] { run_serve(*values); });
}

}  // namespace molsieve::workflows
