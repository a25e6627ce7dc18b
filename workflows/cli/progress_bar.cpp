#include "workflows/cli/progress_bar.h"

#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>

namespace molsieve::workflows {
namespace {

std::string format_duration(double seconds) {
  if (seconds < 0 || seconds > 1e7) return "--:--";
  long s = static_cast<long>(seconds + 0.5);
  char text[32];
  if (s >= 3600)
    std::snprintf(text, sizeof text, "%ld:%02ld:%02ld", s / 3600, (s / 60) % 60, s % 60);
  else
    std::snprintf(text, sizeof text, "%ld:%02ld", s / 60, s % 60);
  return text;
}

// The terminal's width: the bar's line must fit, or every redraw leaves a wrapped line behind.
std::size_t terminal_columns(std::FILE* stream) {
  winsize size {};
  if (ioctl(fileno(stream), TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  const char* columns = std::getenv("COLUMNS");
  const long from_env = columns ? std::strtol(columns, nullptr, 10) : 0;
  return from_env > 0 ? static_cast<std::size_t>(from_env) : 80;
}

}  // namespace

std::string fit_progress_line(const std::string& label, double fraction, const std::string& counts,
                              const std::string& detail, std::size_t columns) {
  const std::size_t room = columns > 1 ? columns - 1 : 0;  // the last column would wrap
  char percent[8];
  std::snprintf(percent, sizeof percent, "%3.0f%%", fraction * 100.0);
  const auto compose = [&](std::size_t bar_width, bool with_detail) {
    std::string bar(static_cast<std::size_t>(fraction * static_cast<double>(bar_width)), '#');
    bar.resize(bar_width, '.');
    return label + " [" + bar + "] " + percent + " " + counts + (with_detail && !detail.empty() ? ", " + detail : "");
  };
  for (const bool with_detail : {true, false})
    for (std::size_t bar_width = 30; bar_width >= 10; bar_width -= 5) {
      const std::string line = compose(bar_width, with_detail);
      if (line.size() <= room) return line;
    }
  return compose(10, false).substr(0, room);
}

ProgressBar::ProgressBar(std::string label, std::string unit, const RunLog* log, std::FILE* stream)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      log_(log && log->stamped() ? log : nullptr),
      stream_(stream),
      terminal_(!log_ && isatty(fileno(stream)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

void ProgressBar::update(const Progress& progress, const std::string& detail) {
  last_ = progress;
  detail_ = detail;
  const auto now = std::chrono::steady_clock::now();
  const auto interval = terminal_ ? std::chrono::milliseconds(100) : std::chrono::seconds(10);
  if (now - last_draw_ < interval) return;
  last_draw_ = now;
  draw(progress, false);
}

void ProgressBar::finish() {
  // A log already ending in this count at 100% gets no second final line.
  if (!terminal_ && drawn_ && printed_final_ && printed_records_ == last_.records_done) return;
  if (drawn_ || terminal_) draw(last_, true);
}

void ProgressBar::draw(const Progress& p, bool final_line) {
  drawn_ = true;
  const double elapsed =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  const double rate = elapsed > 0 ? static_cast<double>(p.records_done) / elapsed : 0.0;
  double fraction = p.bytes_total ? static_cast<double>(p.bytes_done) / p.bytes_total : 0.0;
  if (final_line) fraction = 1.0;
  if (fraction > 1.0) fraction = 1.0;
  fraction = fraction_ = std::max(fraction, fraction_);
  const double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : -1.0;
  printed_records_ = p.records_done;
  printed_final_ = fraction >= 1.0;
  if (terminal_) {
    char counts[96];
    std::snprintf(counts, sizeof counts, "%llu %s, %.0f/s, ETA %s", static_cast<unsigned long long>(p.records_done),
                  unit_.c_str(), rate, format_duration(eta).c_str());
    const std::string line = fit_progress_line(label_, fraction, counts, detail_, terminal_columns(stream_));
    std::fprintf(stream_, "\r%s\033[K", line.c_str());  // clear what a longer line left
    if (final_line) std::fputc('\n', stream_);
  } else {
    char line[160];
    std::snprintf(line, sizeof line, "%.0f%% %llu %s, %.0f/s, elapsed %s, ETA %s", fraction * 100.0,
                  static_cast<unsigned long long>(p.records_done), unit_.c_str(), rate, format_duration(elapsed).c_str(),
                  format_duration(eta).c_str());
    const std::string text = line + (detail_.empty() ? "" : ", " + detail_);
    if (log_)
      log_->raw_line(label_ + ": " + text);
    else
      std::fprintf(stream_, "%s: %s\n", label_.c_str(), text.c_str());
  }
  std::fflush(stream_);
}

}  // namespace molsieve::workflows
