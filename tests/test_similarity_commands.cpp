// molsieve similarity and pick end to end: the CSVs they write equal the kernels' answers
// on the same stores, and bad input ends in one clear error line.
#include <gtest/gtest.h>

#include <hdf5.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "chem/featurize_library.h"
#include "chem/fingerprint_sets.h"
#include "chem/library_store.h"
#include "chem/molecule_reader.h"
#include "core/hdf5_file.h"
#include "kernels/diversity.h"
#include "kernels/similarity_search.h"
#include "test_support.h"

namespace molsieve {
namespace {

using test::CommandRun;
using test::molsieve;
using test::read_csv;
using test::write_nci_head;

void featurize(const std::string& input, const std::string& output, unsigned bits = 2048) {
  chem::FeaturizeRequest request;
  request.inputs = {input};
  request.output = output;
  request.featurizer.fp_bits = bits;
  chem::featurize_library(request);
}

class SimilarityCommand : public ::testing::Test {
 protected:
  void SetUp() override {
    write_nci_head(dir.file("library.smi"), 600);
    featurize(dir.file("library.smi"), dir.file("library.h5"));
    write_nci_head(dir.file("queries.smi"), 12, 50);
    std::ofstream(dir.file("queries.smi"), std::ios::app) << "not_a_smiles broken\nCCO ethanol\n";
  }
  test::ScratchDir dir;
};

TEST_F(SimilarityCommand, CsvEqualsReferenceBackendWithIdsAndSmiles) {
  const CommandRun run = molsieve(dir, "similarity --library " + dir.file("library.h5") + " --query " +
                                    dir.file("queries.smi") + " --top-k 7 --device cpu -o " +
                                    dir.file("hits.csv"));
  ASSERT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.err.find("query 12 (broken) skipped"), std::string::npos) << run.err;

  const auto library = chem::read_library_fingerprints(dir.file("library.h5"));
  const auto& ids = library.ids;
  const auto& smiles = library.smiles;
  kernels::SearchLibrary search_library(library.matrix(), library.valid_rows);
  featurize(dir.file("queries.smi"), dir.file("queries.h5"));
  chem::LibraryReader queries(dir.file("queries.h5"));
  const auto query_fps = queries.fingerprints(0, queries.size());
  const auto query_ids = queries.file().read_strings("/molecules/id");

  const auto rows = read_csv(dir.file("hits.csv"));
  ASSERT_FALSE(rows.empty());
  EXPECT_EQ(rows[0], (std::vector<std::string>{"query", "query_id", "rank", "index", "id", "smiles", "score"}));
  std::size_t line = 1;
  for (std::size_t q = 0; q < queries.size(); ++q) {
    if (q == 12) continue;  // the broken query has no hits
    const auto expected = kernels::search_reference(search_library, {query_fps.data() + q * 32, 1, 32},
                                                    {{}, 7, 0.0}).of(0);
    ASSERT_EQ(expected.size(), 7u);
    for (std::size_t rank = 0; rank < expected.size(); ++rank, ++line) {
      ASSERT_LT(line, rows.size());
      const auto& row = rows[line];
      const auto index = expected[rank].index;
      EXPECT_EQ(row, (std::vector<std::string>{std::to_string(q), query_ids[q], std::to_string(rank),
                                               std::to_string(index), ids[index], smiles[index], row[6]}));
      EXPECT_EQ(std::strtod(row[6].c_str(), nullptr), expected[rank].score) << "line " << line;
    }
  }
  EXPECT_EQ(line, rows.size());
}

TEST_F(SimilarityCommand, ThresholdAloneReturnsEveryHitAtOrAboveIt) {
  const CommandRun run = molsieve(dir, "similarity -q --library " + dir.file("library.h5") + " --query " +
                                    dir.file("library.h5") + " --threshold 0.7 -o " + dir.file("hits.csv"));
  ASSERT_EQ(run.status, 0) << run.err;
  const auto rows = read_csv(dir.file("hits.csv"));
  std::size_t self_hits = 0;
  for (std::size_t i = 1; i < rows.size(); ++i) {
    EXPECT_GE(std::strtod(rows[i][6].c_str(), nullptr), 0.7);
    if (rows[i][0] == rows[i][3]) ++self_hits;
  }
  chem::LibraryReader library(dir.file("library.h5"));
  EXPECT_EQ(self_hits, library.summary().counts.valid);  // every molecule finds itself
}

TEST_F(SimilarityCommand, BadInputEndsInOneClearError) {
  const std::string base = "similarity --library " + dir.file("library.h5") + " --query " +
                           dir.file("queries.smi") + " -o " + dir.file("hits.csv");
  CommandRun run = molsieve(dir, base + " --top-k 0");
  EXPECT_EQ(run.status, 1);
  EXPECT_EQ(run.err, "molsieve: error: --top: 0 is not in 1..10000\n");
  run = molsieve(dir, base + " --threshold 1.2");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("--threshold: 1.2"), std::string::npos) << run.err;
  run = molsieve(dir, base + " --metric jaccard");
  EXPECT_NE(run.err.find("unknown metric 'jaccard'"), std::string::npos) << run.err;

  featurize(dir.file("queries.smi"), dir.file("queries_1024.h5"), 1024);
  run = molsieve(dir, "similarity --library " + dir.file("library.h5") + " --query " +
                          dir.file("queries_1024.h5") + " -o " + dir.file("hits.csv"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("1024 bits; the library"), std::string::npos) << run.err;

  run = molsieve(dir, "similarity --library " + dir.file("library.smi") + " --query " +
                          dir.file("queries.smi") + " -o " + dir.file("hits.csv"));
  EXPECT_NE(run.err.find("library.smi: not a library store; featurize it first"), std::string::npos)
      << run.err;

  // A store whose fingerprints were removed.
  featurize(dir.file("queries.smi"), dir.file("no_fps.h5"));
  const hid_t file = H5Fopen(dir.file("no_fps.h5").c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  H5Ldelete(file, "/fingerprints/morgan", H5P_DEFAULT);
  H5Fclose(file);
  run = molsieve(dir, "similarity --library " + dir.file("no_fps.h5") + " --query " +
                          dir.file("queries.smi") + " -o " + dir.file("hits.csv"));
  EXPECT_NE(run.err.find("no_fps.h5: the library store has no /fingerprints/morgan"), std::string::npos)
      << run.err;
  const auto files = test::list_dir(dir.path());
  EXPECT_EQ(std::count(files.begin(), files.end(), "hits.csv"), 0);  // no output after errors
}

TEST_F(SimilarityCommand, ExistingOutputIsKeptWithoutOverwrite) {
  test::write_text(dir.file("hits.csv"), "keep me\n");
  const CommandRun run = molsieve(dir, "similarity --library " + dir.file("library.h5") + " --query " +
                                    dir.file("queries.smi") + " -o " + dir.file("hits.csv"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("hits.csv: exists (use --overwrite"), std::string::npos);
  std::ifstream in(dir.file("hits.csv"));
  std::string line;
  std::getline(in, line);
  EXPECT_EQ(line, "keep me");
}

TEST_F(SimilarityCommand, PickMaxMinCsvEqualsKernelAndInitialRowsContinueIt) {
  CommandRun run = molsieve(dir, "pick -q --library " + dir.file("library.h5") +
                                     " --n 12 --seed 3 --device cpu -o " + dir.file("picks.csv"));
  ASSERT_EQ(run.status, 0) << run.err;
  const auto rows = read_csv(dir.file("picks.csv"));
  ASSERT_EQ(rows.size(), 13u);
  EXPECT_EQ(rows[0], (std::vector<std::string>{"rank", "index", "id", "smiles", "min_distance"}));

  const auto library = chem::read_library_fingerprints(dir.file("library.h5"));
  kernels::SearchLibrary search_library(library.matrix(), library.valid_rows);
  kernels::MaxMinOptions options;
  options.picks = 12;
  options.seed = 3;
  const auto picks = kernels::maxmin_pick(kernels::Backend::Reference, search_library, options);
  for (std::size_t i = 0; i < picks.size(); ++i) EXPECT_EQ(rows[i + 1][1], std::to_string(picks[i].index));

  // The first five picks as the initial set: the same twelve come out.
  std::ofstream(dir.file("start.txt")) << rows[1][1] << "\n" << rows[2][1] << "\n" << rows[3][1]
                                       << "\n" << rows[4][1] << "\n" << rows[5][1] << "\n";
  run = molsieve(dir, "pick -q --library " + dir.file("library.h5") + " --n 12 --initial " +
                          dir.file("start.txt") + " -o " + dir.file("more.csv"));
  ASSERT_EQ(run.status, 0) << run.err;
  const auto more = read_csv(dir.file("more.csv"));
  ASSERT_EQ(more.size(), rows.size());
  for (std::size_t i = 1; i < rows.size(); ++i) EXPECT_EQ(more[i][1], rows[i][1]) << "rank " << i - 1;
}

TEST_F(SimilarityCommand, PickButinaWritesLargestClustersAndEveryMember) {
  const CommandRun run = molsieve(dir, "pick -q --library " + dir.file("library.h5") +
                                           " --method butina --threshold 0.5 --n 3 -o " +
                                           dir.file("picks.csv") + " --members " + dir.file("members.csv"));
  ASSERT_EQ(run.status, 0) << run.err;
  const auto picks = read_csv(dir.file("picks.csv"));
  const auto members = read_csv(dir.file("members.csv"));
  ASSERT_EQ(picks.size(), 4u);
  EXPECT_EQ(picks[0], (std::vector<std::string>{"rank", "index", "id", "smiles", "cluster_size"}));
  chem::LibraryReader library(dir.file("library.h5"));
  EXPECT_EQ(members.size() - 1, library.summary().counts.valid);  // each molecule once
  std::size_t first_cluster = 0;
  for (std::size_t i = 1; i < members.size(); ++i) first_cluster += members[i][2] == "0";
  EXPECT_EQ(std::to_string(first_cluster), picks[1][4]);
  EXPECT_EQ(members[1][0], picks[1][1]);  // the centroid comes first
  EXPECT_EQ(members[1][3], "1");
  EXPECT_GE(std::stoul(picks[1][4]), std::stoul(picks[2][4]));
}

TEST_F(SimilarityCommand, PickBadInputEndsInOneClearError) {
  const std::string base = "pick --library " + dir.file("library.h5") + " -o " + dir.file("picks.csv");
  CommandRun run = molsieve(dir, base + " --n 0");
  EXPECT_EQ(run.err, "molsieve: error: --size: 0 must be at least 1\n");
  run = molsieve(dir, base + " --n 3 --method butina --metric tversky:0.1,0.9");
  EXPECT_NE(run.err.find("needs a symmetric metric; tversky:0.1,0.9 is not"), std::string::npos) << run.err;
  test::write_text(dir.file("start.txt"), "4\nfour\n");
  run = molsieve(dir, base + " --n 3 --initial " + dir.file("start.txt"));
  EXPECT_NE(run.err.find("start.txt:2: 'four' is not a library row number"), std::string::npos) << run.err;
  EXPECT_EQ(run.status, 1);
}

}  // namespace
}  // namespace molsieve
