#pragma once
// Morgan (circular) fingerprints from RDKit's Morgan generator, packed as uint64 words:
// bit i is bit i % 64 of word i / 64, the layout of /fingerprints/morgan.
#include <cstdint>
#include <memory>
#include <vector>

namespace RDKit { class ROMol; }

namespace molsieve::chem {

class MorganFingerprinter {
 public:
  MorganFingerprinter(unsigned radius, unsigned bits);
  ~MorganFingerprinter();
  MorganFingerprinter(const MorganFingerprinter&) = delete;
  MorganFingerprinter& operator=(const MorganFingerprinter&) = delete;

  unsigned words() const { return (bits_ + 63) / 64; }
  // Writes words() words to `out`.
  void compute(const RDKit::ROMol& mol, std::uint64_t* out) const;
  std::vector<std::uint64_t> compute(const RDKit::ROMol& mol) const;

 private:
  struct Generator;
  unsigned radius_;
  unsigned bits_;
  std::unique_ptr<Generator> generator_;
};

}  // namespace molsieve::chem
