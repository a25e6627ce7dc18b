#pragma once
// How far a screened library is from each model's training data, in one plain sentence per
// model: what a chemist should know before reading any of its predictions.
#include <string>
#include <vector>

#include "workflows/results/results_store.h"

namespace molsieve::workflows {

struct ModelDistance {
  std::string model;           // the job's name for it
  std::size_t molecules = 0;   // valid molecules scored
  std::size_t inside = 0;      // inside its applicability domain
  double median_similarity = 0;  // to the nearest training molecule
  double domain_threshold = 0;   // from the model card
  std::string sentence;
};

// One entry per model of the store's provenance that wrote `<name>_similarity` and
// `<name>_in_domain` columns (panels included only through their on-target model).
std::vector<ModelDistance> model_distances(const ResultsStore& store);

}  // namespace molsieve::workflows
