#pragma once
// QED, the quantitative estimate of drug-likeness of Bickerton et al. (Nat. Chem. 2012),
// computed as RDKit's rdkit.Chem.QED.qed does (mean weights, the same property
// definitions, acceptor patterns and 116 structural alerts), so values match it.
#include <memory>
#include <vector>

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

  QedProperties properties(const RDKit::ROMol& mol) const;
  double operator()(const RDKit::ROMol& mol) const { return score(properties(mol)); }
  static double score(const QedProperties& properties);

 private:
  struct Patterns;
  std::unique_ptr<Patterns> patterns_;
};

}  // namespace molsieve::chem
