#pragma once
// The descriptors a pretrained encoder learns to predict (the idea of CheMeleon: a D-MPNN
// that predicts a molecule's descriptors from its graph learns chemistry without labels):
// every property RDKit registers (Descriptors::Properties: masses, counts, surface areas,
// Crippen, connectivity and shape indices) and the 42 molecular quantum numbers (MQN).
#include <string>
#include <vector>

namespace molsieve::chem {

const std::vector<std::string>& descriptor_panel_names();

// The panel for a SMILES (as RDKit parses it); NaN for each value when it does not parse.
std::vector<double> descriptor_panel(const std::string& smiles);

}  // namespace molsieve::chem
