#pragma once
// The table `molsieve predict` writes, for every front end (the command line's CSV, the Python
// module's DataFrame): one row per input row, in input order, with the columns named in
// docs/models.md ("Predictions").
#include <string>
#include <vector>

#include "models/drug_target.h"
#include "models/model.h"
#include "workflows/results/result_table.h"

namespace molsieve::workflows {

// A model of molecules alone: id, smiles (as given), per task <task> and <task>_std (and for
// regression <task>_lo68, <task>_hi68, <task>_lo95, <task>_hi95), nearest_training_similarity,
// in_domain, error.
// Values of invalid rows are NaN; in_domain is -1 (not applicable) for them.
ResultTable prediction_table(const models::MoleculeSet& molecules, const models::Predictions& predictions,
                             const models::ModelCard& card);

// A drug-target model against `targets` (names, with whether each protein is inside the
// domain): <affinity>:<target> per target, then the _std, _lo68, _hi68, _lo95 and _hi95 columns of every
// target, in_domain:<target> per target, nearest_training_similarity, error.
ResultTable drug_target_table(const models::MoleculeSet& ligands, const models::AffinityGrid& grid,
                              const models::ModelCard& card, const std::vector<std::string>& targets,
                              const std::vector<char>& protein_inside);

// The proteins a drug-target model is asked about: names from its table (`names`), then the
// entries of a FASTA file (`fasta`, or empty). Throws molsieve::Error naming `model` when
// neither is given or a name is not in its table.
models::ProteinTable requested_targets(const std::string& model, const models::ProteinTable& known,
                                       const std::vector<std::string>& names, const std::string& fasta);

}  // namespace molsieve::workflows
