#pragma once
// What a long command (screen, featurize, cohort) tells its operator on stderr, and the events
// it appends for machines to --events FILE. On an interactive terminal of a single process the
// lines stay as they always were ("screen: ..."); in a batch log (stderr not a terminal) or
// under MPI each line starts with the UTC time and the rank:
//   2026-12-02T01:23:45Z rank 0: screen: 15% 3072 of 20480 molecules written, ...
// An event is one JSON object per line: {"time", "rank", "event", "command", ...fields}.
// The library never prints: this is the command line's own.
#include <nlohmann/json.hpp>

#include <cstdio>
#include <memory>
#include <string>

namespace CLI {
class App;
}  // namespace CLI

namespace molsieve::workflows {

// The options that shape the log, shared by the commands that keep one.
struct LogValues {
  std::string events;    // --events FILE: JSON events appended, one per line; empty: none
  bool verbose = false;  // --verbose: a failing rank's whole message (a LibTorch trace, say)
};

void add_log_options(CLI::App& command, LogValues& values);

class RunLog {
 public:
  // The process's log: main's error lines go through the one the command opened.
  static RunLog& get();

  // Called by the command once its options are parsed. `rank` of `ranks` under MPI.
  void open(const std::string& command, const LogValues& values, int rank, int ranks);

  // True when lines carry the time and rank (a batch log, or several ranks).
  bool stamped() const { return stamped_; }
  bool verbose() const { return verbose_; }
  const std::string& command() const { return command_; }

  // One line on stderr, "command: text" after the stamp when stamped.
  void line(const std::string& text) const;
  // A line as it is (no "command: "), stamped when stamped: main's "molsieve: error: ...".
  void raw_line(const std::string& text) const;
  // One JSON event to --events FILE (nothing without it). `fields` add to time, rank, event.
  void event(const std::string& name, nlohmann::ordered_json fields = nlohmann::ordered_json::object()) const;
  // A warning: a line ("command: " + lead + text) and an event.
  void warning(const std::string& text, const std::string& lead = "") const;

 private:
  std::string stamp() const;
  std::string command_ = "molsieve";
  int rank_ = 0;
  bool stamped_ = false;
  bool verbose_ = false;
  int events_fd_ = -1;
};

// The first line of a message (a LibTorch error's first line names the failure; the rest is
// its trace).
std::string first_line(const std::string& message);

}  // namespace molsieve::workflows
