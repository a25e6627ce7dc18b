#pragma once
// Screens for substructure searches: cheap necessary conditions for a query to match a
// molecule, checked before RDKit's (much slower) full search. A query passes only if
//  - every bit of its pattern fingerprint is set in the molecule's (RDKit's pattern
//    fingerprint sets, for any substructure, a subset of the molecule's bits), and
//  - for each distinct query atom used k times in the query, at least k molecule atoms
//    match it (an embedding maps query atoms to distinct molecule atoms). Query atoms
//    with recursive SMARTS depend on their surroundings and are left out of this count.
// The molecule's fingerprint is computed once and shared by every search on it.
#include <cstdint>
#include <memory>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace RDKit { class Atom; class ROMol; }

namespace molsieve::chem {

using ScreenBits = std::vector<std::uint64_t>;

// The pattern fingerprint of a molecule or a query, as words.
ScreenBits screen_of(const RDKit::ROMol& molecule_or_query);

// True when the molecule has explicit hydrogen atoms in its graph.
bool has_hydrogen_atoms(const RDKit::ROMol& mol);

// A set of queries with their screens.
class ScreenedQueries {
 public:
  ScreenedQueries();
  ~ScreenedQueries();
  ScreenedQueries(const ScreenedQueries&) = delete;
  ScreenedQueries& operator=(const ScreenedQueries&) = delete;

  // Registers a query (kept alive here); returns its index. Register every query before
  // screening: screening is thread-safe, registering is not.
  std::size_t add(std::shared_ptr<const RDKit::ROMol> query);
  std::size_t size() const { return fingerprints_.size(); }

  // Per molecule: how many of its atoms match each distinct query atom (capped at the
  // largest number any query needs).
  std::vector<std::uint16_t> count_atoms(const RDKit::ROMol& mol) const;
  // False when query `index` cannot match a molecule with this fingerprint and counts.
  bool may_match(std::size_t index, const ScreenBits& molecule_bits,
                 const std::vector<std::uint16_t>& atom_counts) const;

 private:
  std::vector<std::shared_ptr<const RDKit::ROMol>> queries_;
  std::vector<ScreenBits> fingerprints_;
  // For each query: (distinct atom, how many times the query uses it).
  std::vector<std::vector<std::pair<std::uint32_t, std::uint16_t>>> needs_;
  std::vector<const RDKit::Atom*> distinct_atoms_;
  std::vector<std::uint16_t> most_needed_;
  std::unordered_map<std::string, std::uint32_t> atom_by_smarts_;
};

}  // namespace molsieve::chem
