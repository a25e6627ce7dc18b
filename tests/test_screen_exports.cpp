// molsieve query on the BACE-1 job's results: the CSV columns, --where and --top against a
// plain loop, and CSV, JSON and SDF exports that agree.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>

#include "screen_test_support.h"

namespace molsieve::test {
namespace {

using workflows::ResultTable;

TEST_F(Bace1Job, QueryCsvHasTheDocumentedHeaderAndHonoursWhereAndTop) {
  const auto& dir = *dir_;
  const CommandRun q = molsieve(dir, "query " + dir.file("bace1.h5") +
                                         " --where 'pIC50 > 5.5 and tox21_max < 0.5 and not pains' --top 7 --format csv -o " +
                                         dir.file("top.csv"));
  ASSERT_EQ(q.status, 0) << q.err;
  const auto rows = test::read_csv(dir.file("top.csv"));
  ASSERT_EQ(rows[0][0] + "," + rows[0][1] + "," + rows[0][2] + "," + rows[0][3] + "," + rows[0][4],
            "position,index,id,smiles,score");
  ASSERT_EQ(rows.size(), 8u);
  const ResultTable t = read_results(dir.file("bace1.h5"));
  // The same rows by a plain loop: filter, leave out later copies of a structure, order by
  // score (missing last), ties by row.
  std::vector<std::size_t> expected;
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (t.at("pIC50").numbers[r] > 5.5 && t.at("tox21_max").numbers[r] < 0.5 && t.at("pains").flags[r] == 0 &&
        t.at("duplicate").flags[r] != 1)
      expected.push_back(r);
  std::stable_sort(expected.begin(), expected.end(), [&](std::size_t a, std::size_t b) {
    const double x = t.at("score").numbers[a], y = t.at("score").numbers[b];
    if (std::isnan(x) != std::isnan(y)) return std::isnan(y);
    return x > y;
  });
  for (std::size_t k = 0; k < 7; ++k) {
    EXPECT_EQ(rows[k + 1][0], std::to_string(k + 1));
    EXPECT_EQ(rows[k + 1][1], std::to_string(expected[k]));
  }
}

// Under --diverse the output position and the store's rank differ: each keeps one name, and
// CSV, JSON and SDF give the same values under it.
TEST_F(Bace1Job, ExportsNameEachColumnOnceAndAgreeAcrossFormats) {
  const auto& dir = *dir_;
  const std::string query = "query " + dir.file("bace1.h5") + " --diverse 0.3 --top 6 --overwrite --format ";
  for (const char* format : {"csv", "json", "sdf"})
    ASSERT_EQ(molsieve(dir, query + format + " -o " + dir.file(std::string("export.") + format)).status, 0) << format;
  const auto csv = test::read_csv(dir.file("export.csv"));
  ASSERT_EQ(csv.size(), 7u);
  const auto& header = csv[0];
  for (const auto& name : header) EXPECT_EQ(std::count(header.begin(), header.end(), name), 1) << name;
  const auto column = [&](const std::string& name) { return std::find(header.begin(), header.end(), name) - header.begin(); };
  ASSERT_EQ(header[0], "position");

  std::ifstream json_file(dir.file("export.json"));
  const auto json = nlohmann::json::parse(json_file);
  ASSERT_EQ(json.size(), 6u);
  const std::string sdf = test::read_text(dir.file("export.sdf"));
  std::vector<std::string> sdf_positions, sdf_ranks;
  for (std::size_t at = 0; (at = sdf.find(">  <", at)) != std::string::npos; ++at) {
    const std::size_t close = sdf.find(">\n", at + 4);
    const std::string tag = sdf.substr(at + 4, close - at - 4);
    const std::string value = sdf.substr(close + 2, sdf.find('\n', close + 2) - close - 2);
    if (tag == "position") sdf_positions.push_back(value);
    if (tag == "rank") sdf_ranks.push_back(value);
  }
  ASSERT_EQ(sdf_positions.size(), 6u);
  ASSERT_EQ(sdf_ranks.size(), 6u);
  bool rank_differs_from_position = false;
  for (std::size_t k = 0; k < 6; ++k) {
    const std::string position = std::to_string(k + 1), rank = csv[k + 1][column("rank")];
    EXPECT_EQ(csv[k + 1][0], position);
    EXPECT_EQ(json[k]["position"].get<int>(), static_cast<int>(k + 1));
    EXPECT_EQ(std::to_string(json[k]["rank"].get<long long>()), rank);
    EXPECT_EQ(sdf_positions[k], position);
    EXPECT_EQ(sdf_ranks[k], rank);
    rank_differs_from_position |= rank != position;
  }
  EXPECT_TRUE(rank_differs_from_position) << "--diverse 0.3 kept the top 6 by score: the test proves nothing";
}

TEST_F(Bace1Job, QueryWithNoMatchWritesOnlyTheHeader) {
  const auto& dir = *dir_;
  const CommandRun q = molsieve(dir, "query " + dir.file("bace1.h5") + " --where 'score > 2' --format csv -o " +
                                         dir.file("none.csv"));
  ASSERT_EQ(q.status, 0) << q.err;
  EXPECT_EQ(test::read_csv(dir.file("none.csv")).size(), 1u);
  EXPECT_NE(q.err.find("no rows match"), std::string::npos);
}

}  // namespace
}  // namespace molsieve::test
