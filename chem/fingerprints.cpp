#include "chem/fingerprints.h"

#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/Fingerprints/MorganGenerator.h>

#include <algorithm>

#include "core/error.h"

namespace molsieve::chem {

struct MorganFingerprinter::Generator {
  std::unique_ptr<RDKit::FingerprintGenerator<std::uint64_t>> rdkit;
};

MorganFingerprinter::MorganFingerprinter(unsigned radius, unsigned bits)
    : radius_(radius), bits_(bits), generator_(std::make_unique<Generator>()) {
  if (bits == 0 || bits % 64 != 0)
    throw Error("--fp-bits must be a positive multiple of 64, got " + std::to_string(bits));
  if (radius > 8) throw Error("--fp-radius must be at most 8, got " + std::to_string(radius));
  generator_->rdkit.reset(RDKit::MorganFingerprint::getMorganGenerator<std::uint64_t>(
      radius, false, false, true, false, nullptr, nullptr, bits));
}

MorganFingerprinter::~MorganFingerprinter() = default;

void MorganFingerprinter::compute(const RDKit::ROMol& mol, std::uint64_t* out) const {
  std::unique_ptr<ExplicitBitVect> fp(generator_->rdkit->getFingerprint(mol));
  std::fill(out, out + words(), 0);
  std::vector<int> on;
  fp->getOnBits(on);
  for (int b : on) out[static_cast<unsigned>(b) / 64] |= std::uint64_t(1) << (b % 64);
}

std::vector<std::uint64_t> MorganFingerprinter::compute(const RDKit::ROMol& mol) const {
  std::vector<std::uint64_t> out(words());
  compute(mol, out.data());
  return out;
}

}  // namespace molsieve::chem
