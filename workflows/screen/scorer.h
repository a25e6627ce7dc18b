#pragma once
// Scores a chunk of a screening job: filters, affinity and toxicity models, similarity to
// the references, desirabilities and the composite score (docs/screening.md). A chunk's
// results depend on its own rows only.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/backend.h"
#include "models/drug_target.h"
#include "models/model.h"
#include "workflows/results/results_store.h"
#include "workflows/screen/source.h"

namespace molsieve::kernels { class SearchLibrary; }

namespace molsieve::workflows {

class ChunkScorer {
 public:
  // Loads the job's models onto `device` and featurizes its references; throws
  // molsieve::Error for a model that does not fit its role or the library.
  ChunkScorer(const ScreenJob& job, const LibrarySource& source, const kernels::DeviceChoice& device);
  ~ChunkScorer();

  void score(Chunk& chunk) const;

  // Where the models ran, and why.
  const std::string& device() const { return device_; }
  std::vector<ScoreTerm> score_terms() const;
  // Fills the models' part of the provenance: names, paths, cards and roles.
  void describe_models(ResultsProvenance& provenance) const;

  // A model of the job with its role; a selectivity panel; a property term's columns; the
  // featurized references (defined in the .cpp).
  struct ScoringModel;
  struct Panel;
  struct Property;
  struct References;

 private:
  struct Desirabilities;  // each scored term's desirability per row, and its weight

  void add_molecule_columns(Chunk& chunk) const;
  const std::vector<std::int8_t>& add_filter_columns(Chunk& chunk) const;
  void score_models(Chunk& chunk, Desirabilities& terms, std::vector<models::AffinityGrid>& panel_grids) const;
  void score_panels(Chunk& chunk, Desirabilities& terms, const std::vector<models::AffinityGrid>& panel_grids) const;
  void score_properties(Chunk& chunk, Desirabilities& terms) const;
  void score_similarity(Chunk& chunk, Desirabilities& terms) const;
  std::vector<char> selectable_rows(const Chunk& chunk) const;
  const std::vector<double>& add_score_columns(Chunk& chunk, const Desirabilities& terms,
                                               const std::vector<std::int8_t>& passes) const;
  void keep_pool(Chunk& chunk, const std::vector<double>& score, const std::vector<char>& selectable) const;

  const ScreenJob& job_;
  std::vector<ScoringModel> models_;
  std::vector<Panel> panels_;
  std::vector<Property> properties_;
  std::unique_ptr<References> references_;
  kernels::Backend backend_ = kernels::Backend::Cpu;
  std::string device_;
  std::vector<std::size_t> excluded_families_;
  std::vector<std::size_t> range_columns_;
};

// Weighted geometric mean of desirabilities, exp(sum w ln d / sum w), ignoring terms of weight
// 0 (NaN when all weights are 0): the composite score of docs/screening.md.
double composite_score(const std::vector<double>& desirabilities, const std::vector<double>& weights);

}  // namespace molsieve::workflows
