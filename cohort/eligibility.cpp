#include "cohort/eligibility.h"

#include <tbb/blocked_range.h>
#include <tbb/parallel_for.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>
#include <sstream>

#include "cohort/units.h"
#include "cohort/vocabulary.h"
#include "core/error.h"
#include "kernels/patient_events.h"

namespace molsieve::cohort {
namespace {

using kernels::kNoIndexDay;
using Flags = std::vector<std::uint8_t>;


// The columns of one slice the kernel reads, and what a criterion needs to be compiled.
struct SliceView {
  const Population& p;
  std::vector<std::int32_t> genotype_codes;  // gene << 16 | result
  std::map<std::int32_t, std::set<std::int16_t>> measurement_units;
  const std::int32_t* index_day;
  kernels::Backend backend;

  kernels::PatientEvents events(Criterion::Kind kind) const {
    kernels::PatientEvents e;
    e.patients = p.persons();
    switch (kind) {
      case Criterion::Kind::Condition:
        e.offsets = p.condition.offsets.data();
        e.codes = p.condition.concept_id.data();
        e.start_day = p.condition.start.data();
        e.end_day = p.condition.end.data();
        break;
      case Criterion::Kind::Drug:
        e.offsets = p.drug.offsets.data();
        e.codes = p.drug.concept_id.data();
        e.start_day = p.drug.start.data();
        e.end_day = p.drug.end.data();
        break;
      case Criterion::Kind::Measurement:
        e.offsets = p.measurement.offsets.data();
        e.codes = p.measurement.concept_id.data();
        e.start_day = p.measurement.date.data();
        e.values = p.measurement.value.data();
        e.upper_limits = p.measurement.range_high.data();
        e.lower_limits = p.measurement.range_low.data();
        break;
      default:
        e.offsets = p.genotype.offsets.data();
        e.codes = genotype_codes.data();
        e.values = p.genotype.value.data();
        break;
    }
    return e;
  }
};

// Conversion of each concept's stored values into the unit of the criterion's thresholds.
void compile_units(const Criterion& c, const SliceView& view, kernels::EventCriterion* k) {
  k->value_scale.assign(k->codes.size(), 1.0);
  k->value_offset.assign(k->codes.size(), 0.0);
  const auto absolute = std::find_if(c.tests.begin(), c.tests.end(), [](const MeasurementTest& t) {
    return t.test.scale == kernels::ValueScale::Absolute;
  });
  if (absolute == c.tests.end()) return;
  const MeasurementTest& test = *absolute;
  for (std::size_t i = 0; i < k->codes.size(); ++i) {
    const auto found = view.measurement_units.find(k->codes[i]);
    if (found == view.measurement_units.end()) continue;  // no values of this concept here
    std::optional<Conversion> chosen;
    for (std::int16_t code : found->second) {
      const std::string& stored = view.p.measurement.units[code];
      const auto conversion = unit_conversion(k->codes[i], stored, test.unit);
      if (!conversion)
        throw Error(test.unit_path + ": " + concepts::concept_name(k->codes[i]) + " is stored in \"" + stored +
                    "\", which cannot be compared with a threshold in \"" + test.unit + "\"");
      if (chosen && (chosen->scale != conversion->scale || chosen->offset != conversion->offset))
        throw Error(test.unit_path + ": " + concepts::concept_name(k->codes[i]) +
                    " is stored in more than one unit; import it in one unit");
      chosen = conversion;
    }
    k->value_scale[i] = chosen->scale;
    k->value_offset[i] = chosen->offset;
  }
}

Flags evaluate_criterion(const Criterion& c, const SliceView& view) {
  const std::size_t n = view.p.persons();
  if (c.kind == Criterion::Kind::All || c.kind == Criterion::Kind::Any || c.kind == Criterion::Kind::AtLeast) {
    std::vector<std::uint32_t> counts(n, 0);
    for (const Criterion& child : c.children) {
      const Flags met = evaluate_criterion(child, view);
      for (std::size_t i = 0; i < n; ++i) counts[i] += met[i];
    }
    const std::uint32_t needed = c.kind == Criterion::Kind::All   ? static_cast<std::uint32_t>(c.children.size())
                                 : c.kind == Criterion::Kind::Any ? 1
                                                                  : c.at_least;
    Flags out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = counts[i] >= needed;
    return out;
  }
  kernels::EventCriterion k;
  if (c.kind == Criterion::Kind::Genotype) {
    const GenotypeTable& g = view.p.genotype;
    const auto gene = std::find(g.genes.begin(), g.genes.end(), c.gene);
    if (gene != g.genes.end()) {
      const std::int32_t gene_code = static_cast<std::int32_t>(gene - g.genes.begin());
      for (std::size_t r = 0; r < g.results.size(); ++r)
        if (c.results.empty() || std::find(c.results.begin(), c.results.end(), g.results[r]) != c.results.end())
          k.codes.push_back(gene_code << 16 | static_cast<std::int32_t>(r));
    }
    k.value_scale.assign(k.codes.size(), 1.0);
    k.value_offset.assign(k.codes.size(), 0.0);
  } else {
    k.codes = c.concepts;
    k.window_start = c.window.start;
    k.window_end = c.window.end;
    k.overlap = c.kind == Criterion::Kind::Drug;
    k.min_count = c.min_count;
    if (c.kind == Criterion::Kind::Measurement) {
      compile_units(c, view, &k);
      if (c.latest) k.occurrence = kernels::Occurrence::Latest;
    } else {
      k.value_scale.assign(k.codes.size(), 1.0);
      k.value_offset.assign(k.codes.size(), 0.0);
    }
  }
  for (const MeasurementTest& t : c.tests) k.tests.push_back(t.test);
  Flags out(n, 0);
  if (k.codes.empty()) return out;  // a gene or result this population does not have
  kernels::evaluate_event_criterion(view.backend, view.events(c.kind), k, view.index_day, out.data());
  for (auto& v : out)
    if (v == kernels::kNoEvent) v = c.missing_passes ? 1 : 0;
  return out;
}

std::vector<std::int32_t> index_days(const CohortDefinition& d, const Population& p) {
  std::vector<std::int32_t> days(p.persons(), kNoIndexDay);
  if (d.index.fixed_date) {
    std::fill(days.begin(), days.end(), d.index.day);
    return days;
  }
  const EventTable& c = p.condition;
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, p.persons(), 8192), [&](const auto& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i)
      for (std::uint64_t r = c.offsets[i]; r < c.offsets[i + 1]; ++r) {
        if (!std::binary_search(d.index.concepts.begin(), d.index.concepts.end(), c.concept_id[r])) continue;
        if (days[i] == kNoIndexDay || (d.index.first ? c.start[r] < days[i] : c.start[r] > days[i]))
          days[i] = c.start[r];
      }
  });
  return days;
}

// Value of a ranking term for patient i: the latest biomarker or measurement at or before the index day.
double term_value(const RankingTerm& t, const SliceView& view, const std::vector<Conversion>& conversion,
                  std::int16_t gene_code, std::size_t i) {
  const Population& p = view.p;
  double value = std::numeric_limits<double>::quiet_NaN();
  if (t.genotype) {
    for (std::uint64_t r = p.genotype.offsets[i]; r < p.genotype.offsets[i + 1]; ++r)
      if (p.genotype.gene[r] == gene_code && !std::isnan(p.genotype.value[r])) value = p.genotype.value[r];
  } else {
    std::int32_t latest = std::numeric_limits<std::int32_t>::min();
    const MeasurementTable& m = p.measurement;
    for (std::uint64_t r = m.offsets[i]; r < m.offsets[i + 1]; ++r) {
      const auto code = std::lower_bound(t.concepts.begin(), t.concepts.end(), m.concept_id[r]);
      if (code == t.concepts.end() || *code != m.concept_id[r] || m.date[r] > view.index_day[i] || m.date[r] < latest)
        continue;
      latest = m.date[r];
      value = conversion[code - t.concepts.begin()].apply(m.value[r]);
    }
  }
  return std::isnan(value) ? t.missing : value;
}

// What the criteria read of a slice: genotypes coded as (gene, result) and the units each
// measurement concept is stored in.
SliceView slice_view(const Population& p, const std::int32_t* index_day, kernels::Backend backend) {
  SliceView view{p, {}, {}, index_day, backend};
  view.genotype_codes.resize(p.genotype.rows());
  for (std::size_t r = 0; r < p.genotype.rows(); ++r)
    view.genotype_codes[r] = std::int32_t{p.genotype.gene[r]} << 16 | p.genotype.result[r];
  for (std::size_t r = 0; r < p.measurement.rows(); ++r)
    view.measurement_units[p.measurement.concept_id[r]].insert(p.measurement.unit[r]);
  return view;
}

// The steps before the rules: an index day, observation around it, age and sex; fills the
// age at the index day (-1 without one).
std::vector<Flags> pass_entry_steps(const CohortDefinition& d, const Population& p, EligibilityResult* result) {
  const std::size_t n = p.persons();
  Flags has_index(n), observed(n), age_ok(n), sex_ok(n);
  result->age.assign(n, -1);
  for (std::size_t i = 0; i < n; ++i) {
    const std::int32_t index = result->index_day[i];
    has_index[i] = index != kNoIndexDay;
    if (!has_index[i]) continue;
    for (std::uint64_t r = p.observation_period.offsets[i]; r < p.observation_period.offsets[i + 1]; ++r)
      if (std::int64_t{p.observation_period.start[r]} + d.prior_observation_days <= index &&
          std::int64_t{index} + d.post_observation_days <= p.observation_period.end[r])
        observed[i] = 1;
    result->age[i] = year_of(index) - p.year_of_birth[i];
    age_ok[i] = result->age[i] >= d.age_min && result->age[i] <= d.age_max;
    sex_ok[i] = d.sexes.empty() ||
                std::find(d.sexes.begin(), d.sexes.end(), p.gender_concept_id[i]) != d.sexes.end();
  }
  return {has_index, observed, age_ok, sex_ok};
}

Flags pass_rule(const Rule& rule, const SliceView& view) {
  Flags met = evaluate_criterion(rule.criterion, view);
  if (rule.exclusion)
    for (auto& v : met) v = !v;
  return met;
}

// Each patient's entry steps and rules as bit masks (rules whether applied or not).
void record_outcomes(const std::vector<Flags>& entry, const std::vector<Flags>& rules, EligibilityResult* result) {
  const std::size_t n = result->index_day.size();
  result->entry_passed.assign(n, 0);
  result->rule_passed.assign(n, 0);
  for (std::size_t k = 0; k < entry.size(); ++k)
    for (std::size_t i = 0; i < n; ++i) result->entry_passed[i] |= static_cast<std::uint8_t>(entry[k][i] << k);
  for (std::size_t r = 0; r < rules.size(); ++r)
    for (std::size_t i = 0; i < n; ++i) result->rule_passed[i] |= std::uint64_t{rules[r][i]} << r;
}

// Counts each step's survivors and removals in order; those left after the last are eligible.
void count_attrition(const std::vector<Flags>& passes, const std::vector<AttritionStep>& steps,
                     EligibilityResult* result) {
  const std::size_t n = result->index_day.size();
  const Flags& has_index = passes[0];
  result->attrition = steps;
  result->attrition[0].remaining = n;
  Flags remaining(n, 1);
  for (std::size_t k = 0; k < passes.size(); ++k) {
    AttritionStep& s = result->attrition[k + 1];
    for (std::size_t i = 0; i < n; ++i) {
      if (remaining[i] && !passes[k][i]) ++s.removed;
      remaining[i] = remaining[i] && passes[k][i];
      s.remaining += remaining[i];
      if (k == 0 ? !has_index[i] : has_index[i] && !passes[k][i]) ++s.removed_alone;
    }
  }
  result->eligible = remaining;
}

// How a ranking term reads each of its concepts: the one unit it is stored in, converted.
std::vector<Conversion> ranking_conversions(const RankingTerm& t, const SliceView& view) {
  std::vector<Conversion> per_concept;
  for (std::int32_t c : t.concepts) {
    Conversion chosen;
    const auto found = view.measurement_units.find(c);
    if (found != view.measurement_units.end()) {
      const std::string& stored = view.p.measurement.units[*found->second.begin()];
      const auto conversion = unit_conversion(c, stored, t.unit);
      if (!conversion || found->second.size() > 1)
        throw Error("/ranking: " + concepts::concept_name(c) + " is stored in \"" + stored +
                    "\", which cannot be read in \"" + t.unit + "\"");
      chosen = *conversion;
    }
    per_concept.push_back(chosen);
  }
  return per_concept;
}

// Expected benefit: sum of weight * value over the ranking terms.
void score_eligible(const CohortDefinition& d, const SliceView& view, EligibilityResult* result) {
  const Population& p = view.p;
  std::vector<std::vector<Conversion>> conversions;
  std::vector<std::int16_t> gene_codes;  // -1: a biomarker this population does not have
  for (const RankingTerm& t : d.ranking) {
    conversions.push_back(ranking_conversions(t, view));
    const auto gene = std::find(p.genotype.genes.begin(), p.genotype.genes.end(), t.gene);
    gene_codes.push_back(gene == p.genotype.genes.end() ? -1 : static_cast<std::int16_t>(gene - p.genotype.genes.begin()));
  }
  const std::size_t terms = d.ranking.size();
  result->score.assign(p.persons(), std::numeric_limits<double>::quiet_NaN());
  result->score_parts.assign(p.persons() * terms, std::numeric_limits<double>::quiet_NaN());
  tbb::parallel_for(tbb::blocked_range<std::size_t>(0, p.persons(), 8192), [&](const auto& range) {
    for (std::size_t i = range.begin(); i != range.end(); ++i) {
      if (result->index_day[i] == kNoIndexDay) continue;
      double score = 0;
      for (std::size_t t = 0; t < terms; ++t) {
        const double part = d.ranking[t].weight * term_value(d.ranking[t], view, conversions[t], gene_codes[t], i);
        result->score_parts[i * terms + t] = part;
        score += part;
      }
      if (result->eligible[i]) result->score[i] = score;
    }
  });
}

}  // namespace

void add_attrition(std::vector<AttritionStep>& into, const std::vector<AttritionStep>& from) {
  if (into.empty()) {
    into = from;
    return;
  }
  for (std::size_t k = 0; k < into.size(); ++k) {
    into[k].remaining += from[k].remaining;
    into[k].removed += from[k].removed;
    into[k].removed_alone += from[k].removed_alone;
  }
}

EligibilityEvaluator::EligibilityEvaluator(const CohortDefinition& d, const std::map<std::string, double>* predictions,
                                           kernels::Backend backend)
    : definition_(d), backend_(backend) {
  if (d.rules.size() > kMaxMaskedRules)
    throw Error("/inclusion_rules, /exclusion_rules: " + std::to_string(d.rules.size()) +
                " rules; a patient's rule outcomes hold at most " +
                std::to_string(kMaxMaskedRules));
  auto step = [&](std::string name, std::string kind) {
    AttritionStep s;
    s.name = std::move(name);
    s.kind = std::move(kind);
    steps_.push_back(s);
  };
  step("population", "population");
  step(d.index.fixed_date ? "index date " + format_date(d.index.day)
                          : std::string(d.index.first ? "first " : "latest ") + d.index.concepts_label,
       "index");
  step("observed " + std::to_string(d.prior_observation_days) + " d before and " +
           std::to_string(d.post_observation_days) + " d after index",
       "observation");
  step("age " + std::to_string(d.age_min) + " to " + std::to_string(d.age_max), "age");
  std::string sexes;
  for (auto s : d.sexes) sexes += (sexes.empty() ? "" : ", ") + concepts::concept_name(s);
  step("sex " + (sexes.empty() ? std::string("any") : sexes), "sex");
  for (const Rule& rule : d.rules) {
    step(rule.name, rule.exclusion ? "exclusion" : "inclusion");
    AttritionStep& s = steps_.back();
    if (!rule.when) continue;
    const CandidateCondition& when = *rule.when;
    if (!predictions) {
      s.activation = "applied: no candidate given (" + when.text + " cannot be ruled out)";
      continue;
    }
    const auto found = predictions->find(when.column);
    if (found == predictions->end())
      throw Error(rule.path + "/when/prediction: the candidate's results have no column \"" + when.column + "\"");
    std::ostringstream text;
    text << when.column << " = " << found->second;
    if (std::isnan(found->second)) {
      s.activation = "applied: the candidate has no " + when.column + " prediction";
    } else if (kernels::satisfies(found->second, when.comparison, when.value)) {
      s.activation = "applied: the candidate's " + text.str() + " meets " + when.text;
    } else {
      s.applied = false;
      s.activation = "not applied: the candidate's " + text.str() + " does not meet " + when.text;
    }
  }
}

EligibilityResult EligibilityEvaluator::evaluate(const Population& p) const {
  const CohortDefinition& d = definition_;
  EligibilityResult result;
  result.index_day = index_days(d, p);
  const SliceView view = slice_view(p, result.index_day.data(), backend_);
  // passes[k][i]: patient i passes step k (steps after "population").
  std::vector<Flags> passes = pass_entry_steps(d, p, &result);
  std::vector<Flags> rules;
  for (const Rule& rule : d.rules) rules.push_back(pass_rule(rule, view));
  record_outcomes(passes, rules, &result);
  // A rule the candidate did not switch on passes everyone (steps: population, 4 entry steps, rules).
  for (std::size_t r = 0; r < d.rules.size(); ++r)
    passes.push_back(steps_[5 + r].applied ? std::move(rules[r]) : Flags(p.persons(), 1));
  count_attrition(passes, steps_, &result);
  score_eligible(d, view, &result);
  return result;
}

}  // namespace molsieve::cohort
