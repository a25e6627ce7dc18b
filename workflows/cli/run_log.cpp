#include "workflows/cli/run_log.h"

#include <CLI/CLI.hpp>
#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/timestamp.h"

namespace molsieve::workflows {

void add_log_options(CLI::App& command, LogValues& values) {
  command.add_option("--events", values.events,
                     "Append JSON events to FILE, one object per line (start, chunk_done, warning, error, finish; "
                     "docs/screening.md, \"Logs and events\")");
  command.add_flag("--verbose", values.verbose,
                   "A failing rank's whole error message (a LibTorch trace, say), not its first line alone");
}

RunLog& RunLog::get() {
  static RunLog log;
  return log;
}

void RunLog::open(const std::string& command, const LogValues& values, int rank, int ranks) {
  command_ = command;
  rank_ = rank;
  verbose_ = values.verbose;
  stamped_ = ranks > 1 || isatty(fileno(stderr)) == 0;
  if (values.events.empty()) return;
  // Every rank appends whole lines, each with one write: lines of several ranks never mix.
  events_fd_ = ::open(values.events.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (events_fd_ < 0) throw Error("--events " + values.events + ": cannot open (" + std::strerror(errno) + ")");
}

std::string RunLog::stamp() const {
  return stamped_ ? utc_timestamp() + " rank " + std::to_string(rank_) + ": " : "";
}

void RunLog::raw_line(const std::string& text) const {
  const std::string whole = stamp() + text + "\n";
  std::fwrite(whole.data(), 1, whole.size(), stderr);
  std::fflush(stderr);
}

void RunLog::line(const std::string& text) const { raw_line(command_ + ": " + text); }

void RunLog::event(const std::string& name, nlohmann::ordered_json fields) const {
  if (events_fd_ < 0) return;
  nlohmann::ordered_json e = {{"time", utc_timestamp()}, {"rank", rank_}, {"event", name}, {"command", command_}};
  for (auto& [key, value] : fields.items()) e[key] = std::move(value);
  const std::string text = e.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
  // A full disk or a vanished file loses events, never the run: the events are a copy of the log.
  [[maybe_unused]] const ssize_t written = ::write(events_fd_, text.data(), text.size());
}

void RunLog::warning(const std::string& text, const std::string& lead) const {
  line(lead + text);
  event("warning", {{"message", text}});
}

std::string first_line(const std::string& message) {
  const std::size_t end = message.find('\n');
  return end == std::string::npos ? message : message.substr(0, end);
}

}  // namespace molsieve::workflows
