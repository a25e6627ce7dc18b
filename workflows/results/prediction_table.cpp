#include "workflows/results/prediction_table.h"

#include <cmath>
#include <limits>

#include "core/error.h"

namespace molsieve::workflows {
namespace {

constexpr double kMissing = std::numeric_limits<double>::quiet_NaN();

void add_identity(const models::MoleculeSet& molecules, ResultTable& table) {
  table.add("id", ColumnKind::Text).texts = molecules.ids;
  table.add("smiles", ColumnKind::Text).texts = molecules.input_smiles;
}

// values[row * stride + offset] of valid rows where finite, NaN elsewhere.
void add_numbers(const std::string& name, const models::MoleculeSet& molecules, const std::vector<double>& values,
                 std::size_t stride, std::size_t offset, ResultTable& table) {
  auto& column = table.add(name, ColumnKind::Number).numbers;
  column.resize(molecules.size(), kMissing);
  for (std::size_t row = 0; row < molecules.size(); ++row)
    if (molecules.valid(row) && std::isfinite(values[row * stride + offset])) column[row] = values[row * stride + offset];
}

void add_errors(const models::MoleculeSet& molecules, ResultTable& table) {
  table.add("error", ColumnKind::Text).texts = molecules.errors;
}

}  // namespace

ResultTable prediction_table(const models::MoleculeSet& molecules, const models::Predictions& p,
                             const models::ModelCard& card) {
  ResultTable table;
  add_identity(molecules, table);
  const bool regression = card.task_type == models::TaskType::Regression;
  const std::size_t tasks = card.tasks.size();
  for (std::size_t t = 0; t < tasks; ++t) {
    const std::string& task = card.tasks[t];
    add_numbers(task, molecules, p.mean, tasks, t, table);
    add_numbers(task + "_std", molecules, p.std, tasks, t, table);
    if (!regression) continue;
    add_numbers(task + "_lo68", molecules, p.lo68, tasks, t, table);
    add_numbers(task + "_hi68", molecules, p.hi68, tasks, t, table);
    add_numbers(task + "_lo95", molecules, p.lo95, tasks, t, table);
    add_numbers(task + "_hi95", molecules, p.hi95, tasks, t, table);
  }
  add_numbers("nearest_training_similarity", molecules, p.nearest_training_similarity, 1, 0, table);
  auto& inside = table.add("in_domain", ColumnKind::Flag).flags;
  inside.resize(molecules.size(), -1);
  // Without a training set (an imported model) there is no domain to be in or out of: empty.
  for (std::size_t row = 0; row < molecules.size(); ++row)
    if (molecules.valid(row) && !std::isnan(p.nearest_training_similarity[row]))
      inside[row] = p.nearest_training_similarity[row] >= card.domain_threshold ? 1 : 0;
  add_errors(molecules, table);
  return table;
}

ResultTable drug_target_table(const models::MoleculeSet& ligands, const models::AffinityGrid& grid,
                              const models::ModelCard& card, const std::vector<std::string>& targets,
                              const std::vector<char>& protein_inside) {
  ResultTable table;
  add_identity(ligands, table);
  const std::size_t n = targets.size();
  const std::string affinity = card.tasks[0] + ":";
  for (std::size_t p = 0; p < n; ++p) add_numbers(affinity + targets[p], ligands, grid.mean, n, p, table);
  const std::pair<const char*, const std::vector<double>*> spreads[] = {
      {"_std", &grid.spread}, {"_lo68", &grid.lo68}, {"_hi68", &grid.hi68}, {"_lo95", &grid.lo95}, {"_hi95", &grid.hi95}};
  for (const auto& [suffix, values] : spreads)
    for (std::size_t p = 0; p < n; ++p) add_numbers(affinity + targets[p] + suffix, ligands, *values, n, p, table);
  for (std::size_t p = 0; p < n; ++p) {
    auto& inside = table.add("in_domain:" + targets[p], ColumnKind::Flag).flags;
    inside.resize(ligands.size(), -1);
    for (std::size_t row = 0; row < ligands.size(); ++row)
      if (ligands.valid(row))
        inside[row] = grid.nearest_training_similarity[row] >= card.domain_threshold && protein_inside[p] ? 1 : 0;
  }
  add_numbers("nearest_training_similarity", ligands, grid.nearest_training_similarity, 1, 0, table);
  add_errors(ligands, table);
  return table;
}

models::ProteinTable requested_targets(const std::string& model, const models::ProteinTable& known,
                                       const std::vector<std::string>& names, const std::string& fasta) {
  if (names.empty() && fasta.empty()) {
    std::string examples;
    for (std::size_t p = 0; p < known.size() && p < 3; ++p) examples += (p ? ", " : "") + known.name(p);
    throw Error(model + ": a drug-target model scores ligands against proteins: name them with --target (" +
                std::to_string(known.size()) + " in its table, e.g. " + examples + ") or --target-fasta");
  }
  models::ProteinTable targets;
  for (const auto& name : names) {
    const std::size_t at = known.find(name);
    if (at == known.size()) throw Error("--target " + name + ": not in the protein table of " + model);
    targets.add(name, known.sequence(at), "--target " + name);
  }
  if (!fasta.empty()) {
    const models::ProteinTable from_file = models::read_protein_table(fasta);
    for (std::size_t p = 0; p < from_file.size(); ++p)
      targets.add(from_file.name(p), from_file.sequence(p), fasta);
  }
  return targets;
}

}  // namespace molsieve::workflows
