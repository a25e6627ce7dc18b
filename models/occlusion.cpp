#include "models/occlusion.h"

#include <functional>

#include "chem/featurizer.h"

namespace molsieve::models {

chem::MolGraph without_atom(const chem::MolGraph& graph, std::size_t atom) {
  chem::MolGraph out;
  for (std::size_t a = 0; a < graph.atoms(); ++a) {
    if (a == atom) continue;
    out.atom_features.insert(out.atom_features.end(), graph.atom_features.begin() + a * chem::kAtomColumns,
                             graph.atom_features.begin() + (a + 1) * chem::kAtomColumns);
    out.atom_mass.push_back(graph.atom_mass[a]);
  }
  const auto shifted = [&](std::int32_t a) { return static_cast<std::size_t>(a) > atom ? a - 1 : a; };
  for (std::size_t b = 0; b < graph.bonds(); ++b) {
    const std::int32_t begin = graph.bond_atoms[2 * b], end = graph.bond_atoms[2 * b + 1];
    if (static_cast<std::size_t>(begin) == atom || static_cast<std::size_t>(end) == atom) continue;
    out.bond_features.insert(out.bond_features.end(), graph.bond_features.begin() + b * chem::kBondColumns,
                             graph.bond_features.begin() + (b + 1) * chem::kBondColumns);
    out.bond_atoms.push_back(shifted(begin));
    out.bond_atoms.push_back(shifted(end));
  }
  return out;
}

namespace {

chem::FeaturizerOptions drawn_options(const ModelCard& card) {
  chem::FeaturizerOptions options = model_featurizer_options(card);
  options.standardize = false;
  return options;
}

}  // namespace

DrawnMolecules::DrawnMolecules(const ModelCard& card) : featurizer_(drawn_options(card)) {}

MoleculeSet DrawnMolecules::featurize(const std::string& smiles) const {
  chem::InputRecord record;
  record.id = smiles;
  record.text = smiles;
  return featurizer_.featurize({record});
}

MoleculeSet occluded_copies(const MoleculeSet& molecules, std::size_t row) {
  const chem::MolGraph& graph = molecules.graphs[row];
  MoleculeSet copies;
  copies.fingerprint_words = molecules.fingerprint_words;
  for (std::size_t c = 0; c <= graph.atoms(); ++c) {
    copies.ids.push_back(molecules.ids[row]);
    copies.input_smiles.push_back(molecules.input_smiles[row]);
    copies.smiles.push_back(c == 0 ? molecules.smiles[row] : molecules.smiles[row] + " without atom " + std::to_string(c - 1));
    copies.errors.emplace_back();
    copies.graphs.push_back(c == 0 ? graph : without_atom(graph, c - 1));
    copies.descriptors.insert(copies.descriptors.end(), molecules.descriptors.begin() + row * chem::kDescriptorCount,
                              molecules.descriptors.begin() + (row + 1) * chem::kDescriptorCount);
    copies.fingerprints.insert(copies.fingerprints.end(),
                               molecules.fingerprints.begin() + row * molecules.fingerprint_words,
                               molecules.fingerprints.begin() + (row + 1) * molecules.fingerprint_words);
  }
  return copies;
}

namespace {

// `predict` gives one value per copy of occluded_copies().
std::vector<double> contributions(const MoleculeSet& molecules, std::size_t row,
                                  const std::function<std::vector<double>(const MoleculeSet&)>& predict) {
  if (!molecules.valid(row)) return {};
  const std::size_t atoms = molecules.graphs[row].atoms();
  if (atoms < 2) return std::vector<double>(atoms, 0.0);  // no graph is left to predict on
  const std::vector<double> values = predict(occluded_copies(molecules, row));
  std::vector<double> out(atoms);
  for (std::size_t a = 0; a < atoms; ++a) out[a] = values[0] - values[a + 1];
  return out;
}

}  // namespace

std::vector<double> occlusion_contributions(const Model& model, const MoleculeSet& molecules, std::size_t row,
                                            std::size_t task) {
  return contributions(molecules, row, [&](const MoleculeSet& copies) {
    const Predictions p = model.predict(copies);
    std::vector<double> values(copies.size());
    for (std::size_t c = 0; c < copies.size(); ++c) values[c] = p.value(c, task);
    return values;
  });
}

std::vector<double> occlusion_contributions(const DrugTargetModel& model, const MoleculeSet& molecules,
                                            std::size_t row, const std::string& sequence) {
  return contributions(molecules, row,
                       [&](const MoleculeSet& copies) { return model.predict_grid(copies, {sequence}).mean; });
}

}  // namespace molsieve::models
