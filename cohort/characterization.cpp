#include "cohort/characterization.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "cohort/calendar.h"
#include "cohort/quota_selection.h"
#include "kernels/patient_events.h"

namespace molsieve::cohort {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

void collect(const Criterion& c, CharacterizationItems& items) {
  auto has_lab = [&](const std::string& label) {
    return std::any_of(items.labs.begin(), items.labs.end(), [&](const auto& l) { return l.label == label; });
  };
  auto has_record = [&](const std::string& label, bool drug) {
    return std::any_of(items.records.begin(), items.records.end(),
                       [&](const auto& r) { return r.label == label && r.drug == drug; });
  };
  switch (c.kind) {
    case Criterion::Kind::Measurement:
      if (!has_lab(c.concepts.label)) items.labs.push_back({c.concepts.label, c.concepts.ids, c.window});
      break;
    case Criterion::Kind::Condition:
    case Criterion::Kind::Drug: {
      const bool drug = c.kind == Criterion::Kind::Drug;
      if (!has_record(c.concepts.label, drug)) items.records.push_back({c.concepts.label, drug, c.concepts.ids, c.window});
      break;
    }
    case Criterion::Kind::Genotype:
      break;
    default:
      for (const Criterion& child : c.children) collect(child, items);
  }
}

bool in(const std::vector<std::int32_t>& sorted, std::int32_t concept_id) {
  return std::binary_search(sorted.begin(), sorted.end(), concept_id);
}

// Linear interpolation between order statistics (pandas' and R's default quantile).
double quantile(const std::vector<double>& sorted, double q) {
  if (sorted.empty()) return kNaN;
  const double h = q * static_cast<double>(sorted.size() - 1);
  const std::size_t lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

bool small(std::uint64_t count) { return count >= 1 && count <= 4; }

}  // namespace

const char* const kCharacterizationGroups[3] = {"population", "eligible", "selected"};

CharacterizationItems characterization_items(const CohortDefinition& d) {
  CharacterizationItems items;
  if (!d.index.fixed_date) items.records.push_back({d.index.concepts.label, false, d.index.concepts.ids, Window{}});
  for (const Rule& rule : d.rules) collect(rule.criterion, items);
  for (const RankingTerm& t : d.ranking)
    if (!t.genotype && std::none_of(items.labs.begin(), items.labs.end(), [&](const auto& l) { return l.label == t.label; }))
      items.labs.push_back({t.label, t.concepts.ids, Window{}});
  return items;
}

std::string age_band(int age) {
  if (age < 18) return "0-17";
  if (age < 45) return "18-44";
  if (age < 65) return "45-64";
  if (age < 75) return "65-74";
  if (age < 85) return "75-84";
  return "85+";
}

PatientFeatures patient_features(const CharacterizationItems& items, const Population& p,
                                 const std::vector<std::int32_t>& index_day) {
  const std::size_t n = p.persons(), labs = items.labs.size(), records = items.records.size();
  PatientFeatures f;
  f.age.assign(n, -1);
  f.labs.assign(n * labs, kNaN);
  f.records.assign(n * records, 0);
  f.lab_units.assign(labs, "");
  const MeasurementTable& m = p.measurement;
  // (concept, item) sorted: each event row is looked up once, whatever the number of items.
  std::vector<std::pair<std::int32_t, std::size_t>> lab_of, condition_of, drug_of;
  for (std::size_t l = 0; l < labs; ++l)
    for (std::int32_t c : items.labs[l].concepts) lab_of.push_back({c, l});
  for (std::size_t c = 0; c < records; ++c)
    for (std::int32_t id : items.records[c].concepts) (items.records[c].drug ? drug_of : condition_of).push_back({id, c});
  for (auto* v : {&lab_of, &condition_of, &drug_of}) std::sort(v->begin(), v->end());
  auto items_of = [](const std::vector<std::pair<std::int32_t, std::size_t>>& sorted, std::int32_t concept_id) {
    return std::equal_range(sorted.begin(), sorted.end(), std::pair<std::int32_t, std::size_t>{concept_id, 0},
                            [](const auto& a, const auto& b) { return a.first < b.first; });
  };
  // Patients are independent: blocks of them in parallel.
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, n, 8192), [&](const auto& range) {
    std::vector<Day> latest(labs);
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      const bool indexed = index_day[i] != kernels::kNoIndexDay;
      Day reference = index_day[i];
      if (!indexed) {
        reference = std::numeric_limits<Day>::max();
        for (std::uint64_t r = p.observation_period.offsets[i]; r < p.observation_period.offsets[i + 1]; ++r)
          reference = r == p.observation_period.offsets[i] ? p.observation_period.end[r]
                                                           : std::max(reference, p.observation_period.end[r]);
      }
      if (reference != std::numeric_limits<Day>::max()) f.age[i] = year_of(reference) - p.year_of_birth[i];
      auto in_window = [&](Day day, const Window& w) {
        return !indexed || (std::int64_t{day} >= std::int64_t{reference} + w.start &&
                            std::int64_t{day} <= std::int64_t{reference} + w.end);
      };
      std::fill(latest.begin(), latest.end(), std::numeric_limits<Day>::min());
      for (std::uint64_t r = m.offsets[i]; r < m.offsets[i + 1]; ++r) {
        const auto [first, last] = items_of(lab_of, m.concept_id[r]);
        for (auto it = first; it != last; ++it) {
          const std::size_t l = it->second;
          if (!in_window(m.date[r], items.labs[l].window) || m.date[r] < latest[l]) continue;
          latest[l] = m.date[r];
          f.labs[i * labs + l] = m.value[r];
        }
      }
      for (std::uint64_t r = p.condition.offsets[i]; r < p.condition.offsets[i + 1]; ++r) {
        const auto [first, last] = items_of(condition_of, p.condition.concept_id[r]);
        for (auto it = first; it != last; ++it)
          if (in_window(p.condition.start[r], items.records[it->second].window)) f.records[i * records + it->second] = 1;
      }
      // A drug exposure counts when it overlaps the window, as drug rules read it.
      for (std::uint64_t r = p.drug.offsets[i]; r < p.drug.offsets[i + 1]; ++r) {
        const auto [first, last] = items_of(drug_of, p.drug.concept_id[r]);
        for (auto it = first; it != last; ++it) {
          const Window& w = items.records[it->second].window;
          if (!indexed || (std::int64_t{p.drug.start[r]} <= std::int64_t{reference} + w.end &&
                           std::int64_t{p.drug.end[r]} >= std::int64_t{reference} + w.start))
            f.records[i * records + it->second] = 1;
        }
      }
    }
  });
  // Each analyte is stored in one unit: that of its first row.
  for (std::size_t l = 0; l < labs; ++l)
    for (std::size_t r = 0; r < m.rows(); ++r)
      if (in(items.labs[l].concepts, m.concept_id[r])) {
        f.lab_units[l] = m.units[m.unit[r]];
        break;
      }
  return f;
}

void CharacterizationGroup::add(const std::array<std::string, 3>& demographics, int age, const double* labs,
                                const std::uint8_t* records, const CharacterizationItems& items) {
  lab_values.resize(items.labs.size());
  record_counts.resize(items.records.size(), 0);
  ++patients;
  for (int d = 0; d < 3; ++d) ++categories[d][demographics[d]];
  if (age >= 0) {
    ages.push_back(age);
    ++categories[3][age_band(age)];
  } else {
    ++categories[3]["unknown"];
  }
  for (std::size_t l = 0; l < items.labs.size(); ++l)
    if (!std::isnan(labs[l])) lab_values[l].push_back(labs[l]);
  for (std::size_t c = 0; c < items.records.size(); ++c) record_counts[c] += records[c];
}

void CharacterizationGroup::add_slice(const Population& p, const PatientFeatures& f, const CharacterizationItems& items) {
  lab_values.resize(items.labs.size());
  record_counts.resize(items.records.size(), 0);
  lab_units.resize(items.labs.size());
  for (std::size_t l = 0; l < items.labs.size(); ++l)
    if (lab_units[l].empty()) lab_units[l] = f.lab_units[l];
  const std::size_t n = p.persons(), labs = items.labs.size(), records = items.records.size();
  patients += n;
  std::map<std::int32_t, std::uint64_t> by_concept[3];
  std::map<std::string, std::uint64_t> bands;
  for (std::size_t i = 0; i < n; ++i) {
    ++by_concept[0][p.gender_concept_id[i]];
    ++by_concept[1][p.race_concept_id[i]];
    ++by_concept[2][p.ethnicity_concept_id[i]];
  }
  for (const auto& [id, count] : by_concept[0]) categories[0][sex_category(id)] += count;
  for (const auto& [id, count] : by_concept[1]) categories[1][race_category(id)] += count;
  for (const auto& [id, count] : by_concept[2]) categories[2][ethnicity_category(id)] += count;
  std::map<int, std::uint64_t> by_age;
  for (int age : f.age) ++by_age[age];
  for (const auto& [age, count] : by_age) {
    categories[3][age >= 0 ? age_band(age) : "unknown"] += count;
    if (age >= 0) ages.insert(ages.end(), count, age);
  }
  for (auto& values : lab_values) values.reserve(values.size() + n);
  for (std::size_t i = 0; i < n; ++i) {
    for (std::size_t l = 0; l < labs; ++l)
      if (!std::isnan(f.labs[i * labs + l])) lab_values[l].push_back(f.labs[i * labs + l]);
    for (std::size_t c = 0; c < records; ++c) record_counts[c] += f.records[i * records + c];
  }
}

void CharacterizationGroup::merge(const CharacterizationGroup& o) {
  patients += o.patients;
  for (int d = 0; d < 4; ++d)
    for (const auto& [category, count] : o.categories[d]) categories[d][category] += count;
  ages.insert(ages.end(), o.ages.begin(), o.ages.end());
  lab_values.resize(std::max(lab_values.size(), o.lab_values.size()));
  for (std::size_t l = 0; l < o.lab_values.size(); ++l)
    lab_values[l].insert(lab_values[l].end(), o.lab_values[l].begin(), o.lab_values[l].end());
  record_counts.resize(std::max(record_counts.size(), o.record_counts.size()), 0);
  for (std::size_t c = 0; c < o.record_counts.size(); ++c) record_counts[c] += o.record_counts[c];
  lab_units.resize(std::max(lab_units.size(), o.lab_units.size()));
  for (std::size_t l = 0; l < o.lab_units.size(); ++l)
    if (lab_units[l].empty()) lab_units[l] = o.lab_units[l];
}

std::vector<CharacteristicRow> characterize(const CharacterizationItems& items,
                                            const std::array<const CharacterizationGroup*, 3>& groups) {
  std::vector<CharacteristicRow> rows;
  auto row = [&](const std::string& section, const std::string& characteristic, int g, std::uint64_t count,
                 std::vector<double> values = {}, bool with_values = false) {
    CharacteristicRow r{section, characteristic, kCharacterizationGroups[g], count, kNaN, kNaN, kNaN, kNaN};
    const std::uint64_t of = groups[g]->patients;
    if (!small(count) && of > 0) r.percent = 100.0 * static_cast<double>(count) / static_cast<double>(of);
    if (with_values && !small(count)) {
      std::sort(values.begin(), values.end());
      r.median = quantile(values, 0.5);
      r.q1 = quantile(values, 0.25);
      r.q3 = quantile(values, 0.75);
    }
    rows.push_back(std::move(r));
  };
  for (int g = 0; g < 3; ++g) row("patients", "all", g, groups[g]->patients);
  for (int g = 0; g < 3; ++g) row("age", "age at reference day (years)", g, groups[g]->ages.size(), groups[g]->ages, true);
  const char* const sections[4] = {"sex", "race", "ethnicity", "age band"};
  for (int d : {3, 0, 1, 2}) {
    std::map<std::string, bool> seen;  // every group lists the categories any group has
    for (const auto* group : groups)
      for (const auto& entry : group->categories[d]) seen[entry.first] = true;
    for (const auto& entry : seen)
      for (int g = 0; g < 3; ++g) {
        const auto found = groups[g]->categories[d].find(entry.first);
        row(sections[d], entry.first, g, found == groups[g]->categories[d].end() ? 0 : found->second);
      }
  }
  for (std::size_t l = 0; l < items.labs.size(); ++l) {
    std::string unit;
    for (const auto* group : groups)
      if (unit.empty() && l < group->lab_units.size()) unit = group->lab_units[l];
    const std::string label = items.labs[l].label + (unit.empty() ? "" : " (" + unit + ")");
    for (int g = 0; g < 3; ++g) {
      const std::vector<double> none;
      const auto& values = l < groups[g]->lab_values.size() ? groups[g]->lab_values[l] : none;
      row("lab", label, g, values.size(), values, true);
    }
  }
  for (std::size_t c = 0; c < items.records.size(); ++c)
    for (int g = 0; g < 3; ++g)
      row(items.records[c].drug ? "drug" : "condition", items.records[c].label, g,
          c < groups[g]->record_counts.size() ? groups[g]->record_counts[c] : 0);
  return rows;
}

}  // namespace molsieve::cohort
