#include "chem/substructure_screen.h"

#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/Fingerprints/Fingerprints.h>
#include <GraphMol/ROMol.h>

#include <memory>

namespace molsieve::chem {

namespace {
constexpr unsigned kScreenBits = 2048;
}

ScreenBits screen_of(const RDKit::ROMol& molecule_or_query) {
  std::unique_ptr<ExplicitBitVect> fp(RDKit::PatternFingerprintMol(molecule_or_query, kScreenBits));
  ScreenBits words(kScreenBits / 64, 0);
  std::vector<int> on;
  fp->getOnBits(on);
  for (int b : on) words[static_cast<unsigned>(b) / 64] |= std::uint64_t(1) << (b % 64);
  return words;
}

bool has_hydrogen_atoms(const RDKit::ROMol& mol) {
  for (const RDKit::Atom* atom : mol.atoms())
    if (atom->getAtomicNum() == 1) return true;
  return false;
}

}  // namespace molsieve::chem
