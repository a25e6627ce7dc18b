#pragma once
// Per-atom explanations by occlusion: an atom's contribution to a prediction is the
// prediction of the whole molecule minus the prediction with that atom (and its bonds)
// removed from the graph. Positive: the atom raises the predicted value or probability.
#include <cstddef>
#include <vector>

#include "models/model.h"

namespace molsieve::models {

// Contributions of every atom of `molecules` row `row` to `task`, in the graph's atom order
// (for a graph built from a SMILES string, the order of RDKit's parse of that string).
// Empty for an invalid row. One forward pass over all occluded copies.
std::vector<double> occlusion_contributions(const Model& model, const MoleculeSet& molecules, std::size_t row,
                                            std::size_t task);

// The graph without atom `atom` and its bonds; atoms after it move down by one.
chem::MolGraph without_atom(const chem::MolGraph& graph, std::size_t atom);

}  // namespace molsieve::models
