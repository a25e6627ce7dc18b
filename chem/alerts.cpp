#include "chem/alerts.h"

#include <GraphMol/FilterCatalog/FilterCatalog.h>
#include <GraphMol/SmilesParse/SmilesParse.h>

#include <algorithm>
#include <iterator>

#include "core/error.h"

// RDKit builds its catalogs from these tables (GraphMol/FilterCatalog/Filters.h, not
// installed by Debian): each entry is a SmartsMatcher of `smarts` with minCount max+1.
namespace RDKit {
struct FilterData_t {
  const char* name;
  const char* smarts;
  unsigned int max;
  const char* comment;
};
unsigned int GetNumEntries(FilterCatalogParams::FilterCatalogs catalog);
const FilterData_t* GetFilterData(FilterCatalogParams::FilterCatalogs catalog);
}  // namespace RDKit

namespace molsieve::chem {
namespace {

struct Family {
  const char* name;
  RDKit::FilterCatalogParams::FilterCatalogs catalog;
};
const Family kFamilies[] = {
    {"PAINS_A", RDKit::FilterCatalogParams::PAINS_A},
    {"PAINS_B", RDKit::FilterCatalogParams::PAINS_B},
    {"PAINS_C", RDKit::FilterCatalogParams::PAINS_C},
    {"BRENK", RDKit::FilterCatalogParams::BRENK},
    {"NIH", RDKit::FilterCatalogParams::NIH},
};

}  // namespace

struct AlertCatalog::Entries {
  std::vector<std::unique_ptr<RDKit::FilterCatalog>> catalogs;
  std::vector<const RDKit::FilterCatalogEntry*> entry;
  std::vector<std::size_t> family;  // position in families()
  std::vector<std::string> name;
  ScreenedQueries screens;  // of each alert's SMARTS, in entry order
};

AlertCatalog::AlertCatalog() : entries_(std::make_unique<Entries>()) {
  for (std::size_t f = 0; f < std::size(kFamilies); ++f) {
    const Family& family = kFamilies[f];
    auto catalog = std::make_unique<RDKit::FilterCatalog>(family.catalog);
    const unsigned n = catalog->getNumEntries();
    const RDKit::FilterData_t* data = RDKit::GetFilterData(family.catalog);
    // The screen is only valid if entry i really is data[i]; check before relying on it.
    if (n != RDKit::GetNumEntries(family.catalog))
      throw Error(std::string("RDKit's ") + family.name +
                  " catalog does not match its filter table; incompatible RDKit build");
    for (unsigned i = 0; i < n; ++i) {
      const RDKit::FilterCatalogEntry* entry = catalog->getEntryWithIdx(i);
      if (entry->getDescription() != data[i].name)
        throw Error(std::string("RDKit's ") + family.name + " entry " + std::to_string(i) +
                    " is not '" + data[i].name + "'; incompatible RDKit build");
      std::shared_ptr<RDKit::ROMol> pattern(RDKit::SmartsToMol(data[i].smarts, 0, true));
      entries_->entry.push_back(entry);
      entries_->family.push_back(f);
      entries_->name.push_back(entry->getDescription());
      entries_->screens.add(pattern);
    }
    entries_->catalogs.push_back(std::move(catalog));
  }
}

AlertCatalog::~AlertCatalog() = default;

std::size_t AlertCatalog::size() const { return entries_->entry.size(); }
const std::string& AlertCatalog::family(std::size_t alert) const {
  return families()[entries_->family[alert]];
}
std::size_t AlertCatalog::family_index(std::size_t alert) const { return entries_->family[alert]; }
const std::string& AlertCatalog::name(std::size_t alert) const { return entries_->name[alert]; }

const std::vector<std::string>& AlertCatalog::families() {
  static const std::vector<std::string> names = [] {
    std::vector<std::string> out;
    for (const Family& f : kFamilies) out.emplace_back(f.name);
    return out;
  }();
  return names;
}

std::vector<std::uint16_t> AlertCatalog::match(const RDKit::ROMol& mol,
                                               const ScreenBits& mol_screen) const {
  const std::vector<std::uint16_t> atom_counts = entries_->screens.count_atoms(mol);
  std::vector<std::uint16_t> hits;
  for (std::size_t i = 0; i < entries_->entry.size(); ++i) {
    if (entries_->screens.may_match(i, mol_screen, atom_counts) &&
        entries_->entry[i]->hasFilterMatch(mol))
      hits.push_back(static_cast<std::uint16_t>(i));
  }
  return hits;
}

std::vector<std::uint16_t> AlertCatalog::match_unscreened(const RDKit::ROMol& mol) const {
  std::vector<std::uint16_t> hits;
  std::size_t offset = 0;
  for (const auto& catalog : entries_->catalogs) {
    for (const auto& match : catalog->getMatches(mol))
      hits.push_back(static_cast<std::uint16_t>(offset + catalog->getIdxForEntry(match.get())));
    offset += catalog->getNumEntries();
  }
  std::sort(hits.begin(), hits.end());
  return hits;
}

}  // namespace molsieve::chem
