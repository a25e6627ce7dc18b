#include "workflows/report/cohort_report.h"

#include <algorithm>
#include <sstream>

#include "cohort/calendar.h"
#include "workflows/report/characterization_section.h"
#include "workflows/report/html.h"

namespace molsieve::workflows {
namespace {

constexpr std::size_t kCohortRowsShown = 100;
constexpr double kBarPixels = 200;

// A shown count with thousands separators, or the suppression mark.
std::string count_html(const std::string& shown) {
  return shown == kSuppressedMark ? "<i>" + shown + "</i>" : html::thousands(std::stoull(shown));
}

}  // namespace

std::string cohort_report_html(const CohortRequest& request, const CohortOutcome& o, const CountPlan& plan,
                               bool show_person_ids) {
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
  if (plan.exact())
    page << "<p class='warn'><b>EXACT COUNTS</b> (--exact-counts): counts from 1 to 4 are shown; not for sharing.</p>";
  if (show_person_ids)
    page << "<p class='warn'><b>PATIENT-LEVEL DATA</b> (--show-person-ids): this report lists patients; not for "
            "sharing.</p>";
  page << "<p>Definition " << escape(request.definition) << "; " << count_html(plan.persons()) << " patients; "
       << count_html(plan.eligible()) << " eligible; " << count_html(plan.selected()) << " selected of " << request.size
       << " requested.";
  if (!plan.exact())
    page << " Counts from 1 to 4, and the counts from which one could be worked out, read <i>" << kSuppressedMark
         << "</i> (" << plan.suppressed() << " here; docs/cohorts.md, disclosure control).";
  page << "</p>";
  for (const auto& warning : cohort_warnings(o, plan)) page << "<p class='warn'><b>Warning</b>: " << escape(warning) << ".</p>";
  if (!request.candidates.empty())
    page << "<h2>Candidate " << escape(request.candidate_id) << "</h2><p>From " << escape(request.candidates)
         << "; the attrition says why each candidate-aware rule was or was not applied.</p>";
  page << "<h2>Attrition</h2><p class='small'>Each bar is the share of the step before that the step keeps.</p>"
          "<table><tr><th>step</th><th>criterion</th><th>remaining</th><th></th><th>removed</th>"
          "<th>removed by this rule alone</th><th>decided by if_missing</th><th>why applied</th></tr>";
  for (std::size_t k = 0; k < o.attrition.size(); ++k) {
    const auto& s = o.attrition[k];
    // A bar of a suppressed count would draw its value.
    const bool drawn = !plan.attrition_suppressed(k, 0) && (k == 0 || !plan.attrition_suppressed(k - 1, 0));
    const double before = k == 0 ? s.remaining : o.attrition[k - 1].remaining;
    const double width = before > 0 ? kBarPixels * s.remaining / before : 0;
    page << "<tr><td>" << k << "</td><td>" << escape(s.name) << (s.applied ? "" : " <i>(not applied)</i>")
         << (s.kind == "exclusion" ? " <span class='small'>(exclusion)</span>" : "") << "</td><td>"
         << count_html(plan.attrition(k, 0)) << "</td><td>";
    if (drawn) page << "<span class='bar' style='width:" << html::fixed(width, 0) << "px'></span>";
    page << "</td><td>" << count_html(plan.attrition(k, 1)) << "</td><td>" << count_html(plan.attrition(k, 2))
         << "</td><td>" << count_html(plan.attrition(k, 3)) << "</td><td class='small'>" << escape(s.activation) << "</td></tr>";
  }
  page << "</table>";
  page << "<h2>Strata</h2><p>" << escape(o.selection.solver) << "; "
       << (o.selection.quotas.empty() ? "no quotas." : o.selection.quotas_met ? "all quotas met." : "some quotas missed.")
       << "</p><table><tr><th>dimension</th><th>category</th><th>eligible</th><th>selected</th><th>quota</th><th>missed by</th></tr>";
  for (std::size_t i = 0; i < o.strata.size(); ++i) {
    const auto& st = o.strata[i];
    const std::string quota = st.has_quota ? count_html(plan.stratum(i, 2)) + " to " + count_html(plan.stratum(i, 3)) : "";
    const std::string missed = st.shortfall ? count_html(plan.stratum(i, 4)) : "";
    page << "<tr><td>" << cohort::kDimensionNames[st.dimension] << "</td><td>" << escape(st.category) << "</td><td>"
         << count_html(plan.stratum(i, 0)) << "</td><td>" << count_html(plan.stratum(i, 1)) << "</td><td>" << quota
         << "</td><td" << (missed.empty() ? "" : " class='warn'") << ">" << missed << "</td></tr>";
  }
  page << "</table>";
  page << characterization_html(o.characterization, plan);
  if (show_person_ids) {
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
      page << "<p class='small'>First " << kCohortRowsShown << " of " << o.chosen.size() << "; molsieve query "
           << escape(request.output) << " shows all.</p>";
  } else {
    page << "<h2>Cohort</h2><p>The selected patients are in the cohort store " << escape(request.output)
         << " (patient-level data, readable by its owner alone): molsieve query lists them; --show-person-ids lists "
            "them here.</p>";
  }
  page << "<h2>Provenance</h2><p class='small'>Population store " << escape(request.population) << "; quotas "
       << escape(request.quotas.empty() ? "none" : request.quotas) << "; cohort store " << escape(request.output)
       << " (patient-level); counts " << (plan.exact() ? "exact (--exact-counts)" : "with disclosure control")
       << "; person ids " << (show_person_ids ? "shown (--show-person-ids)" : "not shown") << ".</p></body></html>\n";
  return page.str();
}

}  // namespace molsieve::workflows
