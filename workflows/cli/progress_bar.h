#pragma once
// Shows a long run's progress: a bar with rate and ETA on a terminal, plain log lines every
// 10 s otherwise (logs, CI, Slurm output files), stamped with time and rank by the run's log.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/progress.h"
#include "workflows/cli/run_log.h"

namespace molsieve::workflows {

// The terminal line of a bar: label, bar, percent, counts and detail, in at most `columns`
// - 1 characters (the detail goes first, then the bar narrows, then the line is cut).
std::string fit_progress_line(const std::string& label, double fraction, const std::string& counts,
                              const std::string& detail, std::size_t columns);

class ProgressBar {
 public:
  // `unit` names what records_done counts ("molecules", "queries", ...). With a `log` that
  // stamps its lines (a batch log, MPI) the lines go through it, never a bar.
  explicit ProgressBar(std::string label, std::string unit = "molecules", const RunLog* log = nullptr,
                       std::FILE* stream = stderr);
  // `detail` (per-stage counts, say) is shown after the rate.
  void update(const Progress& progress, const std::string& detail = {});
  void finish();

 private:
  void draw(const Progress& progress, bool final_line);
  std::string label_;
  std::string unit_;
  const RunLog* log_;
  std::FILE* stream_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  Progress last_;
  std::string detail_;
  bool drawn_ = false;
  double fraction_ = 0;  // the largest shown: an estimated total never moves the bar back
  std::uint64_t printed_records_ = 0;  // what the last line printed showed
  bool printed_final_ = false;
};

}  // namespace molsieve::workflows
