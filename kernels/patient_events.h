#pragma once
// The eligibility kernel: for every patient, does the patient's list of events (conditions,
// drug exposures, measurements, genotypes) meet one criterion, in a time window relative to
// the patient's own index day? Columnar inputs, one output byte per patient; patients are
// independent, so any slicing of the patients gives the same answers.
#include <cstdint>
#include <limits>
#include <vector>

#include "kernels/backend.h"

namespace molsieve::kernels {

// One table's events, grouped by patient: patient p owns rows offsets[p] .. offsets[p + 1].
struct PatientEvents {
  std::size_t patients = 0;
  const std::uint64_t* offsets = nullptr;
  const std::int32_t* codes = nullptr;       // concept id (or gene code) per event
  const std::int32_t* start_day = nullptr;   // null: events have no date (genotypes)
  const std::int32_t* end_day = nullptr;     // null: events are single days
  const double* values = nullptr;            // null: events have no value
  const double* upper_limits = nullptr;      // reference range high, for "x ULN" tests
  const double* lower_limits = nullptr;      // reference range low, for "x LLN" tests
};

enum class Comparison { Less, LessEqual, Greater, GreaterEqual, Equal };
enum class ValueScale { Absolute, UpperLimit, LowerLimit };  // value, value / ULN, value / LLN

// Whether `value` compares so with `threshold` (false for NaN).
inline bool satisfies(double value, Comparison comparison, double threshold) {
  switch (comparison) {
    case Comparison::Less: return value < threshold;
    case Comparison::LessEqual: return value <= threshold;
    case Comparison::Greater: return value > threshold;
    case Comparison::GreaterEqual: return value >= threshold;
    case Comparison::Equal: return value == threshold;
  }
  return false;
}

struct ValueTest {
  Comparison comparison = Comparison::LessEqual;
  double threshold = 0;
  ValueScale scale = ValueScale::Absolute;
};

// Which matching events decide.
enum class Occurrence {
  AtLeast,  // at least min_count events match (and pass the value tests)
  Latest,   // the latest matching event passes the value tests
};

constexpr std::int32_t kNoIndexDay = std::numeric_limits<std::int32_t>::min();
constexpr std::int32_t kOpenWindow = std::numeric_limits<std::int32_t>::max();

struct EventCriterion {
  std::vector<std::int32_t> codes;  // sorted, distinct
  // Per code: value' = scale * value + offset (unit conversion) before absolute tests.
  std::vector<double> value_scale, value_offset;
  // Days relative to the index day, inclusive; kOpenWindow leaves a side open.
  std::int32_t window_start = -kOpenWindow, window_end = kOpenWindow;
  bool overlap = false;  // an event counts when [start, end] overlaps the window (else: start inside)
  std::vector<ValueTest> tests;  // all must hold; a missing value fails
  Occurrence occurrence = Occurrence::AtLeast;
  std::uint32_t min_count = 1;
};

// Result per patient.
constexpr std::uint8_t kFails = 0, kHolds = 1, kNoEvent = 2;  // kNoEvent: Latest found no matching event

// result[p] for every patient (kFails for patients whose index day is kNoIndexDay).
void evaluate_event_criterion(Backend backend, const PatientEvents& events, const EventCriterion& criterion,
                              const std::int32_t* index_day, std::uint8_t* result);

void evaluate_event_criterion_reference(const PatientEvents& events, const EventCriterion& criterion,
                                        const std::int32_t* index_day, std::uint8_t* result);
void evaluate_event_criterion_cpu(const PatientEvents& events, const EventCriterion& criterion,
                                  const std::int32_t* index_day, std::uint8_t* result);

}  // namespace molsieve::kernels
