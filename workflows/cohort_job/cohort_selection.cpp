#include "workflows/cohort_job/cohort_selection.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <exception>
#include <fstream>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "cluster/cluster.h"
#include "cohort/calendar.h"
#include "cohort/population.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "core/sha256.h"
#include "core/store_file.h"
#include "core/thread_scope.h"
#include "workflows/cohort_job/characterization_table.h"
#include "workflows/results/result_table.h"
#include "workflows/results/results_store.h"

namespace molsieve::workflows {
namespace {

constexpr const char* kCohortSchema = "molsieve cohort store";
constexpr std::int64_t kCohortVersion = 1;

std::map<std::string, double> read_predictions(const std::string& store, const std::string& id,
                                               std::map<std::string, std::string>* domains) {
  const ResultsStore results(store);
  const ResultTable ids = results.read(0, results.rows(), {"id"});
  const auto& texts = ids.at("id").texts;
  const auto found = std::find(texts.begin(), texts.end(), id);
  if (found == texts.end()) throw Error(store + ": no candidate with id '" + id + "'");
  const ResultTable row = results.read(static_cast<std::uint64_t>(found - texts.begin()), 1);
  std::map<std::string, double> predictions;
  std::vector<std::string> names;
  for (const Column& c : row.columns()) {
    names.push_back(c.name);
    if (c.kind != ColumnKind::Text) predictions[c.name] = c.number(0);
  }
  *domains = cohort::prediction_domains(names);
  return predictions;
}

// What one slice of the population contributes to the cohort.
struct SliceOutcome {
  std::uint64_t index = 0;
  std::vector<cohort::AttritionStep> attrition;
  std::uint64_t eligible = 0;
  std::map<std::pair<int, std::string>, std::uint64_t> eligible_by_category;
  std::vector<cohort::SelectionCandidate> leaders;  // keep_cell_leaders of the slice's eligible patients
  PatientRows patients;
  cohort::CharacterizationGroup population;  // every patient of the slice, characterized
};

SliceOutcome evaluate_slice(std::uint64_t index, const cohort::Population& slice, const cohort::EligibilityResult& result,
                            const cohort::Quotas& quotas, const CohortRequest& request,
                            const cohort::CharacterizationItems& items) {
  SliceOutcome out;
  out.index = index;
  out.attrition = result.attrition;
  const cohort::PatientFeatures features = cohort::patient_features(items, slice, result.index_day);
  out.population.add_slice(slice, features, items);
  out.patients = patient_rows(slice, result, items, features, quotas, request.keep_all_indexed);
  std::vector<cohort::SelectionCandidate> candidates;
  for (std::size_t i = 0; i < out.patients.size(); ++i) {
    if (!out.patients.eligible[i]) continue;
    candidates.push_back(out.patients.candidate(i));
    for (int d = 0; d < cohort::kDimensions; ++d) ++out.eligible_by_category[{d, candidates.back().strata[d]}];
  }
  out.eligible = candidates.size();
  out.leaders = cohort::keep_cell_leaders(std::move(candidates), request.size);
  return out;
}

// Every rank's slices on rank 0, in slice order (JSON between ranks: doubles round-trip).
std::vector<SliceOutcome> gather_slices(cluster::World& world, std::vector<SliceOutcome> mine) {
  if (!world.parallel()) return mine;
  nlohmann::json sent = nlohmann::json::array();
  for (const SliceOutcome& s : mine) {
    nlohmann::json j;
    j["index"] = s.index;
    j["eligible"] = s.eligible;
    for (const auto& a : s.attrition)
      j["attrition"].push_back(
          {a.name, a.kind, a.applied, a.activation, a.remaining, a.removed, a.removed_alone, a.decided_if_missing, a.warnings});
    for (const auto& [key, count] : s.eligible_by_category) j["categories"].push_back({key.first, key.second, count});
    for (const auto& c : s.leaders) j["leaders"].push_back({c.person_id, c.score, c.strata, c.age, c.index_day});
    j["patients"] = patient_rows_json(s.patients);
    j["population"] = characterization_group_json(s.population);
    sent.push_back(std::move(j));
  }
  std::vector<SliceOutcome> all;
  for (const std::string& text : world.gather(sent.dump()))
    for (const nlohmann::json& j : nlohmann::json::parse(text)) {
      SliceOutcome s;
      s.index = j.at("index");
      s.eligible = j.at("eligible");
      for (const auto& a : j.value("attrition", nlohmann::json::array()))
        s.attrition.push_back({a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8]});
      for (const auto& k : j.value("categories", nlohmann::json::array())) s.eligible_by_category[{k[0], k[1]}] = k[2];
      for (const auto& l : j.value("leaders", nlohmann::json::array()))
        s.leaders.push_back({l[0], l[1], l[2].get<std::array<std::string, cohort::kDimensions>>(), l[3], l[4]});
      s.patients = patient_rows_from_json(j.at("patients"));
      s.population = characterization_group_from_json(j.at("population"));
      all.push_back(std::move(s));
    }
  std::sort(all.begin(), all.end(), [](const SliceOutcome& a, const SliceOutcome& b) { return a.index < b.index; });
  return all;
}

// The quotas as read, kept with the cohort so that it can be reproduced without the file.
std::string quotas_text(const std::string& path) {
  if (path.empty()) return "";
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error(path + ": cannot open the quotas file");
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

void write_cohort_store(const CohortRequest& request, const cohort::CohortDefinition& definition,
                        const CohortOutcome& o) {
  // Source person ids, demographics and index dates: people's data, for the owner alone.
  hdf5::StoreWriter store(request.output, kCohortSchema, kCohortVersion, hdf5::StoreWriter::Access::Owner);
  {
    hdf5::File& out = store.file();
    out.set_attribute("/", "patient_level", std::int64_t{1});
    out.set_attribute("/", "exact_counts", static_cast<std::int64_t>(request.exact_counts ? 1 : 0));
    ResultTable cohort;
    auto& rank = cohort.add("rank", ColumnKind::Integer).integers;
    auto& person = cohort.add("person_id", ColumnKind::Integer).integers;
    auto& score = cohort.add("score", ColumnKind::Number).numbers;
    std::vector<std::string>* strata[cohort::kDimensions];
    for (int d = 0; d < cohort::kDimensions; ++d) strata[d] = &cohort.add(cohort::kDimensionNames[d], ColumnKind::Text).texts;
    auto& age = cohort.add("age", ColumnKind::Integer).integers;
    auto& index_date = cohort.add("index_date", ColumnKind::Text).texts;
    for (std::size_t k = 0; k < o.chosen.size(); ++k) {
      const auto& c = o.chosen[k];
      rank.push_back(static_cast<std::int64_t>(k + 1));
      person.push_back(c.person_id);
      score.push_back(c.score);
      for (int d = 0; d < cohort::kDimensions; ++d) strata[d]->push_back(c.strata[d]);
      age.push_back(c.age);
      index_date.push_back(cohort::format_date(c.index_day));
    }
    write_table(out, "/cohort", cohort);

    ResultTable attrition;
    auto& step = attrition.add("step", ColumnKind::Integer).integers;
    auto& name = attrition.add("name", ColumnKind::Text).texts;
    auto& kind = attrition.add("kind", ColumnKind::Text).texts;
    auto& applied = attrition.add("applied", ColumnKind::Flag).flags;
    auto& activation = attrition.add("activation", ColumnKind::Text).texts;
    auto& remaining = attrition.add("remaining", ColumnKind::Integer).integers;
    auto& removed = attrition.add("removed", ColumnKind::Integer).integers;
    auto& removed_alone = attrition.add("removed_alone", ColumnKind::Integer).integers;
    auto& decided_if_missing = attrition.add("decided_if_missing", ColumnKind::Integer).integers;
    auto& step_warnings = attrition.add("warnings", ColumnKind::Text).texts;
    for (std::size_t k = 0; k < o.attrition.size(); ++k) {
      const auto& s = o.attrition[k];
      step.push_back(static_cast<std::int64_t>(k));
      name.push_back(s.name);
      kind.push_back(s.kind);
      applied.push_back(s.applied ? 1 : 0);
      activation.push_back(s.activation);
      remaining.push_back(static_cast<std::int64_t>(s.remaining));
      removed.push_back(static_cast<std::int64_t>(s.removed));
      removed_alone.push_back(static_cast<std::int64_t>(s.removed_alone));
      decided_if_missing.push_back(static_cast<std::int64_t>(s.decided_if_missing));
      std::string joined;
      for (const std::string& w : s.warnings) joined += (joined.empty() ? "" : "; ") + w;
      step_warnings.push_back(joined);
    }
    write_table(out, "/attrition", attrition);

    ResultTable strata_table;
    auto& dimension = strata_table.add("dimension", ColumnKind::Text).texts;
    auto& category = strata_table.add("category", ColumnKind::Text).texts;
    auto& eligible = strata_table.add("eligible", ColumnKind::Integer).integers;
    auto& selected = strata_table.add("selected", ColumnKind::Integer).integers;
    auto& min_count = strata_table.add("quota_min", ColumnKind::Integer).integers;
    auto& max_count = strata_table.add("quota_max", ColumnKind::Integer).integers;
    auto& shortfall = strata_table.add("shortfall", ColumnKind::Integer).integers;
    for (const auto& st : o.strata) {
      dimension.push_back(cohort::kDimensionNames[st.dimension]);
      category.push_back(st.category);
      eligible.push_back(static_cast<std::int64_t>(st.eligible));
      selected.push_back(static_cast<std::int64_t>(st.selected));
      min_count.push_back(static_cast<std::int64_t>(st.quota_min));
      max_count.push_back(static_cast<std::int64_t>(st.quota_max));
      shortfall.push_back(static_cast<std::int64_t>(st.shortfall));
    }
    write_table(out, "/strata", strata_table);

    std::vector<std::string> rule_names, term_labels;
    for (const auto& rule : definition.rules) rule_names.push_back(rule.name);
    for (const auto& term : definition.ranking) term_labels.push_back(term.label);
    write_patients_table(out, o.patients, o.patient_status, request.keep_all_indexed ? "indexed" : "eligible", rule_names,
                         term_labels);
    write_characterization_table(out, o.characterization);

    out.create_group("/provenance");
    out.set_attribute("/provenance", "definition", definition.source_text);
    out.set_attribute("/provenance", "definition_file", request.definition);
    out.set_attribute("/provenance", "definition_sha256", sha256_file(request.definition));
    out.set_attribute("/provenance", "definition_name", definition.name);
    out.set_attribute("/provenance", "population", request.population);
    out.set_attribute("/provenance", "population_source", o.population_source);
    out.set_attribute("/provenance", "population_synthetic", static_cast<std::int64_t>(o.synthetic ? 1 : 0));
    out.set_attribute("/provenance", "population_sha256", sha256_file(request.population));
    out.set_attribute("/provenance", "quotas_file", request.quotas);
    out.set_attribute("/provenance", "quotas", quotas_text(request.quotas));
    out.set_attribute("/provenance", "candidates", request.candidates);
    out.set_attribute("/provenance", "candidate_id", request.candidate_id);
    std::vector<std::string> predictions, rules;
    for (const auto& [column, value] : o.predictions) predictions.push_back(column + "=" + std::to_string(value));
    for (const auto& s : o.attrition)
      if (!s.activation.empty()) rules.push_back(s.name + ": " + s.activation);
    out.set_attribute("/provenance", "candidate_predictions", predictions);
    out.set_attribute("/provenance", "candidate_rules", rules);
    out.set_attribute("/provenance", "solver", o.selection.solver);
    out.set_attribute("/provenance", "size_requested", static_cast<std::int64_t>(request.size));
    out.set_attribute("/", "size_selected", static_cast<std::int64_t>(o.chosen.size()));
    out.set_attribute("/", "warnings", o.warnings);
    out.set_attribute("/provenance", "total_score", o.selection.total_score);
    out.set_attribute("/provenance", "quotas_met", static_cast<std::int64_t>(o.selection.quotas_met ? 1 : 0));
    out.set_attribute("/provenance", "backend", std::string(kernels::backend_name(request.backend)));
  }
  store.commit();
}

// Rank 0: every slice's patients with their selection status, and the characterization of
// the population, the eligible and the selected.
void describe_patients(const std::vector<SliceOutcome>& all, const cohort::CharacterizationItems& items, CohortOutcome& o) {
  cohort::CharacterizationGroup population;
  for (const SliceOutcome& s : all) {
    o.patients.append(s.patients);
    population.merge(s.population);
  }
  std::vector<std::int64_t> chosen;
  for (const auto& c : o.chosen) chosen.push_back(c.person_id);
  std::vector<std::string> step_names;
  std::vector<bool> applied;
  for (std::size_t k = 1; k < o.attrition.size(); ++k) step_names.push_back(o.attrition[k].name);
  for (std::size_t k = 1 + 4; k < o.attrition.size(); ++k) applied.push_back(o.attrition[k].applied);
  o.patient_status = patient_status(o.patients, chosen, step_names, applied);
  const auto groups = eligible_and_selected(o.patients, o.patient_status.rank, items);
  o.characterization = cohort::characterize(items, {&population, &groups[0], &groups[1]});
}

// Rank 0: the slices combined, the cohort selected, its strata, and what a trial designer
// must not miss (fewer patients than requested, missed quotas).
void select_from_slices(const std::vector<SliceOutcome>& all, const CohortRequest& request, const cohort::Quotas& quotas,
                        const cohort::CharacterizationItems& items, CohortOutcome& o) {
  std::vector<cohort::SelectionCandidate> pool;
  std::map<std::pair<int, std::string>, std::uint64_t> eligible_by_category;
  for (const SliceOutcome& s : all) {
    cohort::add_attrition(o.attrition, s.attrition);
    o.eligible += s.eligible;
    for (const auto& [key, count] : s.eligible_by_category) eligible_by_category[key] += count;
    pool.insert(pool.end(), s.leaders.begin(), s.leaders.end());
  }
  if (o.attrition.empty()) throw Error(request.population + ": the population store holds no patients");
  cohort::SelectionOptions options;
  options.solver_seconds = request.solver_seconds;
  options.on_status = request.solver_status;
  options.cancelled = [&] { return request.cancel && request.cancel->cancelled(); };
  try {
    o.selection = cohort::select_cohort(pool, request.size, quotas, options);
  } catch (const Interrupted&) {
    throw Interrupted("interrupted while selecting the cohort; " + request.output + " was not written");
  }
  // The pool holds each slice's cell leaders only: the eligible count of a category is the
  // population's, as in the strata table.
  for (auto& q : o.selection.quotas) {
    const auto found = eligible_by_category.find({q.bound.dimension, q.bound.category});
    q.eligible = found == eligible_by_category.end() ? 0 : found->second;
  }
  for (std::size_t i : o.selection.chosen) o.chosen.push_back(pool[i]);
  o.strata = strata_of(eligible_by_category, o);
  describe_patients(all, items, o);
  o.warnings = cohort_warnings(o, CountPlan(cohort_counts(o, request.size), true));
}

// A quota's row of the strata table (strata_of gives every quota one).
std::size_t stratum_row(const CohortOutcome& o, const cohort::QuotaOutcome& q) {
  for (std::size_t i = 0; i < o.strata.size(); ++i)
    if (o.strata[i].dimension == q.bound.dimension && o.strata[i].category == q.bound.category) return i;
  throw std::logic_error("a quota without a strata row");
}

// The selection's warning about quotas that conflict, with its counts of eligible patients as
// the plan shows them. With the cohort's size suppressed the quota counts would give it away:
// only the kind of conflict is said.
std::string shown_conflict(const std::string& warning, const CohortOutcome& o, const CountPlan& plan) {
  static const std::string kConflict = "quotas that cannot all be met: ";
  if (plan.exact() || warning.rfind(kConflict, 0) != 0) return warning;
  if (plan.selected() == kSuppressedMark) return kConflict + "the counts are suppressed";
  std::string text = warning;
  for (const auto& q : o.selection.quotas)
    if (text.rfind(kConflict + q.bound.path + ": ", 0) == 0)
      text = std::regex_replace(text, std::regex("only [0-9]+ eligible"),
                                "only " + plan.stratum(stratum_row(o, q), 0) + " eligible");
  // The room left is a sum of eligible counts.
  return std::regex_replace(text, std::regex("room for [0-9]+ of"), "room for fewer than");
}

}  // namespace

// Rows for met categories alone would tell that a quota's category has at least one eligible
// patient: every quota has one.
std::vector<CohortOutcome::Stratum> strata_of(std::map<std::pair<int, std::string>, std::uint64_t> eligible_by_category,
                                              const CohortOutcome& o) {
  for (const auto& q : o.selection.quotas) eligible_by_category.emplace(std::pair{q.bound.dimension, q.bound.category}, 0);
  std::vector<CohortOutcome::Stratum> strata;
  for (const auto& [key, count] : eligible_by_category) {
    CohortOutcome::Stratum st;
    st.dimension = key.first;
    st.category = key.second;
    st.eligible = count;
    for (const auto& c : o.chosen) st.selected += c.strata[key.first] == key.second;
    st.quota_max = o.chosen.size();
    for (const auto& q : o.selection.quotas)
      if (q.bound.dimension == key.first && q.bound.category == key.second) {
        st.has_quota = true;
        st.quota_min = q.min_count;
        st.quota_max = q.max_count;
        st.shortfall = q.shortfall;
      }
    strata.push_back(st);
  }
  return strata;
}

CohortCounts cohort_counts(const CohortOutcome& o, std::uint64_t requested) {
  CohortCounts c;
  for (const auto& s : o.attrition) c.attrition.push_back({s.remaining, s.removed, s.removed_alone, s.decided_if_missing});
  for (const auto& s : o.strata)
    c.strata.push_back({cohort::kDimensionNames[s.dimension], s.category, s.eligible, s.selected, s.quota_min,
                        s.quota_max, s.shortfall});
  for (const auto& r : o.characterization) c.characterization.push_back({r.section, r.characteristic, r.group, r.count});
  c.selected = o.chosen.size();
  c.requested = requested;
  return c;
}

CohortCounts read_cohort_counts(const hdf5::File& store) {
  CohortCounts c;
  auto counts = [&](const std::string& path) {
    std::vector<std::uint64_t> out;
    for (std::int64_t v : store.read<std::int64_t>(path)) out.push_back(static_cast<std::uint64_t>(v));
    return out;
  };
  const auto remaining = counts("/attrition/remaining"), removed = counts("/attrition/removed"),
             alone = counts("/attrition/removed_alone"), decided = counts("/attrition/decided_if_missing");
  for (std::size_t k = 0; k < remaining.size(); ++k)
    c.attrition.push_back({remaining[k], removed[k], alone[k], decided[k]});
  const auto dimension = store.read_strings("/strata/dimension"), category = store.read_strings("/strata/category");
  const auto eligible = counts("/strata/eligible"), selected = counts("/strata/selected"),
             low = counts("/strata/quota_min"), high = counts("/strata/quota_max"), shortfall = counts("/strata/shortfall");
  for (std::size_t i = 0; i < dimension.size(); ++i)
    c.strata.push_back({dimension[i], category[i], eligible[i], selected[i], low[i], high[i], shortfall[i]});
  const auto section = store.read_strings("/characterization/section"),
             characteristic = store.read_strings("/characterization/characteristic"),
             group = store.read_strings("/characterization/group");
  const auto count = counts("/characterization/count");
  for (std::size_t i = 0; i < section.size(); ++i)
    c.characterization.push_back({section[i], characteristic[i], group[i], count[i]});
  c.selected = static_cast<std::uint64_t>(store.int_attribute("/", "size_selected"));
  c.requested = static_cast<std::uint64_t>(store.int_attribute("/provenance", "size_requested"));
  return c;
}

std::vector<std::string> cohort_warnings(const CohortOutcome& o, const CountPlan& plan) {
  std::vector<std::string> warnings;
  const CohortCounts& c = plan.counts();
  if (c.selected < c.requested)
    warnings.push_back("the cohort falls short of --size: " + plan.selected() + " selected of " +
                       std::to_string(c.requested) + " requested (" + plan.eligible() + " eligible)");
  for (const std::string& w : o.selection.warnings) {
    std::string shown = shown_conflict(w, o, plan);
    if (warnings.empty() || warnings.back() != shown) warnings.push_back(std::move(shown));  // said once when suppressed
  }
  for (const auto& q : o.selection.quotas) {
    if (q.shortfall == 0) continue;
    const std::size_t row = stratum_row(o, q);
    auto count = [&](int column) { return plan.stratum(row, column); };
    warnings.push_back(std::string("quota missed: ") + cohort::kDimensionNames[q.bound.dimension] + " " +
                       q.bound.category + " needs " + count(2) + " to " + count(3) + ", selected " + count(1) +
                       " (off by " + count(4) + "; " + count(0) + " eligible)");
  }
  warnings.insert(warnings.end(), o.definition_warnings.begin(), o.definition_warnings.end());
  return warnings;
}

namespace {

// The count of rows of the /characterization table as `plan` shows it, and its percent, median
// and quartiles where they would not tell a hidden count (rows found by their key).
void show_characterization(const CountPlan& plan, ResultTable& t) {
  const auto& all = plan.counts().characterization;
  std::vector<std::size_t> rows;
  const Column &section = t.at("section"), &characteristic = t.at("characteristic"), &group = t.at("group");
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const auto found = std::find_if(all.begin(), all.end(), [&](const CohortCounts::Characteristic& c) {
      return c.section == section.texts[r] && c.characteristic == characteristic.texts[r] && c.group == group.texts[r];
    });
    rows.push_back(static_cast<std::size_t>(found - all.begin()));
  }
  if (Column* count = t.find("count")) {
    count->integers.clear();
    count->kind = ColumnKind::Text;
    for (std::size_t r : rows) count->texts.push_back(plan.characteristic(r));
  }
  for (const char* name : {"percent", "median", "q1", "q3"})
    if (Column* values = t.find(name))
      for (std::size_t k = 0; k < rows.size(); ++k) {
        const bool shown = name == std::string("percent") ? plan.percent_shown(rows[k])
                                                           : !plan.characteristic_suppressed(rows[k]);
        if (!shown) values->numbers[k] = std::nan("");
      }
  t.add("counts", ColumnKind::Text).texts.assign(rows.size(), plan.exact() ? "exact" : "suppressed");
}

}  // namespace

void show_counts(const CountPlan& plan, const std::string& group, ResultTable& t) {
  if (group == "/characterization") return show_characterization(plan, t);
  const bool attrition = group == "/attrition";
  if (!attrition && group != "/strata") return;
  // Rows are found by their key, since a query filters and orders them.
  std::vector<std::size_t> rows;
  if (attrition) {
    for (std::int64_t step : t.at("step").integers) rows.push_back(static_cast<std::size_t>(step));
  } else {
    const auto& strata = plan.counts().strata;
    const Column &dimension = t.at("dimension"), &category = t.at("category");
    for (std::size_t r = 0; r < t.rows(); ++r) {
      const auto found = std::find_if(strata.begin(), strata.end(), [&](const CohortCounts::Stratum& s) {
        return s.dimension == dimension.texts[r] && s.category == category.texts[r];
      });
      rows.push_back(static_cast<std::size_t>(found - strata.begin()));
    }
  }
  const auto* names = attrition ? CountPlan::kAttritionColumns : CountPlan::kStrataColumns;
  const int columns = attrition ? CountPlan::kAttritionCounts : 5;
  for (int k = 0; k < columns; ++k) {
    Column* column = t.find(names[k]);
    if (!column) continue;
    column->integers.clear();
    column->kind = ColumnKind::Text;
    for (std::size_t r : rows) column->texts.push_back(attrition ? plan.attrition(r, k) : plan.stratum(r, k));
  }
  t.add("counts", ColumnKind::Text).texts.assign(rows.size(), plan.exact() ? "exact" : "suppressed");
}

bool is_cohort_store(const std::string& path) {
  if (!hdf5::is_hdf5_file(path)) return false;
  return hdf5::read_store_header(hdf5::File(path, hdf5::File::Mode::ReadOnly)).schema == kCohortSchema;
}

CohortOutcome run_cohort_selection(const CohortRequest& request, const ProgressCallback& progress) {
  const auto started = std::chrono::steady_clock::now();
  const ThreadScope threads(request.threads);
  if (request.size == 0) throw Error("--size: the cohort needs at least one patient");
  if (request.slice_persons == 0) throw Error("--slice: at least one patient per slice");
  if (!(request.solver_seconds > 0)) throw Error("--solver-seconds: the solver needs a time limit above 0");
  if (request.candidates.empty() != request.candidate_id.empty())
    throw Error("--candidates and --candidate-id go together");
  if (!request.overwrite && std::filesystem::exists(request.output))
    throw Error(request.output + ": exists (use --overwrite to replace it)");
  cohort::CohortDefinition definition = cohort::read_cohort_definition(request.definition);
  const cohort::Quotas quotas = request.quotas.empty() ? cohort::Quotas{} : cohort::read_quotas(request.quotas);
  const cohort::PopulationStoreInfo info = cohort::read_population_info(request.population);
  CohortOutcome o;
  o.persons = info.persons;
  o.synthetic = info.provenance.synthetic;
  o.population_source = info.provenance.source;
  std::map<std::string, std::string> domains;  // each prediction's applicability-domain column
  if (!request.candidates.empty()) o.predictions = read_predictions(request.candidates, request.candidate_id, &domains);
  // Errors found against the population or the candidate name a JSON path: add the file.
  auto in_definition = [&](const auto& step) {
    try {
      return step();
    } catch (const Error& e) {
      throw Error(request.definition + ": " + e.what());
    }
  };
  // Concepts the vocabulary knows but the population never records are warnings, not errors.
  const std::vector<std::string> vocabulary_warnings = in_definition(
      [&] { return cohort::resolve_vocabulary(definition, cohort::read_population_vocabulary(request.population)); });
  const cohort::EligibilityEvaluator evaluator = in_definition([&] {
    return cohort::EligibilityEvaluator(definition, request.candidates.empty() ? nullptr : &o.predictions,
                                        request.backend, &domains);
  });
  const cohort::CharacterizationItems items = cohort::characterization_items(definition);
  // Slices are handed out to the ranks (all to this process when alone); each slice keeps
  // only what an optimal selection could use, so the slices combine exactly, in slice order,
  // whoever evaluated them.
  cluster::World& world = request.world ? *request.world : cluster::World::solo();
  const std::uint64_t slices = (info.persons + request.slice_persons - 1) / request.slice_persons;
  std::vector<SliceOutcome> mine;
  std::uint64_t persons_done = 0;
  cluster::agree(world, [&] {
    cluster::WorkQueue queue(world, {}, slices);
    std::exception_ptr failure;
    try {
      while (const auto s = queue.next()) {
        if (request.cancel && request.cancel->cancelled())
          throw Interrupted("interrupted; " + request.output + " was not written");
        const cohort::Population slice = cohort::read_population(request.population, *s * request.slice_persons,
                                                                 request.slice_persons);
        const cohort::EligibilityResult result = in_definition([&] { return evaluator.evaluate(slice); });
        mine.push_back(evaluate_slice(*s, slice, result, quotas, request, items));
        persons_done += slice.persons();
        if (progress) progress(Progress{persons_done * world.size(), 0, info.persons});
      }
    } catch (...) {
      failure = std::current_exception();  // thrown once the queue is finished: no rank waits for this one
    }
    queue.finish();
    if (failure) std::rethrow_exception(failure);
  });
  const std::vector<SliceOutcome> all = gather_slices(world, mine);
  if (world.rank() != 0) return o;  // rank 0 selects and writes the cohort store
  o.definition_warnings = vocabulary_warnings;
  select_from_slices(all, request, quotas, items, o);
  o.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  write_cohort_store(request, definition, o);
  return o;
}

}  // namespace molsieve::workflows
