#pragma once
// DrugTargetModel::State: what a drug-target model holds, and the ligand batches that its
// prediction and its training both read. Internal to models/ (includes LibTorch).
#include <torch/torch.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "kernels/similarity_search.h"
#include "models/drug_target.h"
#include "models/drug_target_net.h"

namespace molsieve::models {

struct DrugTargetModel::State {
  ModelCard card;
  ProteinTable proteins;
  std::vector<DrugTargetNet> members;  // forward passes are not const in LibTorch: see grid()
  double target_mean = 0, target_std = 1;
  torch::Device device = torch::kCPU;
  // Applicability domain: the training ligands' fingerprints and the training proteins.
  std::vector<std::uint64_t> training_fingerprints;
  std::unique_ptr<kernels::SearchLibrary> training_library;
  std::vector<std::uint32_t> training_proteins;

  void index_training_fingerprints();
  // The raw mean and spread of `networks` for every ligand against every sequence.
  AffinityGrid grid(std::vector<DrugTargetNet> networks, const MoleculeSet& ligands,
                    const std::vector<std::string>& sequences) const;
};

// The ligands `rows` as a D-MPNN batch, with their Morgan fingerprints folded to `folded`
// bits as extra inputs of the ligand encoder's readout (none for 0).
GraphBatch ligand_graphs(const MoleculeSet& set, const std::vector<std::size_t>& rows, int folded);

// A set of the rows of `set` that a ligand batch reads (ids, errors, graphs, fingerprints).
MoleculeSet ligand_subset(const MoleculeSet& set, const std::vector<std::size_t>& rows);

}  // namespace molsieve::models
