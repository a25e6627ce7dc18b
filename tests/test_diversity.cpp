// MaxMin picking and Butina clustering on every backend: against RDKit's own MaxMinPicker
// and Butina.ClusterData (tests/golden/make_similarity_golden.py), against brute-force
// implementations written here, and the pruning backends against the reference backend.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <numeric>
#include <sstream>

#include "core/error.h"
#include "kernels/diversity.h"
#include "backend_suite.h"
#include "test_support.h"

namespace molsieve::kernels {
namespace {

std::vector<std::string> golden_lines(const std::string& section) {
  std::ifstream in(test::test_data("similarity_golden.tsv"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);)
    if (line.compare(0, section.size() + 1, section + "\t") == 0)
      lines.push_back(line.substr(section.size() + 1));
  return lines;
}

std::vector<std::uint32_t> numbers(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::uint32_t> out;
  for (std::uint32_t v; in >> v;) out.push_back(v);
  return out;
}

// One pair at a time, outside every backend.
double tanimoto_of_rows(const test::GoldenFingerprints& g, std::uint32_t x, std::uint32_t y) {
  return pair_similarity(Metric{}, g.words.data() + x * 32, g.words.data() + y * 32, 32);
}

// Butina written the plain way: all pairs, then RDKit's greedy order.
std::vector<std::vector<std::uint32_t>> brute_force_butina(const test::GoldenFingerprints& g,
                                                           const std::vector<std::uint32_t>& rows,
                                                           double distance) {
  const std::size_t n = rows.size();
  std::vector<std::vector<std::size_t>> neighbours(n);
  for (std::size_t i = 0; i < n; ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (1.0 - tanimoto_of_rows(g, rows[i], rows[j]) <= distance) {
        neighbours[i].push_back(j);
        neighbours[j].push_back(i);
      }
  std::vector<std::size_t> order(n);
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](std::size_t x, std::size_t y) {
    return neighbours[x].size() != neighbours[y].size() ? neighbours[x].size() > neighbours[y].size()
                                                        : x > y;
  });
  std::vector<char> seen(n, 0);
  std::vector<std::vector<std::uint32_t>> clusters;
  for (std::size_t i : order) {
    if (seen[i]) continue;
    seen[i] = 1;
    std::vector<std::uint32_t> cluster{rows[i]};
    std::sort(neighbours[i].begin(), neighbours[i].end());
    for (std::size_t j : neighbours[i])
      if (!seen[j]) {
        seen[j] = 1;
        cluster.push_back(rows[j]);
      }
    clusters.push_back(cluster);
  }
  return clusters;
}

std::vector<std::vector<std::uint32_t>> as_lists(const Clustering& clustering) {
  std::vector<std::vector<std::uint32_t>> lists;
  for (std::size_t c = 0; c < clustering.clusters(); ++c)
    lists.emplace_back(clustering.members.begin() + clustering.offsets[c],
                       clustering.members.begin() + clustering.offsets[c + 1]);
  return lists;
}

std::vector<std::uint32_t> rows_of(const std::vector<Pick>& picks) {
  std::vector<std::uint32_t> rows;
  for (const Pick& p : picks) rows.push_back(p.index);
  return rows;
}

using MaxMin = test::BackendTest;
MOLSIEVE_INSTANTIATE_BACKEND_SUITE(MaxMin);

TEST_P(MaxMin, PicksEqualRdkitsMaxMinPickerFromTheSameStart) {
  const auto& g = test::nci_golden_fingerprints();
  SearchLibrary library({g.words.data(), g.rows, 32}, g.valid_rows);
  const auto expected = numbers(golden_lines("maxmin").at(0));
  MaxMinOptions options;
  options.picks = expected.size();
  options.initial = {expected[0], expected[1]};
  EXPECT_EQ(rows_of(maxmin_pick(backend(), library, options)), expected);
}

TEST_P(MaxMin, DistancesAreTheMinimumToEarlierPicksAndFallOff) {
  const auto& g = test::nci_golden_fingerprints();
  SearchLibrary library({g.words.data(), g.rows, 32}, g.valid_rows);
  MaxMinOptions options;
  options.picks = 30;
  const auto picks = maxmin_pick(backend(), library, options);
  ASSERT_EQ(picks.size(), 30u);
  EXPECT_TRUE(std::isnan(picks[0].distance));
  for (std::size_t i = 1; i < picks.size(); ++i) {
    double nearest = 1.0;
    for (std::size_t j = 0; j < i; ++j)
      nearest = std::min(nearest, 1.0 - tanimoto_of_rows(g, picks[i].index, picks[j].index));
    EXPECT_EQ(picks[i].distance, nearest) << "pick " << i;
    if (i > 1) EXPECT_LE(picks[i].distance, picks[i - 1].distance) << "pick " << i;
  }
}

TEST_P(MaxMin, SameSeedSamePicksOtherSeedOtherStart) {
  const auto& g = test::nci_golden_fingerprints();
  SearchLibrary library({g.words.data(), g.rows, 32}, g.valid_rows);
  MaxMinOptions options;
  options.picks = 10;
  options.seed = 7;
  const auto first = rows_of(maxmin_pick(backend(), library, options));
  EXPECT_EQ(rows_of(maxmin_pick(backend(), library, options)), first);
  options.seed = 8;
  EXPECT_NE(rows_of(maxmin_pick(backend(), library, options))[0], first[0]);
}

TEST_P(MaxMin, StopDistanceEndsPickingAndBadInitialRowIsRejected) {
  const auto& g = test::nci_golden_fingerprints();
  SearchLibrary library({g.words.data(), g.rows, 32}, g.valid_rows);
  MaxMinOptions options;
  options.picks = 1000;
  options.stop_distance = 0.8;
  const auto picks = maxmin_pick(backend(), library, options);
  EXPECT_LT(picks.size(), 1000u);
  for (std::size_t i = 1; i < picks.size(); ++i) EXPECT_GE(picks[i].distance, 0.8);
  options.initial = {1825};  // RDKit could not parse that row: not in the library
  EXPECT_THROW(maxmin_pick(backend(), library, options), Error);
}

using Butina = test::BackendTest;
MOLSIEVE_INSTANTIATE_BACKEND_SUITE(Butina);

TEST_P(Butina, ClustersEqualRdkitsClusterData) {
  const auto& g = test::nci_golden_fingerprints();
  const std::vector<std::uint32_t> rows(g.valid_rows.begin(), g.valid_rows.begin() + 1000);
  SearchLibrary library({g.words.data(), g.rows, 32}, rows);
  std::vector<std::vector<std::uint32_t>> expected;
  for (const auto& line : golden_lines("butina")) expected.push_back(numbers(line));
  ButinaOptions options;
  options.distance = 0.6;
  EXPECT_EQ(as_lists(butina_cluster(backend(), library, options)), expected);
}

// Every NCI molecule, on the pruning backends only: the reference backend's bit-by-bit loops
// would take minutes here, and it meets RDKit's clusters on 1,000 molecules above.
using ButinaAllNciMolecules = test::BackendTest;
MOLSIEVE_INSTANTIATE_PRUNING_BACKEND_SUITE(ButinaAllNciMolecules);

TEST_P(ButinaAllNciMolecules, ClustersEqualBruteForce) {
  const auto& g = test::nci_golden_fingerprints();
  SearchLibrary library({g.words.data(), g.rows, 32}, g.valid_rows);
  for (double distance : {0.3, 0.5, 0.7}) {
    ButinaOptions options;
    options.distance = distance;
    EXPECT_EQ(as_lists(butina_cluster(backend(), library, options)),
              brute_force_butina(g, g.valid_rows, distance))
        << "distance " << distance;
  }
}

TEST_P(Butina, RejectsAsymmetricMetricAndBadDistance) {
  const auto& g = test::nci_golden_fingerprints();
  SearchLibrary library({g.words.data(), 10, 32});
  ButinaOptions options;
  options.metric = {MetricKind::Tversky, 0.2, 0.8};
  EXPECT_THROW(butina_cluster(backend(), library, options), Error);
  options.metric = {};
  options.distance = 1.5;
  EXPECT_THROW(butina_cluster(backend(), library, options), Error);
}

using Diversity = test::BackendTest;
MOLSIEVE_INSTANTIATE_PRUNING_BACKEND_SUITE(Diversity);

TEST_P(Diversity, MatchesReferenceBackend) {
  const auto& g = test::nci_golden_fingerprints();
  const std::vector<std::uint32_t> rows(g.valid_rows.begin(), g.valid_rows.begin() + 400);
  SearchLibrary library({g.words.data(), g.rows, 32}, rows);
  MaxMinOptions maxmin;
  maxmin.picks = 25;
  maxmin.metric = {MetricKind::Dice, 1, 1};
  const auto expected = maxmin_pick(Backend::Reference, library, maxmin);
  const auto actual = maxmin_pick(backend(), library, maxmin);
  EXPECT_EQ(rows_of(actual), rows_of(expected));
  ButinaOptions butina;
  butina.distance = 0.5;
  butina.metric = {MetricKind::Cosine, 1, 1};
  EXPECT_EQ(as_lists(butina_cluster(backend(), library, butina)),
            as_lists(butina_cluster(Backend::Reference, library, butina)));
}

}  // namespace
}  // namespace molsieve::kernels
