#include "workflows/screen/scorer.h"

#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <algorithm>
#include <cmath>
#include <limits>

#include "chem/alerts.h"
#include "chem/descriptors.h"
#include "chem/library_store.h"
#include "kernels/similarity_search.h"
#include "workflows/screen/scoring_terms.h"

namespace molsieve::workflows {

double composite_score(const std::vector<double>& desirabilities, const std::vector<double>& weights) {
  double weight_sum = 0, log_sum = 0;
  for (std::size_t i = 0; i < desirabilities.size(); ++i) {
    if (weights[i] == 0) continue;
    weight_sum += weights[i];
    log_sum += weights[i] * std::log(desirabilities[i]);
  }
  return weight_sum > 0 ? std::exp(log_sum / weight_sum) : std::numeric_limits<double>::quiet_NaN();
}

struct ChunkScorer::Desirabilities {
  std::vector<std::vector<double>> per_term;  // per term, per row
  std::vector<double> weights;
};

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// The first SMARTS filter the molecule of standardized `smiles` fails, as its filter reason
// ("" when it passes them all). A SMILES that RDKit cannot read back fails the first filter:
// the molecule cannot be shown to meet it.
std::string failed_smarts_filter(const std::vector<SmartsFilter>& filters, const std::string& smiles) {
  const auto reason = [](const SmartsFilter& f) { return (f.required ? "require_smarts." : "exclude_smarts.") + f.name; };
  const std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(smiles));
  if (!mol) return reason(filters.front());
  RDKit::SubstructMatchParameters first;
  first.maxMatches = 1;
  for (const SmartsFilter& filter : filters)
    if (RDKit::SubstructMatch(*mol, *filter.query, first).empty() == filter.required) return reason(filter);
  return "";
}

bool has_alert(const Chunk& chunk, std::size_t row, std::size_t family) {
  return chunk.alert_counts[row * chem::AlertCatalog::families().size() + family] > 0;
}

// A model's columns per task: mean and std (for regression the 68% half-width), and for
// regression the 68% and 95% intervals.
void add_prediction_columns(ResultTable& t, const ChunkScorer::ScoringModel& s, const models::Predictions& p,
                            std::size_t rows) {
  const bool regression = s.card().task_type == models::TaskType::Regression;
  for (std::size_t task = 0; task < p.tasks; ++task) {
    std::vector<std::pair<std::string, const std::vector<double>*>> columns{
        {s.task_columns[task], &p.mean}, {s.task_columns[task] + "_std", &p.std}};
    if (regression) {
      columns.emplace_back(s.task_columns[task] + "_lo68", &p.lo68);
      columns.emplace_back(s.task_columns[task] + "_hi68", &p.hi68);
      columns.emplace_back(s.task_columns[task] + "_lo95", &p.lo95);
      columns.emplace_back(s.task_columns[task] + "_hi95", &p.hi95);
    }
    for (const auto& [name, values] : columns) {
      auto& column = t.add(name, ColumnKind::Number).numbers;
      for (std::size_t i = 0; i < rows; ++i) column.push_back((*values)[i * p.tasks + task]);
    }
  }
}

// A prediction's 68% interval with each side widened `penalty` times about the mean: its
// bounds [lo68, hi68] where it has them, else mean ± spread.
std::pair<double, double> widened_interval(double mean, double spread, double lo68, double hi68, double penalty) {
  const bool bounded = std::isfinite(lo68) && std::isfinite(hi68);
  const double below = bounded ? mean - lo68 : spread, above = bounded ? hi68 - mean : spread;
  return {mean - penalty * below, mean + penalty * above};
}

// The interval a model's term scores for row i: the affinity task's 68% interval [lo68, hi68]
// with each side scaled by the penalty (mean ± penalty * std where it is symmetric), or the
// risk tasks' mean ± penalty * std combined as the term's aggregate is (the combined means go
// to `risk`, the highest mean to `highest`). A model that reports no spread (one imported
// from Chemprop, before `molsieve calibrate`: std empty) is scored at its mean, as a single
// trained model (std 0) is.
std::pair<double, double> scored_interval(const ChunkScorer::ScoringModel& s, const models::Predictions& p,
                                          std::size_t i, double penalty, std::vector<double>* risk,
                                          std::vector<double>* highest) {
  const auto at = [&](std::size_t task) { return i * p.tasks + task; };
  const auto spread_of = [&](std::size_t task) { return std::isnan(p.std[at(task)]) ? 0.0 : p.std[at(task)]; };
  if (s.affinity) {
    const std::size_t k = at(s.scored_task);
    return widened_interval(p.mean[k], spread_of(s.scored_task), p.lo68.empty() ? kNaN : p.lo68[k],
                            p.hi68.empty() ? kNaN : p.hi68[k], penalty);
  }
  const double n = static_cast<double>(s.risk_tasks.size());
  double mean = 0, lo = 0, hi = 0, top = 0;
  for (std::size_t k = 0; k < s.risk_tasks.size(); ++k) {
    const double m = p.mean[at(s.risk_tasks[k])], spread = penalty * spread_of(s.risk_tasks[k]);
    top = k == 0 ? m : std::max(top, m);
    if (s.aggregate == RiskAggregate::Mean) {
      mean += m / n, lo += (m - spread) / n, hi += (m + spread) / n;
    } else {
      mean = top;
      lo = k == 0 ? m - spread : std::max(lo, m - spread);
      hi = k == 0 ? m + spread : std::max(hi, m + spread);
    }
  }
  risk->push_back(mean);
  highest->push_back(top);
  return {lo, hi};
}

// A panel's affinities, rows x targets: from its own model, or cut from the on-target
// term's grid when the panel shares that model.
std::vector<double> panel_grid(const ChunkScorer::Panel& panel, const models::MoleculeSet& m,
                               const models::AffinityGrid& shared) {
  if (panel.model) return panel.model->predict_grid(m, panel.sequences).mean;
  const std::size_t targets = panel.sequences.size();
  std::vector<double> grid;
  for (std::size_t i = 0; i < m.size(); ++i) {
    const auto row = shared.mean.begin() + static_cast<std::ptrdiff_t>(i * shared.proteins + panel.first_shared_column);
    grid.insert(grid.end(), row, row + static_cast<std::ptrdiff_t>(targets));
  }
  return grid;
}

}  // namespace

ChunkScorer::ChunkScorer(const ScreenJob& job, const LibrarySource& source, const kernels::DeviceChoice& device)
    : job_(job) {
  load_models(job, source, device, models_, device_);
  panels_ = load_panels(job, models_, device);
  properties_ = resolve_properties(job, models_);
  const kernels::BackendSelection backend = kernels::select_backend(device);
  backend_ = backend.backend;
  if (models_.empty()) device_ = kernels::backend_name(backend_);
  references_ = read_references(job, source.featurizer_options());
  const auto& families = chem::AlertCatalog::families();
  for (const auto& family : job.exclude_alerts)
    excluded_families_.push_back(std::find(families.begin(), families.end(), family) - families.begin());
  const auto& names = chem::descriptor_names();
  for (const auto& range : job.ranges)
    range_columns_.push_back(std::find(names.begin(), names.end(), range.descriptor) - names.begin());
}

ChunkScorer::~ChunkScorer() = default;

// Stage order of docs/screening.md: the molecule's own columns, the filters, each model's
// predictions, the panels, the similarity to the references, then the composite score.
void ChunkScorer::score(Chunk& chunk) const {
  add_molecule_columns(chunk);
  const std::vector<std::int8_t>& passes = add_filter_columns(chunk);
  Desirabilities terms;
  std::vector<models::AffinityGrid> panel_grids(models_.size());  // per drug-target term: its panels' targets
  score_models(chunk, terms, panel_grids);
  score_panels(chunk, terms, panel_grids);
  score_properties(chunk, terms);
  if (references_->library) score_similarity(chunk, terms);
  const std::vector<char> selectable = selectable_rows(chunk);
  keep_pool(chunk, add_score_columns(chunk, terms, passes), selectable);
}

// Identity, descriptors, rules of thumb and alert flags, as featurized.
void ChunkScorer::add_molecule_columns(Chunk& chunk) const {
  const models::MoleculeSet& m = chunk.molecules;
  const std::size_t n = m.size();
  ResultTable& t = chunk.results;
  auto& index = t.add("index", ColumnKind::Integer).integers;
  auto& ids = t.add("id", ColumnKind::Text).texts;
  auto& smiles = t.add("smiles", ColumnKind::Text).texts;
  auto& valid = t.add("valid", ColumnKind::Flag).flags;
  auto& errors = t.add("error", ColumnKind::Text).texts;
  for (std::size_t i = 0; i < n; ++i) {
    index.push_back(static_cast<std::int64_t>(chunk.first_row + i));
    ids.push_back(m.ids[i]);
    smiles.push_back(m.valid(i) ? m.smiles[i] : m.input_smiles[i]);
    valid.push_back(m.valid(i) ? 1 : 0);
    errors.push_back(m.errors[i]);
  }
  const auto& names = chem::descriptor_names();
  for (int d = 0; d < chem::kDescriptorCount; ++d) {
    auto& values = t.add(names[d], ColumnKind::Number).numbers;
    for (std::size_t i = 0; i < n; ++i)
      values.push_back(m.valid(i) ? chunk.descriptors[i * chem::kDescriptorCount + d] : kNaN);
  }
  auto& lipinski = t.add("lipinski_violations", ColumnKind::Integer).integers;
  auto& veber = t.add("veber", ColumnKind::Flag).flags;
  for (std::size_t i = 0; i < n; ++i) {
    lipinski.push_back(chunk.lipinski[i]);
    veber.push_back(chunk.veber[i]);
  }
  const auto& families = chem::AlertCatalog::families();
  for (std::size_t f = 0; f < families.size(); ++f) {
    std::string name = families[f];
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    auto& flags = t.add(name, ColumnKind::Flag).flags;
    for (std::size_t i = 0; i < n; ++i) flags.push_back(m.valid(i) ? has_alert(chunk, i, f) : -1);
  }
  auto& pains = t.add("pains", ColumnKind::Flag).flags;
  for (std::size_t i = 0; i < n; ++i)
    pains.push_back(m.valid(i) ? (has_alert(chunk, i, 0) || has_alert(chunk, i, 1) || has_alert(chunk, i, 2)) : -1);
}

// Filters, in the order docs/screening.md gives; the first that fails is the reason.
const std::vector<std::int8_t>& ChunkScorer::add_filter_columns(Chunk& chunk) const {
  const models::MoleculeSet& m = chunk.molecules;
  const auto& families = chem::AlertCatalog::families();
  auto& passes = chunk.results.add("passes_filters", ColumnKind::Flag).flags;
  auto& reason = chunk.results.add("filter_reason", ColumnKind::Text).texts;
  for (std::size_t i = 0; i < m.size(); ++i) {
    std::string why;
    if (!m.valid(i)) why = "invalid";
    for (std::size_t r = 0; why.empty() && r < job_.ranges.size(); ++r) {
      const double v = chunk.descriptors[i * chem::kDescriptorCount + range_columns_[r]];
      if (!(v >= job_.ranges[r].min && v <= job_.ranges[r].max)) why = job_.ranges[r].descriptor;
    }
    if (why.empty() && job_.max_lipinski_violations >= 0 && chunk.lipinski[i] > job_.max_lipinski_violations)
      why = "lipinski";
    if (why.empty() && job_.require_veber && chunk.veber[i] != 1) why = "veber";
    for (std::size_t f : excluded_families_)
      if (why.empty() && has_alert(chunk, i, f)) why = families[f];
    if (why.empty() && !job_.smarts.empty()) why = failed_smarts_filter(job_.smarts, m.smiles[i]);
    passes.push_back(why.empty() ? 1 : 0);
    reason.push_back(why);
  }
  return passes;
}

// Each model's predictions, applicability domain and desirability; a drug-target model
// also predicts its panels' targets into `panel_grids`.
void ChunkScorer::score_models(Chunk& chunk, Desirabilities& terms,
                               std::vector<models::AffinityGrid>& panel_grids) const {
  const models::MoleculeSet& m = chunk.molecules;
  const std::size_t n = m.size();
  ResultTable& t = chunk.results;
  for (std::size_t at = 0; at < models_.size(); ++at) {
    const ScoringModel& s = models_[at];
    const models::Predictions p = s.predict(m, &panel_grids[at]);
    const models::ModelCard& card = s.card();
    add_prediction_columns(t, s, p, n);
    auto& similarity = t.add(s.term->name + "_similarity", ColumnKind::Number).numbers;
    auto& in_domain = t.add(s.term->name + "_in_domain", ColumnKind::Flag).flags;
    for (std::size_t i = 0; i < n; ++i) {
      similarity.push_back(p.nearest_training_similarity[i]);
      // A drug-target term is outside the domain for every molecule when its protein is; a
      // model without a training set (imported) has no domain: -1, as for invalid rows.
      const double similarity = p.nearest_training_similarity[i];
      in_domain.push_back(m.valid(i) && !std::isnan(similarity)
                              ? s.target_in_domain && similarity >= card.domain_threshold
                              : -1);
    }
    std::vector<double>* risk = nullptr;
    std::vector<double>* highest = nullptr;
    if (!s.affinity) {
      highest = &t.add(s.term->name + "_max", ColumnKind::Number).numbers;
      risk = &t.add(s.term->name + "_risk", ColumnKind::Number).numbers;
    }
    auto& d = terms.per_term.emplace_back();
    for (std::size_t i = 0; i < n; ++i) {
      const auto [lo, hi] = scored_interval(s, p, i, job_.uncertainty_penalty, risk, highest);
      d.push_back(m.valid(i) ? s.term->desirability.worst(lo, hi) : kNaN);
    }
    terms.weights.push_back(s.term->weight);
  }
}

// Panels: every off-target's affinity, the strongest, and the on-target's margin over it.
void ChunkScorer::score_panels(Chunk& chunk, Desirabilities& terms,
                               const std::vector<models::AffinityGrid>& panel_grids) const {
  const models::MoleculeSet& m = chunk.molecules;
  const std::size_t n = m.size();
  ResultTable& t = chunk.results;
  for (const Panel& panel : panels_) {
    const std::size_t targets = panel.sequences.size();
    const std::vector<double> grid = panel_grid(panel, m, panel_grids[panel.on_target]);
    const auto& on_target = t.at(panel.on_target_column).numbers;
    for (std::size_t p = 0; p < targets; ++p) {
      auto& values = t.add(panel.term->name + ":" + panel.term->targets[p], ColumnKind::Number).numbers;
      for (std::size_t i = 0; i < n; ++i) values.push_back(grid[i * targets + p]);
    }
    auto& strongest = t.add(panel.term->name + "_strongest", ColumnKind::Number).numbers;
    auto& margin = t.add(panel.term->name + "_margin", ColumnKind::Number).numbers;
    auto& d = terms.per_term.emplace_back();
    for (std::size_t i = 0; i < n; ++i) {
      double top = kNaN;
      for (std::size_t p = 0; p < targets; ++p)
        if (!std::isnan(grid[i * targets + p]) && (std::isnan(top) || grid[i * targets + p] > top)) top = grid[i * targets + p];
      strongest.push_back(top);
      margin.push_back(on_target[i] - top);
      d.push_back(m.valid(i) ? panel.term->desirability(on_target[i] - top) : kNaN);
    }
    terms.weights.push_back(panel.term->weight);
  }
}

// Each property's desirability: a descriptor's value, or the worst of a task's interval.
void ChunkScorer::score_properties(Chunk& chunk, Desirabilities& terms) const {
  const models::MoleculeSet& m = chunk.molecules;
  const double k = job_.uncertainty_penalty;
  for (const Property& property : properties_) {
    const std::string& column = property.term->column;
    const auto& value = chunk.results.at(column).numbers;
    const std::vector<double>* spread = property.spread.empty() ? nullptr : &chunk.results.at(property.spread).numbers;
    const std::vector<double>* lo68 = property.bounded ? &chunk.results.at(column + "_lo68").numbers : nullptr;
    const std::vector<double>* hi68 = property.bounded ? &chunk.results.at(column + "_hi68").numbers : nullptr;
    auto& d = terms.per_term.emplace_back();
    for (std::size_t i = 0; i < m.size(); ++i) {
      const auto [lo, hi] = widened_interval(value[i], spread ? (*spread)[i] : 0.0, lo68 ? (*lo68)[i] : kNaN,
                                             hi68 ? (*hi68)[i] : kNaN, k);
      d.push_back(m.valid(i) ? property.term->desirability.worst(lo, hi) : kNaN);
    }
    terms.weights.push_back(property.term->weight);
  }
}

// The nearest reference of each molecule and the desirability of its similarity.
void ChunkScorer::score_similarity(Chunk& chunk, Desirabilities& terms) const {
  const models::MoleculeSet& m = chunk.molecules;
  const std::size_t n = m.size();
  auto& similarity = chunk.results.add("reference_similarity", ColumnKind::Number).numbers;
  auto& nearest = chunk.results.add("nearest_reference", ColumnKind::Text).texts;
  const auto hits = kernels::nearest_reference(
      backend_, {m.fingerprints.data(), n, m.fingerprint_words}, *references_->library, job_.metric);
  auto& d = terms.per_term.emplace_back();
  for (std::size_t i = 0; i < n; ++i) {
    const bool ok = m.valid(i);
    similarity.push_back(ok ? hits[i].score : kNaN);
    nearest.push_back(ok ? references_->ids[hits[i].index] : std::string());
    d.push_back(ok ? job_.similarity_desirability(hits[i].score) : kNaN);
  }
  terms.weights.push_back(job_.similarity_weight);
}

// Rows the diverse selection may take: scored, and, when the job asks for it, inside the
// domain of every model (of those that have one) whose prediction the score rewards: the
// affinity models and the models behind property terms. A toxicity model's extrapolation
// only widens its risk interval.
std::vector<char> ChunkScorer::selectable_rows(const Chunk& chunk) const {
  const std::size_t n = chunk.molecules.size();
  std::vector<char> selectable(n, 1);
  if (!job_.require_in_domain) return selectable;
  const auto require = [&](const std::string& domain_column) {
    const auto& in_domain = chunk.results.at(domain_column).flags;
    for (std::size_t i = 0; i < n; ++i) selectable[i] &= in_domain[i] != 0;
  };
  for (const ScoringModel& s : models_)
    if (s.affinity) require(s.term->name + "_in_domain");
  for (const Property& property : properties_)
    if (!property.domain.empty()) require(property.domain);
  return selectable;
}

// The terms' desirability columns, then the composite score of the rows that pass the filters.
const std::vector<double>& ChunkScorer::add_score_columns(Chunk& chunk, const Desirabilities& terms,
                                                          const std::vector<std::int8_t>& passes) const {
  ResultTable& t = chunk.results;
  const auto& desirability = terms.per_term;
  std::size_t term = 0;
  for (const ScoringModel& s : models_)
    t.add("d_" + s.term->name, ColumnKind::Number).numbers = desirability[term++];
  for (const Panel& panel : panels_) t.add("d_" + panel.term->name, ColumnKind::Number).numbers = desirability[term++];
  for (const Property& property : properties_)
    t.add("d_" + property.term->name, ColumnKind::Number).numbers = desirability[term++];
  if (references_->library) t.add("d_similarity", ColumnKind::Number).numbers = desirability[term];

  auto& score = t.add("score", ColumnKind::Number).numbers;
  std::vector<double> ds(desirability.size());
  for (std::size_t i = 0; i < chunk.molecules.size(); ++i) {
    if (!passes[i]) {
      score.push_back(kNaN);
      continue;
    }
    for (std::size_t k = 0; k < ds.size(); ++k) ds[k] = desirability[k][i];
    score.push_back(composite_score(ds, terms.weights));
  }
  return score;
}

// The chunk's best `pool` scored, selectable structures with their fingerprints: the global
// best `pool` are among the union of every chunk's, so the merge never needs the whole library's.
void ChunkScorer::keep_pool(Chunk& chunk, const std::vector<double>& score, const std::vector<char>& selectable) const {
  // A copy scores as its first occurrence and the merge skips it: only first occurrences
  // compete for the chunk's places, or copies would crowd distinct structures out of the pool.
  const auto& smiles = chunk.results.at("smiles").texts;
  chem::StructureIndex structures;
  std::vector<std::size_t> rows;
  for (std::size_t i = 0; i < score.size(); ++i)
    if (!std::isnan(score[i]) && selectable[i] && structures.first_row(smiles[i], static_cast<std::int64_t>(i)) < 0)
      rows.push_back(i);
  const std::size_t keep = std::min(rows.size(), job_.pool);
  std::partial_sort(rows.begin(), rows.begin() + keep, rows.end(), [&](std::size_t a, std::size_t b) {
    return score[a] > score[b] || (score[a] == score[b] && a < b);
  });
  const unsigned words = chunk.molecules.fingerprint_words;
  for (std::size_t k = 0; k < keep; ++k) {
    chunk.pool_rows.push_back(chunk.first_row + rows[k]);
    const auto* fp = chunk.molecules.fingerprints.data() + rows[k] * words;
    chunk.pool_fingerprints.insert(chunk.pool_fingerprints.end(), fp, fp + words);
  }
}

}  // namespace molsieve::workflows
