#include "chem/substructure_screen.h"

#include <DataStructs/ExplicitBitVect.h>
#include <GraphMol/Fingerprints/Fingerprints.h>
#include <GraphMol/QueryAtom.h>
#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmartsWrite.h>

#include <algorithm>
#include <map>

namespace molsieve::chem {
namespace {

constexpr unsigned kScreenBits = 2048;

bool has_recursion(const RDKit::QueryAtom::QUERYATOM_QUERY* query) {
  if (query->getDescription() == "RecursiveStructure") return true;
  for (auto child = query->beginChildren(); child != query->endChildren(); ++child)
    if (has_recursion(child->get())) return true;
  return false;
}

}  // namespace

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

ScreenedQueries::ScreenedQueries() = default;
ScreenedQueries::~ScreenedQueries() = default;

std::size_t ScreenedQueries::add(std::shared_ptr<const RDKit::ROMol> query) {
  std::map<std::uint32_t, std::uint16_t> uses;
  for (const RDKit::Atom* atom : query->atoms()) {
    if (!atom->hasQuery()) continue;
    const auto* query_atom = static_cast<const RDKit::QueryAtom*>(atom);
    if (has_recursion(query_atom->getQuery())) continue;
    const std::string key = RDKit::SmartsWrite::GetAtomSmarts(query_atom);
    auto [it, inserted] = atom_by_smarts_.emplace(key, static_cast<std::uint32_t>(distinct_atoms_.size()));
    if (inserted) {
      distinct_atoms_.push_back(atom);
      most_needed_.push_back(0);
    }
    ++uses[it->second];
  }
  std::vector<std::pair<std::uint32_t, std::uint16_t>> needs(uses.begin(), uses.end());
  for (const auto& [atom, count] : needs) most_needed_[atom] = std::max(most_needed_[atom], count);
  needs_.push_back(std::move(needs));
  fingerprints_.push_back(screen_of(*query));
  queries_.push_back(std::move(query));
  return fingerprints_.size() - 1;
}

std::vector<std::uint16_t> ScreenedQueries::count_atoms(const RDKit::ROMol& mol) const {
  std::vector<std::uint16_t> counts(distinct_atoms_.size(), 0);
  for (std::size_t q = 0; q < distinct_atoms_.size(); ++q) {
    const RDKit::Atom* query_atom = distinct_atoms_[q];
    for (const RDKit::Atom* atom : mol.atoms()) {
      if (query_atom->Match(atom) && ++counts[q] >= most_needed_[q]) break;
    }
  }
  return counts;
}

bool ScreenedQueries::may_match(std::size_t index, const ScreenBits& molecule_bits,
                                const std::vector<std::uint16_t>& atom_counts) const {
  const ScreenBits& query_bits = fingerprints_[index];
  for (std::size_t w = 0; w < query_bits.size(); ++w)
    if (query_bits[w] & ~molecule_bits[w]) return false;
  for (const auto& [atom, needed] : needs_[index])
    if (atom_counts[atom] < needed) return false;
  return true;
}

}  // namespace molsieve::chem
