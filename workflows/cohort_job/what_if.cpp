#include "workflows/cohort_job/what_if.h"

#include <algorithm>
#include <array>
#include <map>

#include "cohort/calendar.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "workflows/cohort_job/cohort_selection.h"
#include "workflows/cohort_job/patients_table.h"
#include "workflows/results/result_table.h"

namespace molsieve::workflows {
namespace {

constexpr std::size_t kFirstRuleStep = 5;  // population and the 4 entry steps come first

std::size_t rule_position(const StoredOutcomes& s, const std::string& name, const char* option) {
  const auto found = std::find(s.rules.begin(), s.rules.end(), name);
  if (found == s.rules.end()) {
    std::string known;
    for (const auto& r : s.rules) known += (known.empty() ? "\"" : ", \"") + r + "\"";
    throw Error(std::string(option) + " \"" + name + "\": " + s.store + " has no such rule (its rules: " + known + ")");
  }
  return static_cast<std::size_t>(found - s.rules.begin());
}

}  // namespace

StoredOutcomes read_stored_outcomes(const std::string& path) {
  if (!is_cohort_store(path)) throw Error(path + ": not a cohort store");
  const hdf5::File file(path, hdf5::File::Mode::ReadOnly);
  StoredOutcomes s;
  s.store = path;
  if (!file.exists("/patients") || file.string_attribute("/patients", "scope") != "indexed")
    throw Error(path + ": what-if needs every patient with an index event; run the cohort again with --keep-all-indexed");
  s.rules = file.string_list_attribute("/patients", "rules");
  const ResultTable a = read_table(file, "/attrition", 0, table_rows(file, "/attrition"));
  for (std::size_t k = 0; k < a.rows(); ++k)
    s.attrition.push_back({a.at("name").texts[k], a.at("kind").texts[k], a.at("applied").flags[k] == 1,
                           a.at("activation").texts[k], static_cast<std::uint64_t>(a.at("remaining").integers[k]),
                           static_cast<std::uint64_t>(a.at("removed").integers[k]),
                           static_cast<std::uint64_t>(a.at("removed_alone").integers[k])});
  const std::string quotas = file.string_attribute("/provenance", "quotas");
  if (!quotas.empty()) s.quotas = cohort::parse_quotas(quotas, path + ": /provenance/quotas");
  s.size = static_cast<std::uint64_t>(file.int_attribute("/provenance", "size_requested"));
  const ResultTable p = read_table(file, "/patients", 0, table_rows(file, "/patients"),
                                   {"person_id", "score", "entry_passed", "rule_passed", "sex", "race", "ethnicity",
                                    "age_group", "age", "index_date"});
  s.entry_passed.reserve(p.rows());
  s.rule_passed.reserve(p.rows());
  s.patients.resize(p.rows());
  const auto& dates = p.at("index_date").texts;
  for (std::size_t i = 0; i < p.rows(); ++i) {
    s.entry_passed.push_back(static_cast<std::uint8_t>(p.at("entry_passed").integers[i]));
    s.rule_passed.push_back(static_cast<std::uint64_t>(p.at("rule_passed").integers[i]));
    cohort::SelectionCandidate& c = s.patients[i];
    c.person_id = p.at("person_id").integers[i];
    c.score = p.at("score").numbers[i];
    for (int d = 0; d < cohort::kDimensions; ++d) c.strata[d] = p.at(cohort::kDimensionNames[d]).texts[i];
    c.age = static_cast<int>(p.at("age").integers[i]);
    if (!cohort::parse_date(dates[i], &c.index_day)) throw Error(path + ": /patients/index_date: bad date " + dates[i]);
  }
  std::map<std::array<std::string, cohort::kDimensions>, std::uint32_t> cell_index;
  s.cell_of.resize(s.patients.size());
  for (std::size_t i = 0; i < s.patients.size(); ++i) {
    const auto [it, added] = cell_index.emplace(s.patients[i].strata, static_cast<std::uint32_t>(s.cells.size()));
    if (added) s.cells.emplace_back();
    s.cells[it->second].push_back(static_cast<std::uint32_t>(i));
    s.cell_of[i] = it->second;
  }
  for (auto& members : s.cells)
    std::sort(members.begin(), members.end(), [&](std::uint32_t a, std::uint32_t b) {
      const auto &x = s.patients[a], &y = s.patients[b];
      return x.score != y.score ? x.score > y.score : x.person_id < y.person_id;
    });
  return s;
}

WhatIfOutcome what_if(const StoredOutcomes& s, const std::vector<std::string>& disable,
                      const std::vector<std::string>& enable, const cohort::SelectionOptions& options) {
  WhatIfOutcome o;
  o.attrition = s.attrition;
  std::vector<bool> applied;
  for (std::size_t r = 0; r < s.rules.size(); ++r) applied.push_back(s.attrition[kFirstRuleStep + r].applied);
  for (const auto& name : disable) {
    const std::size_t r = rule_position(s, name, "--disable");
    if (std::find(enable.begin(), enable.end(), name) != enable.end())
      throw Error("--disable and --enable both name \"" + name + "\"");
    applied[r] = false;
    o.attrition[kFirstRuleStep + r].activation = "not applied: switched off by --disable";
  }
  for (const auto& name : enable) {
    const std::size_t r = rule_position(s, name, "--enable");
    applied[r] = true;
    o.attrition[kFirstRuleStep + r].activation = "applied: switched on by --enable";
  }
  // The mask of the rules that now apply: a patient passes them all when its outcome has every bit.
  std::uint64_t applied_mask = 0;
  for (std::size_t r = 0; r < applied.size(); ++r) {
    o.attrition[kFirstRuleStep + r].applied = applied[r];
    if (applied[r]) applied_mask |= std::uint64_t{1} << r;
  }
  for (std::size_t r = 0; r < s.rules.size(); ++r) {
    auto& step = o.attrition[kFirstRuleStep + r];
    step.remaining = step.removed = step.removed_alone = 0;
  }
  std::vector<std::uint8_t> eligible(s.patients.size(), 0);
  // Per cell: its eligible patients and its first eligible row (the cell order of keep_cell_leaders).
  std::vector<std::uint64_t> cell_eligible(s.cells.size(), 0);
  std::vector<std::size_t> cell_first(s.cells.size(), s.patients.size());
  for (std::size_t i = 0; i < s.patients.size(); ++i) {
    const std::uint64_t failed = ~s.rule_passed[i] & applied_mask;
    for (std::uint64_t f = failed; f; f &= f - 1) ++o.attrition[kFirstRuleStep + __builtin_ctzll(f)].removed_alone;
    if (s.entry_passed[i] != kAllEntrySteps) continue;
    // The first failed rule removes the patient; every rule before it keeps it.
    const std::size_t first = failed ? static_cast<std::size_t>(__builtin_ctzll(failed)) : s.rules.size();
    for (std::size_t r = 0; r < first; ++r) ++o.attrition[kFirstRuleStep + r].remaining;
    if (first < s.rules.size()) {
      ++o.attrition[kFirstRuleStep + first].removed;
      continue;
    }
    eligible[i] = 1;
    ++o.eligible;
    const std::uint32_t c = s.cell_of[i];
    ++cell_eligible[c];
    cell_first[c] = std::min(cell_first[c], i);
  }
  // The selection's quota outcomes count the pool of cell leaders: report every eligible patient.
  auto& eligible_by_category = o.eligible_by_category;
  std::vector<std::size_t> order;
  for (std::size_t c = 0; c < s.cells.size(); ++c) {
    if (cell_eligible[c] == 0) continue;
    order.push_back(c);
    for (int d = 0; d < cohort::kDimensions; ++d)
      eligible_by_category[{d, s.patients[s.cells[c].front()].strata[d]}] += cell_eligible[c];
  }
  std::sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return cell_first[a] < cell_first[b]; });
  // Each cell's `size` best eligible patients: what keep_cell_leaders keeps of all of them.
  std::vector<cohort::SelectionCandidate> pool;
  for (std::size_t c : order) {
    std::uint64_t kept = 0;
    for (std::uint32_t i : s.cells[c]) {
      if (kept == s.size) break;
      if (!eligible[i]) continue;
      pool.push_back(s.patients[i]);
      ++kept;
    }
  }
  o.selection = cohort::select_cohort(pool, s.size, s.quotas, options);
  for (auto& q : o.selection.quotas) q.eligible = eligible_by_category[{q.bound.dimension, q.bound.category}];
  for (std::size_t i : o.selection.chosen) o.chosen.push_back(pool[i]);
  return o;
}

}  // namespace molsieve::workflows
