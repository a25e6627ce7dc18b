#pragma once
// Structural alerts from RDKit's FilterCatalog (PAINS A/B/C, Brenk, NIH), with the same
// answers as FilterCatalog::getMatches but faster: alerts that the substructure screens
// (chem/substructure_screen.h) rule out are skipped, and the rest are decided by the
// FilterCatalog entry itself.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "chem/substructure_screen.h"

namespace RDKit { class ROMol; }

namespace molsieve::chem {

class AlertCatalog {
 public:
  AlertCatalog();
  ~AlertCatalog();
  AlertCatalog(const AlertCatalog&) = delete;
  AlertCatalog& operator=(const AlertCatalog&) = delete;

  std::size_t size() const;
  // "PAINS_A", "PAINS_B", "PAINS_C", "BRENK" or "NIH".
  const std::string& family(std::size_t alert) const;
  // The alert's family as a position in families().
  std::size_t family_index(std::size_t alert) const;
  const std::string& name(std::size_t alert) const;
  static const std::vector<std::string>& families();

  // Indices of the alerts that match, ascending; `screen` is screen_of(mol).
  std::vector<std::uint16_t> match(const RDKit::ROMol& mol, const ScreenBits& screen) const;
  // The same answer by asking every FilterCatalog entry: the unscreened oracle.
  std::vector<std::uint16_t> match_unscreened(const RDKit::ROMol& mol) const;

 private:
  struct Entries;
  std::unique_ptr<Entries> entries_;
};

}  // namespace molsieve::chem
