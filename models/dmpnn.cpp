#include "models/dmpnn.h"

#include <algorithm>

namespace molsieve::models {
namespace {

// Chemprop's MultiHotAtomFeaturizer: one-hot blocks (atomic number, total degree, formal
// charge, chiral tag, total hydrogens, hybridization), each ending in an "other" slot, then
// aromaticity and mass / 100. A value's slot is its place in the block's choices.
struct AtomScheme {
  std::vector<int> atomic_numbers;
  std::vector<int> hybridizations;  // RDKit HybridizationType values in Chemprop's order
};

std::vector<int> numbers(int first, int last) {
  std::vector<int> out;
  for (int v = first; v <= last; ++v) out.push_back(v);
  return out;
}

const AtomScheme& atom_scheme(AtomFeatures features) {
  // RDKit HybridizationType: S 1, SP 2, SP2 3, SP3 4, SP2D 5, SP3D 6, SP3D2 7.
  static const AtomScheme v1{numbers(1, 100), {2, 3, 4, 6, 7}};
  static const AtomScheme v2{[] { auto n = numbers(1, 36); n.push_back(53); return n; }(), {1, 2, 3, 5, 4, 6, 7}};
  return features == AtomFeatures::ChempropV2 ? v2 : v1;
}

// Sets the slot of `value` in the block of `choices` starting at `at`; returns the next block's start.
int one_hot_block(float* out, int at, const std::vector<int>& choices, int value) {
  const auto found = std::find(choices.begin(), choices.end(), value);
  out[at + static_cast<int>(found - choices.begin())] = 1;
  return at + static_cast<int>(choices.size()) + 1;
}

void atom_one_hot(const AtomScheme& scheme, const chem::MolGraph& g, std::size_t atom, float* out) {
  static const std::vector<int> degrees = numbers(0, 5), charges{-1, -2, 1, 2, 0}, chiral_tags = numbers(0, 3),
                                hydrogens = numbers(0, 4);
  const std::int8_t* f = &g.atom_features[atom * chem::kAtomColumns];
  int at = one_hot_block(out, 0, scheme.atomic_numbers, f[chem::kAtomAtomicNumber]);
  at = one_hot_block(out, at, degrees, f[chem::kAtomTotalDegree]);
  at = one_hot_block(out, at, charges, f[chem::kAtomFormalCharge]);
  at = one_hot_block(out, at, chiral_tags, f[chem::kAtomChiralTag]);
  at = one_hot_block(out, at, hydrogens, f[chem::kAtomTotalHydrogens]);
  at = one_hot_block(out, at, scheme.hybridizations, f[chem::kAtomHybridization]);
  out[at] = f[chem::kAtomIsAromatic] ? 1.0f : 0.0f;
  out[at + 1] = 0.01f * g.atom_mass[atom];
}

void bond_one_hot(const chem::MolGraph& g, std::size_t bond, float* out) {
  const std::int8_t* f = &g.bond_features[bond * chem::kBondColumns];
  // out[0] is Chemprop's "no bond" flag, always 0 for a real bond.
  switch (f[chem::kBondType]) {
    case 1: out[1] = 1; break;
    case 2: out[2] = 1; break;
    case 3: out[3] = 1; break;
    case 12: out[4] = 1; break;
    default: break;
  }
  out[5] = f[chem::kBondIsConjugated] ? 1.0f : 0.0f;
  out[6] = f[chem::kBondIsInRing] ? 1.0f : 0.0f;
  static const std::vector<int> stereos = numbers(0, 5);  // RDKit BondStereo, then "other"
  one_hot_block(out, 7, stereos, f[chem::kBondStereo]);
}

torch::Tensor int64_tensor(const std::vector<std::int64_t>& values) {
  return torch::from_blob(const_cast<std::int64_t*>(values.data()),
                          {static_cast<std::int64_t>(values.size())}, torch::kInt64)
      .clone();
}

}  // namespace

GraphBatch GraphBatch::to(const torch::Device& device) const {
  if (device.is_cpu()) return *this;
  GraphBatch b;
  b.incoming_order = incoming_order.to(device, true);
  b.incoming_counts = incoming_counts.to(device, true);
  b.molecule_atoms = molecule_atoms.to(device, true);
  b.ordered_sums = ordered_sums;
  b.atom_features = atom_features.to(device, /*non_blocking=*/true);
  b.edge_features = edge_features.to(device, true);
  b.edge_source = edge_source.to(device, true);
  b.edge_target = edge_target.to(device, true);
  b.atom_molecule = atom_molecule.to(device, true);
  b.atom_counts = atom_counts.to(device, true);
  if (molecule_inputs.defined()) b.molecule_inputs = molecule_inputs.to(device, true);
  b.molecules = molecules;
  return b;
}

GraphBatch make_batch(const std::vector<const chem::MolGraph*>& graphs,
                      const std::vector<float>& molecule_inputs, int molecule_input_count,
                      AtomFeatures atom_features) {
  const AtomScheme& scheme = atom_scheme(atom_features);
  const int atom_width = atom_feature_count(atom_features);
  std::int64_t atoms = 0, edges = 0;
  for (const chem::MolGraph* g : graphs) {
    atoms += static_cast<std::int64_t>(g->atoms());
    edges += 2 * static_cast<std::int64_t>(g->bonds());
  }
  const int edge_width = atom_width + kBondFeatures;
  GraphBatch b;
  b.molecules = static_cast<std::int64_t>(graphs.size());
  b.atom_features = torch::zeros({atoms, atom_width});
  b.edge_features = torch::zeros({edges, edge_width});
  std::vector<std::int64_t> source(edges), target(edges), molecule(atoms), molecule_atoms(graphs.size());
  auto counts = torch::empty({b.molecules, 1});
  float* atom_data = b.atom_features.data_ptr<float>();
  float* edge_data = b.edge_features.data_ptr<float>();
  float* count_data = counts.data_ptr<float>();
  std::int64_t atom_base = 0, edge = 0;
  for (std::size_t m = 0; m < graphs.size(); ++m) {
    const chem::MolGraph& g = *graphs[m];
    for (std::size_t a = 0; a < g.atoms(); ++a) {
      atom_one_hot(scheme, g, a, atom_data + (atom_base + a) * atom_width);
      molecule[atom_base + a] = static_cast<std::int64_t>(m);
    }
    for (std::size_t bond = 0; bond < g.bonds(); ++bond) {
      const std::int64_t ends[2] = {g.bond_atoms[2 * bond], g.bond_atoms[2 * bond + 1]};
      for (int direction = 0; direction < 2; ++direction, ++edge) {
        const std::int64_t from = atom_base + ends[direction], to = atom_base + ends[1 - direction];
        float* row = edge_data + edge * edge_width;
        std::copy(atom_data + from * atom_width, atom_data + (from + 1) * atom_width, row);
        bond_one_hot(g, bond, row + atom_width);
        source[edge] = from;
        target[edge] = to;
      }
    }
    // A molecule without atoms never reaches a batch; 1 keeps the mean defined regardless.
    count_data[m] = static_cast<float>(std::max<std::size_t>(g.atoms(), 1));
    molecule_atoms[m] = static_cast<std::int64_t>(g.atoms());
    atom_base += static_cast<std::int64_t>(g.atoms());
  }
  b.edge_source = int64_tensor(source);
  b.edge_target = int64_tensor(target);
  b.atom_molecule = int64_tensor(molecule);
  b.atom_counts = counts;
  std::vector<std::int64_t> incoming_counts(atoms, 0), incoming_order(edges);
  for (std::int64_t e = 0; e < edges; ++e) ++incoming_counts[target[e]];
  std::vector<std::int64_t> next(atoms, 0);  // first slot of each atom's run, then the next free one
  for (std::int64_t a = 1; a < atoms; ++a) next[a] = next[a - 1] + incoming_counts[a - 1];
  for (std::int64_t e = 0; e < edges; ++e) incoming_order[next[target[e]]++] = e;
  b.incoming_order = int64_tensor(incoming_order);
  b.incoming_counts = int64_tensor(incoming_counts);
  b.molecule_atoms = int64_tensor(molecule_atoms);
  if (molecule_input_count > 0)
    b.molecule_inputs = torch::from_blob(const_cast<float*>(molecule_inputs.data()),
                                         {b.molecules, molecule_input_count}, torch::kFloat32)
                            .clone();
  return b;
}

DmpnnImpl::DmpnnImpl(const Architecture& architecture, int molecule_input_count, int outputs)
    : architecture_(architecture) {
  const int h = architecture.hidden, atom_width = atom_feature_count(architecture.atom_features);
  namespace nn = torch::nn;
  input_ = register_module("W_i", nn::Linear(nn::LinearOptions(atom_width + kBondFeatures, h).bias(false)));
  hidden_ = register_module("W_h", nn::Linear(nn::LinearOptions(h, h).bias(false)));
  output_ = register_module("W_o", nn::Linear(atom_width + h, h));
  dropout_ = register_module("dropout", nn::Dropout(architecture.dropout));
  head_ = nn::Sequential();
  int width = h + molecule_input_count;
  for (int layer = 0; layer + 1 < architecture.ffn_layers; ++layer) {
    head_->push_back(nn::Dropout(architecture.dropout));
    head_->push_back(nn::Linear(width, architecture.ffn_hidden));
    head_->push_back(nn::ReLU());
    width = architecture.ffn_hidden;
  }
  head_->push_back(nn::Dropout(architecture.dropout));
  head_->push_back(nn::Linear(width, outputs));
  register_module("ffn", head_);
}

torch::Tensor DmpnnImpl::forward(const GraphBatch& b) {
  const std::int64_t h = architecture_.hidden;
  const std::int64_t atoms = b.atom_features.size(0), edges = b.edge_features.size(0);
  // Sums over incoming edges by scatter_add and reads per edge by gather: both are
  // vectorized on the CPU, unlike index_add_ in LibTorch 1.13.
  const auto target_index = b.edge_target.unsqueeze(1).expand({edges, h});
  const auto source_index = b.edge_source.unsqueeze(1).expand({edges, h});
  auto incoming_sum = [&](const torch::Tensor& message) {
    // segment_reduce refuses empty data: a batch of bond-less molecules (methane, salts
    // such as [Na+].[Cl-]) has no edges, and its sums are zeros however they are added.
    if (b.ordered_sums && edges > 0)
      return torch::segment_reduce(message.index_select(0, b.incoming_order), "sum", b.incoming_counts, {}, {}, 0,
                                   false, 0);
    return torch::zeros({atoms, h}, message.options()).scatter_add(0, target_index, message);
  };
  const torch::Tensor input = input_(b.edge_features);
  torch::Tensor message = torch::relu(input);
  for (int step = 1; step < architecture_.depth; ++step) {
    // Message on u->v: everything arriving at u except what v sent back (edge ^ 1).
    const torch::Tensor reverse = message.view({-1, 2, h}).flip(1).reshape({-1, h});
    message = incoming_sum(message).gather(0, source_index) - reverse;
    message = dropout_(torch::relu(input + hidden_(message)));
  }
  const torch::Tensor atom_hidden =
      dropout_(torch::relu(output_(torch::cat({b.atom_features, incoming_sum(message)}, 1))));
  torch::Tensor molecule;
  if (b.ordered_sums) {  // a molecule's atoms are consecutive rows
    molecule = torch::segment_reduce(atom_hidden, "sum", b.molecule_atoms, {}, {}, 0, false, 0);
  } else {
    const auto molecule_index = b.atom_molecule.unsqueeze(1).expand({atoms, h});
    molecule = torch::zeros({b.molecules, h}, atom_hidden.options()).scatter_add(0, molecule_index, atom_hidden);
  }
  if (architecture_.aggregation == Aggregation::Mean) molecule = molecule / b.atom_counts;
  if (architecture_.aggregation == Aggregation::Norm) molecule = molecule / 100.0;
  if (b.molecule_inputs.defined()) molecule = torch::cat({molecule, b.molecule_inputs}, 1);
  return head_->forward(molecule);
}

void initialize_parameters(torch::nn::Module& module) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : module.parameters()) {
    if (parameter.dim() == 1)
      torch::nn::init::zeros_(parameter);
    else
      torch::nn::init::xavier_normal_(parameter);
  }
}

}  // namespace molsieve::models
