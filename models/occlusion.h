#pragma once
// Per-atom explanations by occlusion: an atom's contribution to a prediction is the
// prediction of the whole molecule minus the prediction with that atom (and its bonds)
// removed from the graph. Positive: the atom raises the predicted value or probability.
// Works for models of molecules alone and, against one protein, for drug-target models.
#include <cstddef>
#include <string>
#include <vector>

#include "models/drug_target.h"
#include "models/model.h"

namespace molsieve::models {

// Contributions of every atom of `molecules` row `row` to `task`, in the graph's atom order
// (for a graph built from a SMILES string, the order of RDKit's parse of that string).
// Empty for an invalid row. One forward pass over all occluded copies.
std::vector<double> occlusion_contributions(const Model& model, const MoleculeSet& molecules, std::size_t row,
                                            std::size_t task);
// The same for the predicted affinity of the row's ligand to the protein `sequence`.
std::vector<double> occlusion_contributions(const DrugTargetModel& model, const MoleculeSet& molecules,
                                            std::size_t row, const std::string& sequence);

// Molecules as one model reads them, in the atom order chem::svg_depiction draws: RDKit's
// parse of the SMILES string, not standardized again (a results table's SMILES already are).
// Made once per model: its featurizer builds the alert catalog.
class DrawnMolecules {
 public:
  explicit DrawnMolecules(const ModelCard& card);
  // One row; it carries the featurizer's error when RDKit cannot read `smiles`.
  MoleculeSet featurize(const std::string& smiles) const;

 private:
  MoleculeFeaturizer featurizer_;
};

// Row `row` whole (copy 0) and once without each atom i (copy 1 + i). Descriptors and
// fingerprint stay those of the whole molecule: only the graph is occluded. Each copy's
// SMILES is marked with the atom it lacks, so that a model's merging of repeated molecules
// (Model::predict computes a SMILES once) does not score every copy as the whole molecule.
MoleculeSet occluded_copies(const MoleculeSet& molecules, std::size_t row);

// The graph without atom `atom` and its bonds; atoms after it move down by one.
chem::MolGraph without_atom(const chem::MolGraph& graph, std::size_t atom);

}  // namespace molsieve::models
