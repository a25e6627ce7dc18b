// The oracle: each patient's events in order, every condition spelled out.
#include <algorithm>
#include <cmath>

#include "kernels/patient_events.h"

namespace molsieve::kernels {

void evaluate_event_criterion_reference(const PatientEvents& events, const EventCriterion& criterion,
                                        const std::int32_t* index_day, std::uint8_t* result) {
  for (std::size_t p = 0; p < events.patients; ++p) {
    if (index_day[p] == kNoIndexDay) {
      result[p] = kFails;
      continue;
    }
    const double index = index_day[p];
    const double window_start = criterion.window_start == -kOpenWindow ? -INFINITY : index + criterion.window_start;
    const double window_end = criterion.window_end == kOpenWindow ? INFINITY : index + criterion.window_end;
    std::uint32_t count = 0;
    bool found_latest = false, latest_passes = false;
    double latest_day = -INFINITY;
    for (std::uint64_t row = events.offsets[p]; row < events.offsets[p + 1]; ++row) {
      const auto code = std::find(criterion.codes.begin(), criterion.codes.end(), events.codes[row]);
      if (code == criterion.codes.end()) continue;
      if (events.start_day) {
        const double start = events.start_day[row];
        const double end = events.end_day ? events.end_day[row] : start;
        const bool in_window = criterion.overlap ? (start <= window_end && end >= window_start)
                                                 : (start >= window_start && start <= window_end);
        if (!in_window) continue;
      }
      bool passes = true;
      const std::size_t k = code - criterion.codes.begin();
      for (const ValueTest& test : criterion.tests) {
        double value = events.values ? events.values[row] : NAN;
        if (test.scale == ValueScale::Absolute) value = criterion.value_scale[k] * value + criterion.value_offset[k];
        if (test.scale == ValueScale::UpperLimit) value = value / (events.upper_limits ? events.upper_limits[row] : NAN);
        if (test.scale == ValueScale::LowerLimit) value = value / (events.lower_limits ? events.lower_limits[row] : NAN);
        if (std::isnan(value) || !satisfies(value, test.comparison, test.threshold)) passes = false;
      }
      const double day = events.start_day ? events.start_day[row] : 0;
      if (criterion.occurrence == Occurrence::Latest) {
        if (!found_latest || day >= latest_day) {  // the later row wins a tie
          found_latest = true;
          latest_day = day;
          latest_passes = passes;
        }
      } else if (passes) {
        ++count;
      }
    }
    if (criterion.occurrence == Occurrence::Latest)
      result[p] = !found_latest ? kNoEvent : latest_passes ? kHolds : kFails;
    else
      result[p] = count >= criterion.min_count ? kHolds : kFails;
  }
}

}  // namespace molsieve::kernels
