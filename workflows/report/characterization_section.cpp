#include "workflows/report/characterization_section.h"

#include <cmath>
#include <sstream>

#include "workflows/report/html.h"

namespace molsieve::workflows {
namespace {

// "n (p%)" for counts; "median (q1 to q3), n" for age and labs; as `plan` shows row `k`.
std::string cell(const cohort::CharacteristicRow& r, const CountPlan& plan, std::size_t k) {
  if (plan.characteristic_suppressed(k)) return "<i>" + std::string(kSuppressedMark) + "</i>";
  const std::string n = html::thousands(r.count);
  if (!std::isnan(r.median))
    return html::fixed(r.median, 1) + " (" + html::fixed(r.q1, 1) + " to " + html::fixed(r.q3, 1) + "), n = " + n;
  return n + (std::isnan(r.percent) || !plan.percent_shown(k) ? "" : " (" + html::fixed(r.percent, 1) + "%)");
}

}  // namespace

std::string characterization_html(const std::vector<cohort::CharacteristicRow>& rows, const CountPlan& plan) {
  std::ostringstream page;
  page << "<h2>Characterization</h2><p class='small'>Age and labs: median (interquartile range) and the patients with a "
          "value; the rest: patients (% of the group). Each patient is described at the index date (labs, conditions and "
          "drugs in their rule's window); without one at the end of the last observation period.</p>"
          "<table><tr><th>section</th><th>characteristic</th>";
  for (const char* group : cohort::kCharacterizationGroups) page << "<th>" << group << "</th>";
  page << "</tr>";
  // The rows come in threes, one per group, in kCharacterizationGroups order.
  for (std::size_t k = 0; k + 2 < rows.size(); k += 3) {
    page << "<tr><td>" << html::escape(rows[k].section) << "</td><td>" << html::escape(rows[k].characteristic) << "</td>";
    for (std::size_t g = 0; g < 3; ++g) page << "<td>" << cell(rows[k + g], plan, k + g) << "</td>";
    page << "</tr>";
  }
  page << "</table>";
  return page.str();
}

}  // namespace molsieve::workflows
