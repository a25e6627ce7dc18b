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

// The ratio to the reference limit that passes every test of `tests` (all relative to a limit).
double passing_ratio(const std::vector<MeasurementTest>& tests) {
  double low = -std::numeric_limits<double>::infinity(), high = std::numeric_limits<double>::infinity();
  for (const MeasurementTest& t : tests) {
    const double x = t.test.threshold;
    switch (t.test.comparison) {
      case kernels::Comparison::Equal: return x;
      case kernels::Comparison::Less: case kernels::Comparison::LessEqual: high = std::min(high, x); break;
      default: low = std::max(low, x);
    }
  }
  if (std::isfinite(low) && std::isfinite(high)) return (low + high) / 2;
  if (std::isfinite(low)) return low + 1;
  return high > 0 ? high / 2 : high - 1;
}

// Runs the kernel; kNoEvent (no value in the window) is left for the caller.
Flags run_kernel(const SliceView& view, const kernels::EventCriterion& k, const kernels::PatientEvents& events) {
  Flags out(view.p.persons(), kernels::kFails);
  if (!k.codes.empty()) kernels::evaluate_event_criterion(view.backend, events, k, view.index_day, out.data());
  return out;
}

// Patients with an index day whose criterion if_missing decides (`missing`) get its outcome.
void apply_if_missing(const Criterion& c, const Flags& missing, const SliceView& view, Flags& met, Flags& decided) {
  for (std::size_t i = 0; i < met.size(); ++i)
    if (missing[i] && view.index_day[i] != kNoIndexDay) {
      met[i] = c.missing_passes ? 1 : 0;
      decided[i] = 1;
    }
}

// The patients for whom the criterion's concepts (or gene) have no event at all in the
// window: what "missing" means for measurements read at any occurrence and for genotypes.
Flags without_any_event(const Criterion& c, const SliceView& view, kernels::EventCriterion k) {
  k.tests.clear();
  k.occurrence = kernels::Occurrence::AtLeast;
  k.min_count = 1;
  Flags present = run_kernel(view, k, view.events(c.kind));
  for (auto& v : present) v = v == kernels::kHolds ? 0 : 1;
  return present;
}

// A value whose reference limit is unknown can neither pass nor fail an "x ULN" test. The
// kernel fails it (NaN); evaluated again with each unknown limit set so that its value passes,
// a patient who then passes has an outcome the missing limits decide.
Flags undecided_by_missing_limits(const Criterion& c, const SliceView& view, const kernels::EventCriterion& k,
                                  const Flags& met) {
  const auto relative = std::find_if(c.tests.begin(), c.tests.end(), [](const MeasurementTest& t) {
    return t.test.scale != kernels::ValueScale::Absolute;
  });
  Flags undecided(met.size(), 0);
  if (relative == c.tests.end()) return undecided;
  const MeasurementTable& m = view.p.measurement;
  const std::vector<double>& limits = relative->test.scale == kernels::ValueScale::UpperLimit ? m.range_high : m.range_low;
  if (std::none_of(limits.begin(), limits.end(), [](double x) { return std::isnan(x); })) return undecided;
  const double ratio = passing_ratio(c.tests);
  std::vector<double> passing = limits;
  for (std::size_t r = 0; r < passing.size(); ++r)
    if (std::isnan(passing[r])) passing[r] = m.value[r] == 0 ? 1.0 : m.value[r] / ratio;
  kernels::PatientEvents events = view.events(c.kind);
  (relative->test.scale == kernels::ValueScale::UpperLimit ? events.upper_limits : events.lower_limits) = passing.data();
  const Flags optimistic = run_kernel(view, k, events);
  for (std::size_t i = 0; i < met.size(); ++i) undecided[i] = met[i] == kernels::kFails && optimistic[i] == kernels::kHolds;
  return undecided;
}

// Whether each patient meets the criterion; `decided` marks those whose outcome if_missing gave.
Flags evaluate_criterion(const Criterion& c, const SliceView& view, Flags* decided) {
  const std::size_t n = view.p.persons();
  decided->assign(n, 0);
  if (c.kind == Criterion::Kind::All || c.kind == Criterion::Kind::Any || c.kind == Criterion::Kind::AtLeast) {
    std::vector<std::uint32_t> counts(n, 0);
    Flags child_decided;
    for (const Criterion& child : c.children) {
      const Flags met = evaluate_criterion(child, view, &child_decided);
      for (std::size_t i = 0; i < n; ++i) {
        counts[i] += met[i];
        (*decided)[i] |= child_decided[i];
      }
    }
    const std::uint32_t needed = c.kind == Criterion::Kind::All   ? static_cast<std::uint32_t>(c.children.size())
                                 : c.kind == Criterion::Kind::Any ? 1
                                                                  : c.at_least;
    Flags out(n);
    for (std::size_t i = 0; i < n; ++i) out[i] = counts[i] >= needed;
    return out;
  }
  Flags met(n, 0);
  if (c.unrecorded) {  // the population records none of it: if_missing decides for everyone
    apply_if_missing(c, Flags(n, 1), view, met, *decided);
    return met;
  }
  kernels::EventCriterion k;
  if (c.kind == Criterion::Kind::Genotype) {
    const GenotypeTable& g = view.p.genotype;
    const auto gene = std::find(g.genes.begin(), g.genes.end(), c.gene);
    if (gene == g.genes.end()) {  // no patient of this slice has the gene on record
      apply_if_missing(c, Flags(n, 1), view, met, *decided);
      return met;
    }
    const std::int32_t gene_code = static_cast<std::int32_t>(gene - g.genes.begin());
    kernels::EventCriterion any_result;
    for (std::size_t r = 0; r < g.results.size(); ++r) {
      any_result.codes.push_back(gene_code << 16 | static_cast<std::int32_t>(r));
      if (c.results.empty() || std::find(c.results.begin(), c.results.end(), g.results[r]) != c.results.end())
        k.codes.push_back(any_result.codes.back());
    }
    for (auto* e : {&k, &any_result}) {
      e->value_scale.assign(e->codes.size(), 1.0);
      e->value_offset.assign(e->codes.size(), 0.0);
    }
    for (const MeasurementTest& t : c.tests) k.tests.push_back(t.test);
    met = run_kernel(view, k, view.events(c.kind));
    apply_if_missing(c, without_any_event(c, view, any_result), view, met, *decided);
    return met;
  }
  k.codes = c.concepts.ids;
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
  for (const MeasurementTest& t : c.tests) k.tests.push_back(t.test);
  met = run_kernel(view, k, view.events(c.kind));
  if (c.kind != Criterion::Kind::Measurement) return met;
  Flags missing(n);
  if (c.latest) {
    for (std::size_t i = 0; i < n; ++i) missing[i] = met[i] == kernels::kNoEvent;
  } else {
    missing = without_any_event(c, view, k);
  }
  const Flags no_limit = undecided_by_missing_limits(c, view, k, met);
  for (std::size_t i = 0; i < n; ++i) {
    missing[i] |= no_limit[i];
    if (met[i] == kernels::kNoEvent) met[i] = kernels::kFails;
  }
  apply_if_missing(c, missing, view, met, *decided);
  return met;
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
        if (!std::binary_search(d.index.concepts.ids.begin(), d.index.concepts.ids.end(), c.concept_id[r])) continue;
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
      const std::vector<std::int32_t>& ids = t.concepts.ids;
      const auto code = std::lower_bound(ids.begin(), ids.end(), m.concept_id[r]);
      if (code == ids.end() || *code != m.concept_id[r] || m.date[r] > view.index_day[i] || m.date[r] < latest)
        continue;
      latest = m.date[r];
      value = conversion[code - ids.begin()].apply(m.value[r]);
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

// Whether each patient meets the rule (evaluated even when a candidate does not switch it on,
// so the patient's outcome is known to what-if), and whom if_missing decided.
Flags pass_rule(const Rule& rule, const SliceView& view, Flags* decided) {
  Flags met = evaluate_criterion(rule.criterion, view, decided);
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

// Counts each step's survivors and removals in order, and the patients reaching each step
// whose outcome if_missing decided (`decided`, empty for the entry steps); those left after
// the last step are eligible.
void count_attrition(const std::vector<Flags>& passes, const std::vector<Flags>& decided,
                     const std::vector<AttritionStep>& steps, EligibilityResult* result) {
  const std::size_t n = result->index_day.size();
  const Flags& has_index = passes[0];
  result->attrition = steps;
  result->attrition[0].remaining = n;
  Flags remaining(n, 1);
  for (std::size_t k = 0; k < passes.size(); ++k) {
    AttritionStep& s = result->attrition[k + 1];
    for (std::size_t i = 0; i < n; ++i) {
      if (remaining[i] && !decided[k].empty() && decided[k][i]) ++s.decided_if_missing;
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
  for (std::int32_t c : t.concepts.ids) {
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

// A concept set asking for descendants must have been resolved against a vocabulary
// (resolve_vocabulary) before its patients are evaluated.
void require_resolved(const ConceptSet& set) {
  if (!set.resolved)
    throw Error(set.path + ": the concept set asks for descendants: resolve it against the population's vocabulary first");
}

void check_resolved(const Criterion& c) {
  if (c.kind == Criterion::Kind::Condition || c.kind == Criterion::Kind::Drug || c.kind == Criterion::Kind::Measurement)
    require_resolved(c.concepts);
  for (const Criterion& child : c.children) check_resolved(child);
}

// Whether a candidate condition holds for the candidate's predictions, and why.
struct Activation {
  bool met = false;
  std::string why;
};

// The "<model>_in_domain" column that goes with prediction `column`: the condition's own, or
// the one `domains` (from the results store's column order) gives, or the only one there is.
std::string domain_column(const CandidateCondition& when, const std::map<std::string, double>& predictions,
                          const std::map<std::string, std::string>* domains) {
  if (!when.domain.empty()) {
    if (!predictions.count(when.domain))
      throw Error(when.path + "/domain: the candidate's results have no column \"" + when.domain + "\"");
    return when.domain;
  }
  if (domains) {
    const auto found = domains->find(when.column);
    if (found != domains->end()) return found->second;
  }
  std::vector<std::string> columns;
  for (const auto& [name, value] : predictions)
    if (name.size() > 10 && name.compare(name.size() - 10, 10, "_in_domain") == 0) columns.push_back(name);
  if (columns.size() == 1) return columns.front();
  if (columns.empty()) return "";
  std::string listed;
  for (const std::string& c : columns) listed += (listed.empty() ? "" : ", ") + c;
  throw Error(when.path + ": the candidate's results have several applicability domains (" + listed +
              "): name the one of " + when.column + "'s model in \"domain\"");
}

Activation activation(const CandidateCondition& when, const std::map<std::string, double>& predictions,
                      const std::map<std::string, std::string>* domains) {
  if (when.kind != CandidateCondition::Kind::Test) {
    const bool all = when.kind == CandidateCondition::Kind::All;
    Activation out{all, ""};
    for (const CandidateCondition& child : when.children) {
      const Activation a = activation(child, predictions, domains);
      out.met = all ? out.met && a.met : out.met || a.met;
      out.why += (out.why.empty() ? "" : all ? "; and " : "; or ") + a.why;
    }
    return out;
  }
  const auto found = predictions.find(when.column);
  if (found == predictions.end())
    throw Error(when.path + "/prediction: the candidate's results have no column \"" + when.column + "\"");
  const double value = found->second;
  if (std::isnan(value))
    return {when.missing_passes, "the candidate has no " + when.column + " prediction: " +
                                     (when.missing_passes ? "cannot be ruled out" : "counted as not met (if_missing fail)")};
  std::ostringstream text;
  text << when.column << " = " << value;
  const bool meets = kernels::satisfies(value, when.comparison, when.value);
  const std::string verdict = (meets ? " meets " : " does not meet ") + when.text;
  const std::string domain = domain_column(when, predictions, domains);
  if (!domain.empty() && predictions.at(domain) == 0) {
    const std::string extrapolation = "the candidate's " + text.str() + " is an extrapolation (out of the model's domain, " +
                                      domain + " = 0)";
    switch (when.out_of_domain) {
      case CandidateCondition::OutOfDomain::Pass: return {true, extrapolation + ": cannot be ruled out, rule applied"};
      case CandidateCondition::OutOfDomain::Fail:
        return {false, extrapolation + ": counted as not met (if_out_of_domain fail)"};
      case CandidateCondition::OutOfDomain::UseValue: return {meets, extrapolation + ", used as predicted:" + verdict};
    }
  }
  return {meets, "the candidate's " + text.str() + verdict};
}

}  // namespace

std::map<std::string, std::string> prediction_domains(const std::vector<std::string>& columns) {
  const auto ends_with = [](const std::string& name, const std::string& tail) {
    return name.size() > tail.size() && name.compare(name.size() - tail.size(), tail.size(), tail) == 0;
  };
  std::map<std::string, std::string> domains;
  std::vector<std::string> pending;  // predictions whose model's domain column is still to come
  for (const std::string& column : columns) {
    if (ends_with(column, "_in_domain")) {
      const std::string model = column.substr(0, column.size() - 10);
      for (const std::string& p : pending) domains[p] = column;
      pending.clear();
      for (const std::string& other : columns)
        if (other != column && other.compare(0, model.size() + 1, model + "_") == 0) domains[other] = column;
    } else if (std::find(columns.begin(), columns.end(), column + "_std") != columns.end()) {
      pending.push_back(column);
    }
  }
  return domains;
}

void add_attrition(std::vector<AttritionStep>& into, const std::vector<AttritionStep>& from) {
  if (into.empty()) {
    into = from;
    return;
  }
  for (std::size_t k = 0; k < into.size(); ++k) {
    into[k].remaining += from[k].remaining;
    into[k].removed += from[k].removed;
    into[k].removed_alone += from[k].removed_alone;
    into[k].decided_if_missing += from[k].decided_if_missing;
  }
}

EligibilityEvaluator::EligibilityEvaluator(const CohortDefinition& d, const std::map<std::string, double>* predictions,
                                           kernels::Backend backend, const std::map<std::string, std::string>* domains)
    : definition_(d), backend_(backend) {
  if (!d.index.fixed_date) require_resolved(d.index.concepts);
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
                          : std::string(d.index.first ? "first " : "latest ") + d.index.concepts.label,
       "index");
  steps_.back().warnings = d.index.warnings;
  step("observed " + std::to_string(d.prior_observation_days) + " d before and " +
           std::to_string(d.post_observation_days) + " d after index",
       "observation");
  step("age " + std::to_string(d.age_min) + " to " + std::to_string(d.age_max), "age");
  std::string sexes;
  for (auto s : d.sexes) sexes += (sexes.empty() ? "" : ", ") + concepts::concept_name(s);
  step("sex " + (sexes.empty() ? std::string("any") : sexes), "sex");
  for (const Rule& rule : d.rules) {
    check_resolved(rule.criterion);
    step(rule.name, rule.exclusion ? "exclusion" : "inclusion");
    AttritionStep& s = steps_.back();
    s.warnings = rule.warnings;
    if (!rule.when) continue;
    if (!predictions) {
      s.activation = "applied: no candidate given (" + rule.when->text + " cannot be ruled out)";
      continue;
    }
    const Activation a = activation(*rule.when, *predictions, domains);
    s.applied = a.met;
    s.activation = (a.met ? "applied: " : "not applied: ") + a.why;
  }
  for (const RankingTerm& term : d.ranking)
    if (!term.genotype) require_resolved(term.concepts);
}

EligibilityResult EligibilityEvaluator::evaluate(const Population& p) const {
  const CohortDefinition& d = definition_;
  EligibilityResult result;
  result.index_day = index_days(d, p);
  const SliceView view = slice_view(p, result.index_day.data(), backend_);
  // passes[k][i]: patient i passes step k (steps after "population").
  std::vector<Flags> passes = pass_entry_steps(d, p, &result);
  std::vector<Flags> rules, rule_decided(d.rules.size());
  for (std::size_t r = 0; r < d.rules.size(); ++r) rules.push_back(pass_rule(d.rules[r], view, &rule_decided[r]));
  record_outcomes(passes, rules, &result);
  // A rule the candidate did not switch on passes everyone and if_missing decides nobody
  // (steps: population, 4 entry steps, rules).
  std::vector<Flags> decided(passes.size());
  for (std::size_t r = 0; r < d.rules.size(); ++r) {
    const bool applied = steps_[5 + r].applied;
    passes.push_back(applied ? std::move(rules[r]) : Flags(p.persons(), 1));
    decided.push_back(applied ? std::move(rule_decided[r]) : Flags(p.persons(), 0));
  }
  count_attrition(passes, decided, steps_, &result);
  score_eligible(d, view, &result);
  return result;
}

}  // namespace molsieve::cohort
