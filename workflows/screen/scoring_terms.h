#pragma once
// The job's terms resolved for scoring, once per run (ChunkScorer's constructor): each model
// loaded with its role and result columns, the selectivity panels, the property terms and the
// featurized references. Internal to the screen library; scorer.cpp scores chunks with them.
#include <memory>
#include <string>
#include <vector>

#include "kernels/similarity_search.h"
#include "workflows/screen/scorer.h"

namespace molsieve::workflows {

// A model of the job with the columns it writes.
struct ChunkScorer::ScoringModel {
  const ModelTerm* term = nullptr;
  bool affinity = true;
  models::Model model;                    // a model of molecules alone, or ...
  std::unique_ptr<models::DrugTargetModel> drug_target;  // ... a drug-target model and its protein,
  std::string target_sequence;
  std::vector<std::string> panel_sequences;  // then the targets of panels that use the same model
  bool target_in_domain = true;
  std::vector<std::string> task_columns;  // the columns of the model's tasks
  std::size_t scored_task = 0;            // affinity
  std::vector<std::size_t> risk_tasks;    // toxicity
  RiskAggregate aggregate = RiskAggregate::Max;

  const models::ModelCard& card() const { return drug_target ? drug_target->card() : model.card(); }
  // A drug-target model's affinity to the term's protein as a one-task prediction; `panels`
  // receives the grid of the panels' targets that share the model (each ligand encoded once).
  models::Predictions predict(const models::MoleculeSet& molecules, models::AffinityGrid* panels) const {
    if (!drug_target) return model.predict(molecules);
    std::vector<std::string> sequences{target_sequence};
    sequences.insert(sequences.end(), panel_sequences.begin(), panel_sequences.end());
    // Only the target's intervals are read (panels read means): no alignment per chunk.
    std::vector<char> inside(sequences.size(), 1);
    inside[0] = target_in_domain;
    const models::AffinityGrid grid = drug_target->predict_grid(molecules, sequences, inside);
    models::Predictions p;
    p.rows = molecules.size();
    p.tasks = 1;
    panels->proteins = panel_sequences.size();
    for (std::size_t i = 0; i < p.rows; ++i) {
      const std::size_t row = i * sequences.size();
      p.mean.push_back(grid.mean[row]);
      p.std.push_back(grid.spread[row]);
      p.lo68.push_back(grid.lo68[row]);
      p.hi68.push_back(grid.hi68[row]);
      p.lo95.push_back(grid.lo95[row]);
      p.hi95.push_back(grid.hi95[row]);
      panels->mean.insert(panels->mean.end(), grid.mean.begin() + row + 1, grid.mean.begin() + row + sequences.size());
    }
    p.nearest_training_similarity = grid.nearest_training_similarity;
    return p;
  }
};

struct ChunkScorer::Panel {
  const PanelTerm* term = nullptr;
  std::unique_ptr<models::DrugTargetModel> model;  // null when the on-target term's model is the same file
  std::vector<std::string> sequences;  // the off-targets, in the job's order
  std::string on_target_column;        // the on-target term's affinity column
  std::size_t on_target = 0;           // that term's place in the scorer's models
  std::size_t first_shared_column = 0; // with a shared model: its columns in the term's panel grid
};

// A property term with the columns it reads: a descriptor, or a model's task with its spread.
struct ChunkScorer::Property {
  const PropertyTerm* term = nullptr;
  std::string spread;  // "<task>_std" for a model's task, else ""
  std::string domain;  // that model's "<name>_in_domain", else ""
  bool bounded = false;  // a regression task: scored on its 68% interval, <task>_lo68 and _hi68
};

struct ChunkScorer::References {
  std::vector<std::string> ids;
  std::vector<std::uint64_t> fingerprints;
  std::unique_ptr<kernels::SearchLibrary> library;
};

// The job's affinity and toxicity models, loaded onto `device` (`chosen`: where they run);
// throws molsieve::Error, naming the job and the model, for one that does not fit its role or
// the library.
void load_models(const ScreenJob& job, const LibrarySource& source, const kernels::DeviceChoice& device,
                 std::vector<ChunkScorer::ScoringModel>& out, std::string& chosen);
// The job's panels; a panel that shares its on-target term's model adds its targets to it.
std::vector<ChunkScorer::Panel> load_panels(const ScreenJob& job, std::vector<ChunkScorer::ScoringModel>& models,
                                            const kernels::DeviceChoice& device);
// The job's property terms with the spread and domain columns they read.
std::vector<ChunkScorer::Property> resolve_properties(const ScreenJob& job,
                                                     const std::vector<ChunkScorer::ScoringModel>& models);
// The job's reference molecules, featurized as the library is (none without references).
std::unique_ptr<ChunkScorer::References> read_references(const ScreenJob& job, const chem::FeaturizerOptions& options);

}  // namespace molsieve::workflows
