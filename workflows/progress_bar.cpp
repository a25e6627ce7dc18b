#include "workflows/progress_bar.h"

#include <unistd.h>

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

}  // namespace

ProgressBar::ProgressBar(std::string label, std::string unit, std::FILE* stream)
    : label_(std::move(label)),
      unit_(std::move(unit)),
      stream_(stream),
      terminal_(isatty(fileno(stream)) != 0),
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
  const double eta = fraction > 0 ? elapsed * (1.0 - fraction) / fraction : -1.0;
  if (terminal_) {
    constexpr int kWidth = 30;
    const int filled = static_cast<int>(fraction * kWidth);
    std::string bar(static_cast<std::size_t>(filled), '#');
    bar.resize(kWidth, '.');
    std::fprintf(stream_, "\r%s [%s] %3.0f%% %llu %s, %.0f/s, ETA %s%s%s   ", label_.c_str(),
                 bar.c_str(), fraction * 100.0, static_cast<unsigned long long>(p.records_done),
                 unit_.c_str(), rate, format_duration(eta).c_str(), detail_.empty() ? "" : ", ",
                 detail_.c_str());
    if (final_line) std::fputc('\n', stream_);
  } else {
    std::fprintf(stream_, "%s: %.0f%% %llu %s, %.0f/s, elapsed %s, ETA %s%s%s\n",
                 label_.c_str(), fraction * 100.0,
                 static_cast<unsigned long long>(p.records_done), unit_.c_str(), rate,
                 format_duration(elapsed).c_str(), format_duration(eta).c_str(),
                 detail_.empty() ? "" : ", ", detail_.c_str());
  }
  std::fflush(stream_);
}

}  // namespace molsieve::workflows
