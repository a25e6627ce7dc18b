#pragma once
// The applicability domain of the models: how close a molecule is to the training molecules
// (Tanimoto similarity of Morgan fingerprints to the nearest one), against what is usual
// among the training molecules themselves.
#include <map>
#include <string>

#include "kernels/similarity_search.h"

namespace molsieve::models {

// Each training molecule's similarity to its nearest other training molecule, summarized by
// the quantiles p01, p05, p25 and p50. `library` indexes `training`.
std::map<std::string, double> nearest_neighbour_quantiles(const kernels::SearchLibrary& library,
                                                          kernels::FingerprintMatrix training);

}  // namespace molsieve::models
