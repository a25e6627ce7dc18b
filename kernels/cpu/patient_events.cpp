// Patients in parallel blocks (oneTBB); codes found by binary search; windows in 64-bit
// integer days; value tests with their scale and conversion resolved once per event.
#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>

#include "kernels/patient_events.h"

namespace molsieve::kernels {
namespace {

inline bool passes_tests(const PatientEvents& e, const EventCriterion& c, std::size_t code, std::uint64_t row) {
  const double raw = e.values ? e.values[row] : NAN;
  for (const ValueTest& t : c.tests) {
    double value;
    switch (t.scale) {
      case ValueScale::Absolute: value = c.value_scale[code] * raw + c.value_offset[code]; break;
      case ValueScale::UpperLimit: value = raw / (e.upper_limits ? e.upper_limits[row] : NAN); break;
      default: value = raw / (e.lower_limits ? e.lower_limits[row] : NAN); break;
    }
    if (std::isnan(value) || !satisfies(value, t.comparison, t.threshold)) return false;
  }
  return true;
}

}  // namespace

void evaluate_event_criterion_cpu(const PatientEvents& e, const EventCriterion& c, const std::int32_t* index_day,
                                  std::uint8_t* result) {
  const std::int32_t* codes_begin = c.codes.data();
  const std::int32_t* codes_end = codes_begin + c.codes.size();
  const bool open_start = c.window_start == -kOpenWindow, open_end = c.window_end == kOpenWindow;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, e.patients, 4096), [&](const tbb::blocked_range<std::size_t>& r) {
    for (std::size_t p = r.begin(); p != r.end(); ++p) {
      if (index_day[p] == kNoIndexDay) {
        result[p] = kFails;
        continue;
      }
      const std::int64_t from = open_start ? INT64_MIN : std::int64_t{index_day[p]} + c.window_start;
      const std::int64_t to = open_end ? INT64_MAX : std::int64_t{index_day[p]} + c.window_end;
      std::uint32_t count = 0;
      bool found_latest = false, latest_passes = false;
      std::int64_t latest_day = INT64_MIN;
      for (std::uint64_t row = e.offsets[p], last = e.offsets[p + 1]; row < last; ++row) {
        const std::int32_t* code = std::lower_bound(codes_begin, codes_end, e.codes[row]);
        if (code == codes_end || *code != e.codes[row]) continue;
        std::int64_t day = 0;
        if (e.start_day) {
          day = e.start_day[row];
          const std::int64_t end = e.end_day ? e.end_day[row] : day;
          if (c.overlap ? (day > to || end < from) : (day < from || day > to)) continue;
        }
        const bool passes = c.tests.empty() || passes_tests(e, c, static_cast<std::size_t>(code - codes_begin), row);
        if (c.occurrence == Occurrence::Latest) {
          if (!found_latest || day >= latest_day) {
            found_latest = true;
            latest_day = day;
            latest_passes = passes;
          }
        } else {
          count += passes;
        }
      }
      if (c.occurrence == Occurrence::Latest)
        result[p] = !found_latest ? kNoEvent : latest_passes ? kHolds : kFails;
      else
        result[p] = count >= c.min_count ? kHolds : kFails;
    }
  });
}

}  // namespace molsieve::kernels
