#pragma once
// A screen for substructure searches: RDKit's pattern fingerprint. Every bit a query sets
// is set in any molecule that contains it, so a query with a bit the molecule lacks cannot
// match, and its (much slower) full search is skipped. Computed once per molecule and
// shared by every search on it (structural alerts, QED's alerts).
#include <cstdint>
#include <vector>

namespace RDKit { class ROMol; }

namespace molsieve::chem {

using ScreenBits = std::vector<std::uint64_t>;

ScreenBits screen_of(const RDKit::ROMol& molecule_or_query);

// False when the molecule cannot contain the query.
inline bool may_contain(const ScreenBits& molecule, const ScreenBits& query) {
  for (std::size_t w = 0; w < query.size(); ++w)
    if (query[w] & ~molecule[w]) return false;
  return true;
}

// True when the molecule has explicit hydrogen atoms in its graph.
bool has_hydrogen_atoms(const RDKit::ROMol& mol);

}  // namespace molsieve::chem
