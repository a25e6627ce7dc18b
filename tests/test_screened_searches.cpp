// Screened substructure searches must give the unscreened answers exactly: the structural
// alerts (FilterCatalog) and QED's alerts, on every NCI molecule RDKit can parse.
#include <gtest/gtest.h>

#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/SmilesParse/SmilesWrite.h>
#include <RDGeneral/RDLog.h>

#include <fstream>
#include <map>
#include <memory>

#include "chem/alerts.h"
#include "chem/descriptors.h"
#include "chem/qed.h"
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

std::vector<std::unique_ptr<RDKit::ROMol>> nci_molecules() {
  RDLog::InitLogs();
  boost::logging::disable_logs("rdApp.*");
  std::vector<std::unique_ptr<RDKit::ROMol>> molecules;
  std::ifstream in(test::rdkit_data("Data/NCI/first_5K.smi"));
  std::string line;
  while (std::getline(in, line)) {
    try {
      std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(line.substr(0, line.find_first_of(" \t"))));
      if (mol) molecules.push_back(std::move(mol));
    } catch (const std::exception&) {
      // RDKit rejects a few NCI molecules (valence errors).
    }
  }
  return molecules;
}

TEST(AlertCatalog, ScreenedMatchesEqualUnscreenedOnAllNciMolecules) {
  AlertCatalog catalog;
  std::size_t compared = 0, with_alerts = 0;
  for (const auto& mol : nci_molecules()) {
    auto expected = catalog.match_unscreened(*mol);
    EXPECT_EQ(catalog.match(*mol, screen_of(*mol)), expected) << RDKit::MolToSmiles(*mol);
    ++compared;
    with_alerts += !expected.empty();
  }
  EXPECT_GE(compared, 4990u);
  EXPECT_GT(with_alerts, 1000u);
}

TEST(Qed, ScreenedPropertiesEqualPlainOnesOnAllNciMolecules) {
  Qed qed;
  std::size_t compared = 0, with_alerts = 0;
  for (const auto& mol : nci_molecules()) {
    if (has_hydrogen_atoms(*mol)) continue;
    const ScreenBits screen = screen_of(*mol);
    const QedProperties plain = qed.properties(*mol);
    const DescriptorValues descriptors = compute_descriptors(*mol, qed, screen);
    const QedProperties screened = qed.properties(*mol, screen, descriptors);
    EXPECT_EQ(screened.alerts, plain.alerts) << RDKit::MolToSmiles(*mol);
    EXPECT_EQ(screened.hba, plain.hba);
    EXPECT_EQ(screened.arom, plain.arom);
    EXPECT_DOUBLE_EQ(screened.mw, plain.mw);
    EXPECT_DOUBLE_EQ(screened.alogp, plain.alogp);
    EXPECT_EQ(screened.hbd, plain.hbd);
    EXPECT_DOUBLE_EQ(screened.psa, plain.psa);
    EXPECT_EQ(screened.rotb, plain.rotb);
    EXPECT_DOUBLE_EQ(descriptors.values[kQed], Qed::score(plain));
    ++compared;
    with_alerts += plain.alerts > 0;
  }
  EXPECT_GE(compared, 4900u);
  EXPECT_GT(with_alerts, 2000u);
}

}  // namespace
}  // namespace molsieve::chem
