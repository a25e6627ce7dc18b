#pragma once
// QED, the quantitative estimate of drug-likeness of Bickerton et al. (Nat. Chem. 2012),
// computed as RDKit's rdkit.Chem.QED.qed does (mean weights, the same property
// definitions, acceptor patterns and 116 structural alerts), so values match it.
#include <memory>
#include <vector>

#include "chem/descriptors.h"
#include "chem/substructure_screen.h"

namespace RDKit { class ROMol; }

namespace molsieve::chem {

struct QedProperties {
  double mw = 0, alogp = 0, hba = 0, hbd = 0, psa = 0, rotb = 0, arom = 0, alerts = 0;
};

class Qed {
 public:
  Qed();
  ~Qed();
  Qed(const Qed&) = delete;
  Qed& operator=(const Qed&) = delete;

  // Everything computed here, every alert searched: the plain path and the oracle.
  QedProperties properties(const RDKit::ROMol& mol) const;
  // The featurizer's path for a molecule without explicit hydrogen atoms: reuses the
  // descriptors already computed (the same RDKit functions QED calls) and skips alerts
  // the screen (screen_of(mol)) rules out.
  QedProperties properties(const RDKit::ROMol& mol, const ScreenBits& screen,
                           const DescriptorValues& known) const;
  double operator()(const RDKit::ROMol& mol) const { return score(properties(mol)); }
  static double score(const QedProperties& properties);

 private:
  struct Patterns;
  std::unique_ptr<Patterns> patterns_;
};

}  // namespace molsieve::chem
