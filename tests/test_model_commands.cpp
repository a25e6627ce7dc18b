// molsieve train, evaluate and predict end to end: predict keeps input order and handles
// invalid SMILES, a library store gives the same predictions as its source file, and bad
// input ends in one clear error line.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "chem/featurize_library.h"
#include "test_support.h"

namespace molsieve {
namespace {

using test::CommandRun;
using test::molsieve;
using test::read_csv;

// 60 NCI molecules with a label computed from the SMILES text (a learnable stand-in).
void write_training_table(const std::string& path) {
  std::ifstream in(test::rdkit_data("Data/NCI/first_5K.smi"));
  std::ofstream out(path);
  out << "smiles,size,ring\n";
  std::string line;
  for (int i = 0; i < 60 && std::getline(in, line); ++i) {
    const std::string smiles = line.substr(0, line.find_first_of(" \t"));
    const bool ring = smiles.find('1') != std::string::npos;
    out << smiles << "," << 0.1 * static_cast<double>(smiles.size()) << "," << (i % 7 == 0 ? "" : ring ? "1" : "0")
        << "\n";
  }
}

constexpr const char* kQuickModel = " --epochs 2 --hidden-size 32 --ffn-hidden-size 32 --threads 2 -q";

// The tests share one trained model.
class ModelCommands : public test::SharedRunSuite<ModelCommands> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    write_training_table(dir_->file("train.csv"));
    run_ = molsieve(*dir_, "train --data " + dir_->file("train.csv") + " --targets size --task regression --ensemble 2 -o " +
                               dir_->file("model.h5") + kQuickModel);
  }
};

TEST_F(ModelCommands, PredictKeepsInputOrderAndReportsInvalidSmiles) {
  const auto& dir = *dir_;
  test::write_text(dir.file("input.csv"), "id,smiles\na,CCO\nb,not_a_smiles\nc,c1ccccc1O\nd,\ne,CC(=O)Nc1ccccc1\n");
  const CommandRun run = molsieve(dir, "predict --model " + dir.file("model.h5") + " --input " +
                                           dir.file("input.csv") + " --id-column id -o " + dir.file("p.csv") + " --overwrite");
  ASSERT_EQ(run.status, 0) << run.err;
  const auto rows = read_csv(dir.file("p.csv"));
  ASSERT_EQ(rows.size(), 6u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"id", "smiles", "size", "size_std", "size_lo68", "size_hi68", "size_lo95",
                                               "size_hi95", "nearest_training_similarity", "in_domain", "error"}));
  const std::vector<std::string> ids{"a", "b", "c", "d", "e"};
  const std::vector<std::string> smiles{"CCO", "not_a_smiles", "c1ccccc1O", "", "CC(=O)Nc1ccccc1"};
  for (std::size_t i = 0; i < smiles.size(); ++i) {
    EXPECT_EQ(rows[i + 1][0], ids[i]);
    EXPECT_EQ(rows[i + 1][1], smiles[i]);
    const bool invalid = i == 1 || i == 3;
    EXPECT_EQ(rows[i + 1][2].empty(), invalid) << i;
    EXPECT_EQ(rows[i + 1][10].empty(), !invalid) << i;
    if (invalid) continue;
    // The 95% interval holds the 68% one, which holds the mean; std is the 68% interval's
    // larger side: lo95 <= lo68 <= mean <= hi68 <= hi95.
    const double mean = std::stod(rows[i + 1][2]), std = std::stod(rows[i + 1][3]);
    const double lo68 = std::stod(rows[i + 1][4]), hi68 = std::stod(rows[i + 1][5]);
    EXPECT_LE(lo68, mean) << i;
    EXPECT_GE(hi68, mean) << i;
    EXPECT_NEAR(std, std::max(mean - lo68, hi68 - mean), 1e-9 * (1 + std)) << i;
    if (rows[i + 1][6].empty()) continue;  // too few validation molecules for a 95% quantile
    EXPECT_LE(std::stod(rows[i + 1][6]), lo68) << i;
    EXPECT_GE(std::stod(rows[i + 1][7]), hi68) << i;
  }
  EXPECT_NE(rows[2][10].find("input.csv:3"), std::string::npos) << rows[2][10];
  EXPECT_GT(std::stod(rows[1][3]), 0.0);  // two members, some spread
}

TEST_F(ModelCommands, LibraryStoreInputGivesTheSamePredictionsAsItsSourceFile) {
  const auto& dir = *dir_;
  chem::FeaturizeRequest request;
  request.inputs = {dir.file("train.csv")};
  request.output = dir.file("library.h5");
  request.overwrite = true;
  chem::featurize_library(request);
  const std::string base = "predict -q --model " + dir.file("model.h5") + " --overwrite --input ";
  ASSERT_EQ(molsieve(dir, base + dir.file("train.csv") + " -o " + dir.file("from_csv.csv")).status, 0);
  ASSERT_EQ(molsieve(dir, base + dir.file("library.h5") + " -o " + dir.file("from_store.csv")).status, 0);
  const auto a = read_csv(dir.file("from_csv.csv")), b = read_csv(dir.file("from_store.csv"));
  ASSERT_EQ(a.size(), 61u);
  EXPECT_EQ(a, b);
}

TEST_F(ModelCommands, EvaluatePrintsEachTasksMetrics) {
  const auto& dir = *dir_;
  const CommandRun run = molsieve(dir, "evaluate --model " + dir.file("model.h5") + " --data " + dir.file("train.csv"));
  ASSERT_EQ(run.status, 0) << run.err;
  std::istringstream in(run.out);
  std::string header, row;
  std::getline(in, header);
  std::getline(in, row);
  EXPECT_NE(header.find("rmse"), std::string::npos);
  EXPECT_EQ(row.rfind("size ", 0), 0u) << row;
  EXPECT_NE(row.find(" 60 "), std::string::npos) << row;
}

// A model trained on every molecule (90/10/0, as the shipped ones) has no held-out metrics to
// print, and says so instead of a table of dashes.
TEST_F(ModelCommands, TrainWithoutATestPartSaysItHasNoHeldOutMetrics) {
  const auto& dir = *dir_;
  std::string quick = kQuickModel;
  quick = quick.substr(0, quick.size() - 3);  // without -q: the summary is what is checked
  const CommandRun run = molsieve(dir, "train --data " + dir.file("train.csv") +
                                           " --targets size --task regression --split-sizes 0.9,0.1,0 -o " +
                                           dir.file("no-test.h5") + quick);
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.err.find("; no test part (its split size is 0): no held-out metrics\n"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("rmse -"), std::string::npos) << run.err;
}

TEST_F(ModelCommands, BadInputEndsInOneClearErrorLine) {
  const auto& dir = *dir_;
  const std::string data = dir.file("train.csv");
  CommandRun run = molsieve(dir, "train --data " + data + " --targets nope --task regression -o " +
                                     dir.file("x.h5") + kQuickModel);
  EXPECT_NE(run.status, 0);
  EXPECT_NE(run.err.find("no column 'nope'"), std::string::npos) << run.err;
  test::write_text(dir.file("bad.csv"), "smiles,y\nCCO,1\nCCN,high\n");
  run = molsieve(dir, "train --data " + dir.file("bad.csv") + " --targets y --task regression -o " +
                          dir.file("x.h5") + kQuickModel);
  EXPECT_NE(run.err.find("bad.csv:3: column 'y': 'high' is not a number"), std::string::npos) << run.err;
  run = molsieve(dir, "train --data " + data + " --targets size --task classification -o " + dir.file("x.h5") +
                          kQuickModel);
  EXPECT_NE(run.err.find("is not 0 or 1"), std::string::npos) << run.err;
  run = molsieve(dir, "predict --model " + data + " --input " + data + " -o " + dir.file("y.csv"));
  EXPECT_NE(run.err.find("not an HDF5 model store"), std::string::npos) << run.err;
  run = molsieve(dir, "predict --model " + dir.file("model.h5") + " --input " + data + " -o " + data);
  EXPECT_NE(run.err.find("exists (use --overwrite"), std::string::npos) << run.err;
  EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
}

// A pair file of 30 NCI molecules x 3 proteins named in a FASTA table, affinity from the
// SMILES length and the protein.
TEST(DrugTargetCommands, TrainOnAPairFileThenPredictAgainstNamedProteins) {
  test::ScratchDir dir;
  test::write_text(dir.file("kinases.fasta"), ">K1\nMKKLLPTAAAGLLLLAAQPAMA\n>K2\nMSTNPKPQRKTKRNTNRRPQDVKF\n>K3\nMEEPQSDPSVEPPLSQETFSDLW\n");
  std::ifstream in(test::rdkit_data("Data/NCI/first_5K.smi"));
  std::string pairs = "smiles,kinase,pKd\n", library, line;
  for (int i = 0; i < 30 && std::getline(in, line); ++i) {
    const std::string smiles = line.substr(0, line.find_first_of(" \t"));
    library += smiles + "\n";
    for (int k = 1; k <= 3; ++k)
      pairs += smiles + ",K" + std::to_string(k) + "," + std::to_string(5 + 0.05 * static_cast<double>(smiles.size()) + 0.3 * k) + "\n";
  }
  test::write_text(dir.file("pairs.csv"), pairs);
  test::write_text(dir.file("library.smi"), library + "not-a-smiles\n");
  const std::string train = "train --data " + dir.file("pairs.csv") + " --smiles-column smiles --protein-column kinase" +
                            " --protein-table " + dir.file("kinases.fasta") + " --targets pKd --task regression" +
                            " --protein-encoder composition --batch-size 8 --protein-batch 2 --active-threshold 7 --ensemble 2" +
                            " -o " + dir.file("dt.h5") + kQuickModel;
  CommandRun run = molsieve(dir, train);
  ASSERT_EQ(run.status, 0) << run.err;
  run = molsieve(dir, "predict --model " + dir.file("dt.h5") + " --input " + dir.file("library.smi") +
                          " --target K3,K1 -o " + dir.file("out.csv") + " -q");
  ASSERT_EQ(run.status, 0) << run.err;
  const auto rows = read_csv(dir.file("out.csv"));
  ASSERT_EQ(rows.size(), 32u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"id", "smiles", "pKd:K3", "pKd:K1", "pKd:K3_std", "pKd:K1_std",
                                               "pKd:K3_lo68", "pKd:K1_lo68", "pKd:K3_hi68", "pKd:K1_hi68", "pKd:K3_lo95",
                                               "pKd:K1_lo95", "pKd:K3_hi95", "pKd:K1_hi95", "in_domain:K3", "in_domain:K1",
                                               "nearest_training_similarity", "error"}));
  for (std::size_t r = 1; r <= 30; ++r) {
    EXPECT_GT(std::stod(rows[r][2]), 0.0) << r;
    EXPECT_GT(std::stod(rows[r][4]), 0.0) << r;  // two networks disagree somewhat
    EXPECT_LE(std::stod(rows[r][6]), std::stod(rows[r][2])) << r;  // K3's 68% interval holds its mean
    EXPECT_GE(std::stod(rows[r][8]), std::stod(rows[r][2])) << r;
    EXPECT_GT(std::stod(rows[r][16]), 0.0) << r;  // training ligands or their neighbours
  }
  EXPECT_EQ(rows[31][2], "");
  EXPECT_EQ(rows[31][14], "");
  EXPECT_NE(rows[31][17].find("library.smi:31"), std::string::npos) << rows[31][17];

  // The same model as a screen's affinity term, against K3: the column equals predict's.
  // With a panel of K1 and K2: their affinities, the strongest and K3's margin over it.
  test::write_text(dir.file("job.toml"), "name = \"k3\"\n[library]\ninputs = [\"library.smi\"]\n"
                                         "[[affinity]]\nmodel = \"dt.h5\"\ntarget = \"K3\"\n"
                                         "desirability = { low = 5, high = 8 }\n"
                                         "[[panel]]\nname = \"off\"\nmodel = \"dt.h5\"\ntargets = [\"K1\", \"K2\"]\n"
                                         "[selection]\nkeep = 5\ndiversity = 1.0\n");
  run = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("k3.h5") + " -q --threads 2");
  ASSERT_EQ(run.status, 0) << run.err;
  run = molsieve(dir, "query " + dir.file("k3.h5") + " --format csv -o " + dir.file("k3.csv") + " --top 40");
  ASSERT_EQ(run.status, 0) << run.err;
  const auto screened = read_csv(dir.file("k3.csv"));
  const auto column = std::find(screened[0].begin(), screened[0].end(), "pKd:K3") - screened[0].begin();
  const auto id_column = std::find(screened[0].begin(), screened[0].end(), "id") - screened[0].begin();
  const auto std_column = std::find(screened[0].begin(), screened[0].end(), "pKd:K3_std") - screened[0].begin();
  ASSERT_LT(static_cast<std::size_t>(column), screened[0].size());
  ASSERT_LT(static_cast<std::size_t>(std_column), screened[0].size());
  std::size_t compared = 0;
  for (std::size_t r = 1; r < screened.size(); ++r)
    for (std::size_t q = 1; q <= 30; ++q)
      if (rows[q][0] == screened[r][id_column] && !screened[r][column].empty()) {
        // The screen encodes K3 together with the panel's K1 and K2, predict with K1: a float32
        // network rounds a protein's encoding by its batch-mates, in the 8th digit.
        EXPECT_NEAR(std::stod(screened[r][column]), std::stod(rows[q][2]), 1e-5) << rows[q][1];
        EXPECT_NEAR(std::stod(screened[r][std_column]), std::stod(rows[q][4]), 1e-5) << rows[q][1];
        ++compared;
      }
  EXPECT_GT(compared, 20u);
  auto at = [&](const char* name) {
    const auto c = std::find(screened[0].begin(), screened[0].end(), name) - screened[0].begin();
    EXPECT_LT(static_cast<std::size_t>(c), screened[0].size()) << name;
    return static_cast<std::size_t>(c);
  };
  const std::size_t k1 = at("off:K1"), k2 = at("off:K2"), strongest = at("off_strongest"), margin = at("off_margin");
  for (std::size_t r = 1; r < screened.size(); ++r) {
    if (screened[r][column].empty()) continue;
    const double top = std::max(std::stod(screened[r][k1]), std::stod(screened[r][k2]));
    EXPECT_DOUBLE_EQ(std::stod(screened[r][strongest]), top);
    EXPECT_NEAR(std::stod(screened[r][margin]), std::stod(screened[r][column]) - top, 1e-12);
    for (std::size_t q = 1; q <= 30; ++q)
      if (rows[q][0] == screened[r][id_column]) EXPECT_NEAR(std::stod(screened[r][k1]), std::stod(rows[q][3]), 1e-5);
  }
  // The report shows the drug-target term and the panel's heat map of the candidates.
  run = molsieve(dir, "report " + dir.file("k3.h5") + " --top 3 -o " + dir.file("k3.html"));
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string report = test::read_text(dir.file("k3.html"));
  EXPECT_NE(report.find("Selectivity panel: off"), std::string::npos);
  EXPECT_NE(report.find("<th>K2</th>"), std::string::npos);
  EXPECT_NE(report.find("pKd:K3"), std::string::npos);
  test::write_text(dir.file("badpanel.toml"), "[library]\ninputs = [\"library.smi\"]\n[[affinity]]\nmodel = \"dt.h5\"\n"
                                              "target = \"K3\"\n[[panel]]\nmodel = \"dt.h5\"\ntargets = [\"K9\"]\n");
  run = molsieve(dir, "screen " + dir.file("badpanel.toml") + " -o " + dir.file("b.h5") + " -q");
  EXPECT_NE(run.err.find("panel 'panel': target 'K9' is not in its protein table"), std::string::npos) << run.err;
  test::write_text(dir.file("nameless.toml"), "[library]\ninputs = [\"library.smi\"]\n[[affinity]]\nmodel = \"dt.h5\"\n");
  run = molsieve(dir, "screen " + dir.file("nameless.toml") + " -o " + dir.file("n.h5") + " -q");
  EXPECT_NE(run.err.find("scores ligands against proteins: name one with target"), std::string::npos) << run.err;

  run = molsieve(dir, "predict --model " + dir.file("dt.h5") + " --input " + dir.file("library.smi") + " -o " +
                          dir.file("x.csv"));
  EXPECT_NE(run.err.find("name them with --target (3 in its table, e.g. K1, K2, K3)"), std::string::npos) << run.err;
  run = molsieve(dir, "predict --model " + dir.file("dt.h5") + " --input " + dir.file("library.smi") +
                          " --target EGFR -o " + dir.file("x.csv"));
  EXPECT_NE(run.err.find("--target EGFR: not in the protein table of"), std::string::npos) << run.err;
  run = molsieve(dir, "train --data " + dir.file("pairs.csv") + " --protein-column kinase --protein-table " +
                          dir.file("kinases.fasta") + " --targets pKd --task classification -o " + dir.file("y.h5") + kQuickModel);
  EXPECT_NE(run.err.find("a drug-target model predicts an affinity (regression)"), std::string::npos) << run.err;
  test::write_text(dir.file("bad.csv"), "smiles,kinase,pKd\nCCO,K9,5\n");
  run = molsieve(dir, "train --data " + dir.file("bad.csv") + " --protein-column kinase --protein-table " +
                          dir.file("kinases.fasta") + " --targets pKd --task regression -o " + dir.file("y.h5") + kQuickModel);
  EXPECT_NE(run.err.find("bad.csv:2: protein 'K9' is not in the protein table"), std::string::npos) << run.err;
}

// The kinase selectivity example job with the shipped davis model, on 40 NCI compounds and
// two of Davis's inhibitors (bosutinib, dasatinib) in place of its library.
TEST(DrugTargetCommands, KinaseSelectivityExampleJobRunsWithTheShippedModel) {
  test::ScratchDir dir;
  test::write_nci_head(dir.file("library.smi"), 40);
  std::ofstream(dir.file("library.smi"), std::ios::app)
      << "COc1cc(Nc2c(C#N)cnc3cc(OCCCN4CCN(C)CC4)c(OC)cc23)c(Cl)cc1Cl davis_5328940\n"
         "Cc1nc(Nc2ncc(C(=O)Nc3c(C)cccc3Cl)s2)cc(N2CCN(CCO)CC2)n1 davis_3062316\n";
  const std::string job = std::string(MOLSIEVE_SOURCE_DIR) + "/datasets/jobs/kinase_selectivity.toml";
  CommandRun run = molsieve(dir, "screen " + job + " --library " + dir.file("library.smi") + " -o " + dir.file("abl1.h5") + " -q");
  ASSERT_EQ(run.status, 0) << run.err;
  run = molsieve(dir, "query " + dir.file("abl1.h5") + " --where \"id == 'davis_3062316'\" --format csv -o " + dir.file("d.csv"));
  ASSERT_EQ(run.status, 0) << run.err;
  const auto rows = read_csv(dir.file("d.csv"));
  ASSERT_EQ(rows.size(), 2u);
  auto value = [&](const char* name) {
    return std::stod(rows[1][std::find(rows[0].begin(), rows[0].end(), name) - rows[0].begin()]);
  };
  EXPECT_GT(value("affinity:ABL1"), 7.0);  // dasatinib: pKd 10.5 in Davis's data
  EXPECT_NEAR(value("offtargets_margin"), value("affinity:ABL1") - value("offtargets_strongest"), 1e-12);
}

}  // namespace
}  // namespace molsieve
