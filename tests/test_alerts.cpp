// The fingerprint-screened alert search must give FilterCatalog's answers exactly.
#include <gtest/gtest.h>

#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <RDGeneral/RDLog.h>

#include <fstream>
#include <map>
#include <memory>

#include "chem/alerts.h"
#include "test_support.h"

namespace molsieve::chem {
namespace {

TEST(AlertCatalog, HoldsPainsBrenkAndNihFamilies) {
  AlertCatalog catalog;
  std::map<std::string, int> per_family;
  for (std::size_t i = 0; i < catalog.size(); ++i) ++per_family[catalog.family(i)];
  EXPECT_EQ(per_family["PAINS_A"], 16);
  EXPECT_EQ(per_family["PAINS_B"], 55);
  EXPECT_EQ(per_family["PAINS_C"], 409);
  EXPECT_EQ(per_family["BRENK"], 105);
  EXPECT_EQ(per_family["NIH"], 180);
}

TEST(AlertCatalog, ScreenedMatchesEqualUnscreenedOnAllNciMolecules) {
  RDLog::InitLogs();
  boost::logging::disable_logs("rdApp.*");
  AlertCatalog catalog;
  std::ifstream in(test::rdkit_data("Data/NCI/first_5K.smi"));
  std::string line;
  std::size_t compared = 0, with_alerts = 0;
  while (std::getline(in, line)) {
    std::unique_ptr<RDKit::ROMol> mol;
    try {
      mol.reset(RDKit::SmilesToMol(line.substr(0, line.find_first_of(" \t"))));
    } catch (const std::exception&) {
      continue;  // RDKit rejects a few NCI molecules (valence errors)
    }
    if (!mol) continue;
    auto expected = catalog.match_unscreened(*mol);
    EXPECT_EQ(catalog.match(*mol), expected) << line;
    ++compared;
    with_alerts += !expected.empty();
  }
  EXPECT_GE(compared, 4900u);
  EXPECT_GT(with_alerts, 1000u);
}

}  // namespace
}  // namespace molsieve::chem
