#pragma once
// The screening report: one self-contained HTML file (inline CSS and SVG, no scripts, no
// network) from a results store: the job and its provenance, the filter funnel, score
// distributions, a property-space plot, the selected candidates with 2D depictions and
// per-atom occlusion explanations, and each model's limitations and applicability domain.
#include <string>

namespace molsieve::workflows {

struct ReportOptions {
  std::size_t candidates = 20;  // selected candidates shown in full
  bool explain = true;          // occlusion explanations (needs the models at their recorded paths)
};

// Throws molsieve::Error when `results` is not a complete results store.
std::string render_report(const std::string& results, const ReportOptions& options);

}  // namespace molsieve::workflows
