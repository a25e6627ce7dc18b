#include "kernels/patient_events.h"

#include "core/error.h"

namespace molsieve::kernels {

void evaluate_event_criterion(Backend backend, const PatientEvents& events, const EventCriterion& criterion,
                              const std::int32_t* index_day, std::uint8_t* result) {
  switch (backend) {
    case Backend::Reference: evaluate_event_criterion_reference(events, criterion, index_day, result); return;
    case Backend::Cpu: evaluate_event_criterion_cpu(events, criterion, index_day, result); return;
    case Backend::Cuda:
      // Eligibility reads a few bytes per event and is bound by memory traffic from the
      // store; a CUDA backend would spend its time on transfers.
      throw Error("eligibility has no CUDA backend; use --device cpu or auto");
  }
}

}  // namespace molsieve::kernels
