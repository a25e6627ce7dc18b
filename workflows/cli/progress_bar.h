#pragma once
// Shows a long run's progress: a bar with rate and ETA on a terminal, plain periodic
// log lines otherwise (logs, CI, Slurm output files).
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

#include "core/progress.h"

namespace molsieve::workflows {

// The terminal line of a bar: label, bar, percent, counts and detail, in at most `columns`
// - 1 characters (the detail goes first, then the bar narrows, then the line is cut).
std::string fit_progress_line(const std::string& label, double fraction, const std::string& counts,
                              const std::string& detail, std::size_t columns);

class ProgressBar {
 public:
  // `unit` names what records_done counts ("molecules", "queries", ...).
  explicit ProgressBar(std::string label, std::string unit = "molecules",
                       std::FILE* stream = stderr);
  // `detail` (per-stage counts, say) is shown after the rate.
  void update(const Progress& progress, const std::string& detail = {});
  void finish();

 private:
  void draw(const Progress& progress, bool final_line);
  std::string label_;
  std::string unit_;
  std::FILE* stream_;
  bool terminal_;
  std::chrono::steady_clock::time_point start_;
  std::chrono::steady_clock::time_point last_draw_;
  Progress last_;
  std::string detail_;
  bool drawn_ = false;
  std::uint64_t printed_records_ = 0;  // what the last line printed showed
  bool printed_final_ = false;
};

}  // namespace molsieve::workflows
