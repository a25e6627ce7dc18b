#include "workflows/report/cohort_report.h"

#include <algorithm>
#include <sstream>

#include "cohort/calendar.h"
#include "workflows/report/characterization_section.h"
#include "workflows/report/html.h"

namespace molsieve::workflows {
namespace {

constexpr std::size_t kCohortRowsShown = 100;

std::string patients(std::uint64_t n) {
  return is_suppressed_count(n) ? "&lt;5" : html::thousands(n);
}

}  // namespace

std::string cohort_report_html(const CohortRequest& request, const CohortOutcome& o) {
  using html::escape;
  std::ostringstream page;
  page << "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>molsieve cohort</title><style>"
       << html::kStyle << ".bar { background: #4a7fb0; height: 10px; display: inline-block; }</style></head><body>";
  page << "<h1>Cohort selection</h1>";
  if (o.synthetic)
    page << "<p class='warn'><b>SYNTHETIC population</b>: generated patients, not real people (" << escape(o.population_source)
         << ").</p>";
  else
    page << "<p>Population: " << escape(o.population_source) << "</p>";
  page << "<p>Definition " << escape(request.definition) << "; " << patients(o.persons) << " patients; "
       << patients(o.eligible) << " eligible; " << o.chosen.size() << " selected of " << request.size
       << " requested. Counts from 1 to 4 are shown as &lt;5.</p>";
  for (const auto& warning : o.warnings) page << "<p class='warn'><b>Warning</b>: " << escape(warning) << ".</p>";
  if (!request.candidates.empty()) {
    page << "<h2>Candidate " << escape(request.candidate_id) << "</h2><p>From " << escape(request.candidates) << ".</p><ul>";
    for (const auto& s : o.attrition)
      if (!s.activation.empty()) page << "<li>" << escape(s.name) << ": " << escape(s.activation) << "</li>";
    page << "</ul>";
  }
  page << "<h2>Attrition</h2><table><tr><th>step</th><th>criterion</th><th>remaining</th><th></th><th>removed</th>"
          "<th>removed by this rule alone</th></tr>";
  const double total = std::max<double>(1, static_cast<double>(o.persons));
  for (std::size_t k = 0; k < o.attrition.size(); ++k) {
    const auto& s = o.attrition[k];
    page << "<tr><td>" << k << "</td><td>" << escape(s.name) << (s.applied ? "" : " <i>(not applied)</i>")
         << (s.kind == "exclusion" ? " <span class='small'>(exclusion)</span>" : "") << "</td><td>"
         << patients(s.remaining) << "</td><td><span class='bar' style='width:" << 200.0 * s.remaining / total
         << "px'></span></td><td>" << patients(s.removed) << "</td><td>" << patients(s.removed_alone) << "</td></tr>";
  }
  page << "</table>";
  page << "<h2>Strata</h2><p>" << escape(o.selection.solver) << "; "
       << (o.selection.quotas.empty() ? "no quotas." : o.selection.quotas_met ? "all quotas met." : "some quotas missed.")
       << "</p><table><tr><th>dimension</th><th>category</th><th>eligible</th><th>selected</th><th>quota</th><th>missed by</th></tr>";
  for (const auto& st : o.strata) {
    const std::string quota = st.has_quota ? std::to_string(st.quota_min) + " to " + std::to_string(st.quota_max) : "";
    const std::string missed = st.shortfall ? std::to_string(st.shortfall) : "";
    page << "<tr><td>" << cohort::kDimensionNames[st.dimension] << "</td><td>" << escape(st.category) << "</td><td>"
         << patients(st.eligible) << "</td><td>" << patients(st.selected) << "</td><td>" << quota << "</td><td"
         << (missed.empty() ? "" : " class='warn'") << ">" << missed << "</td></tr>";
  }
  page << "</table>";
  page << characterization_html(o.characterization);
  page << "<h2>Cohort (best expected benefit first)</h2><table><tr><th>rank</th><th>person_id</th><th>score</th>"
          "<th>sex</th><th>race</th><th>ethnicity</th><th>age group</th><th>age</th><th>index date</th></tr>";
  for (std::size_t k = 0; k < o.chosen.size() && k < kCohortRowsShown; ++k) {
    const auto& c = o.chosen[k];
    page << "<tr><td>" << k + 1 << "</td><td>" << c.person_id << "</td><td>" << html::fixed(c.score, 3) << "</td>";
    for (const auto& s : c.strata) page << "<td>" << escape(s) << "</td>";
    page << "<td>" << c.age << "</td><td>" << cohort::format_date(c.index_day) << "</td></tr>";
  }
  page << "</table>";
  if (o.chosen.size() > kCohortRowsShown)
    page << "<p class='small'>First " << kCohortRowsShown << " of " << o.chosen.size()
         << "; molsieve query " << escape(request.output) << " shows all.</p>";
  page << "<h2>Provenance</h2><p class='small'>Population store " << escape(request.population) << "; quotas "
       << escape(request.quotas.empty() ? "none" : request.quotas) << "; cohort store " << escape(request.output)
       << ".</p></body></html>\n";
  return page.str();
}

}  // namespace molsieve::workflows
