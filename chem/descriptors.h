#pragma once
// Whole-molecule descriptors with RDKit's definitions (the functions behind
// rdkit.Chem.Descriptors of the same name), plus QED and two rule flags.
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace RDKit { class ROMol; }

namespace molsieve::chem {

class Qed;

enum Descriptor {
  kMw,              // average molecular weight (Descriptors.MolWt)
  kExactMw,         // monoisotopic mass (Descriptors.ExactMolWt)
  kClogp,           // Wildman-Crippen logP (Descriptors.MolLogP)
  kMr,              // Wildman-Crippen molar refractivity (Descriptors.MolMR)
  kTpsa,            // topological polar surface area, N and O only (Descriptors.TPSA)
  kHbd,             // H-bond donors (Descriptors.NumHDonors)
  kHba,             // H-bond acceptors (Descriptors.NumHAcceptors)
  kRotatableBonds,  // strict definition (Descriptors.NumRotatableBonds)
  kHeavyAtoms,
  kRings,           // SSSR ring count (Descriptors.RingCount)
  kAromaticRings,
  kFsp3,            // fraction of sp3 carbons (Descriptors.FractionCSP3)
  kFormalCharge,
  kQed,             // Bickerton et al. 2012, mean weights (QED.qed)
  kDescriptorCount
};

const std::array<const char*, kDescriptorCount>& descriptor_names();

struct DescriptorValues {
  std::array<double, kDescriptorCount> values{};
  // Lipinski's rule of five: MW > 500, logP > 5, more than 5 N-H/O-H donors, more than
  // 10 N/O acceptors (the rule's own Lipinski counts, not the pharmacophore counts above).
  std::int8_t lipinski_violations = 0;
  // Veber et al. 2002: at most 10 rotatable bonds and TPSA at most 140.
  bool veber = false;
};

// `screen` is screen_of(mol), shared with the other substructure searches. `as_parsed`:
// the molecule is sanitized as a parser leaves it, so QED may reuse the descriptors
// computed here instead of recomputing them on its own hydrogen-free copy.
DescriptorValues compute_descriptors(const RDKit::ROMol& mol, const Qed& qed,
                                     const std::vector<std::uint64_t>& screen,
                                     bool as_parsed = true);

}  // namespace molsieve::chem
