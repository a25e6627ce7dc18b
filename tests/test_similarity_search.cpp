// Similarity search: every backend on hand-counted ties and boundary thresholds and against
// RDKit's own BulkTanimotoSimilarity (tests/golden/make_similarity_golden.py), and the
// pruning backends against the brute-force reference (random and real fingerprints, every
// metric, odd sizes).
#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>
#include <map>
#include <random>
#include <sstream>

#include "core/error.h"
#include "kernels/similarity_search.h"
#include "backend_suite.h"
#include "test_support.h"

namespace molsieve::kernels {
namespace {

const std::vector<Metric> kMetrics = {
    {MetricKind::Tanimoto, 1, 1}, {MetricKind::Dice, 1, 1},        {MetricKind::Cosine, 1, 1},
    {MetricKind::Tversky, 0.3, 0.9}, {MetricKind::Tversky, 1.0, 0.0}, {MetricKind::Tversky, 0.5, 0.5}};

// Random fingerprints with clusters of near-copies and exact duplicates, so that ties and
// high scores both occur; bit density varies per row so popcounts spread out.
std::vector<std::uint64_t> random_fingerprints(std::size_t rows, std::size_t words,
                                               std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<std::uint64_t> fps(rows * words);
  for (std::size_t r = 0; r < rows; ++r) {
    const int sparsity = static_cast<int>(rng() % 4) + 1;
    for (std::size_t w = 0; w < words; ++w) {
      std::uint64_t value = rng();
      for (int s = 0; s < sparsity; ++s) value &= rng();
      fps[r * words + w] = value;
    }
    if (r > 0 && rng() % 5 == 0) {  // a copy of an earlier row, sometimes with a bit flipped
      const std::size_t source = rng() % r;
      std::copy(fps.begin() + source * words, fps.begin() + (source + 1) * words,
                fps.begin() + r * words);
      if (rng() % 2) fps[r * words + rng() % words] ^= std::uint64_t{1} << (rng() % 64);
    }
  }
  if (rows > 2) std::fill(fps.begin() + words, fps.begin() + 2 * words, 0);  // an empty one
  return fps;
}

void expect_same(const SearchResults& expected, const SearchResults& actual, const std::string& what) {
  ASSERT_EQ(expected.queries(), actual.queries()) << what;
  for (std::size_t q = 0; q < expected.queries(); ++q) {
    const auto e = expected.of(q), a = actual.of(q);
    ASSERT_EQ(e.size(), a.size()) << what << " query " << q;
    for (std::size_t i = 0; i < e.size(); ++i) {
      ASSERT_EQ(e[i].index, a[i].index) << what << " query " << q << " rank " << i;
      ASSERT_EQ(e[i].score, a[i].score) << what << " query " << q << " rank " << i;
    }
  }
}

void compare_backend_on_random(Backend backend) {
  struct Case { std::size_t library, queries, words, k; double threshold; };
  const std::vector<Case> cases = {
      {1, 1, 32, 1, 0.0},        {300, 7, 32, 10, 0.0},    {1000, 40, 32, 25, 0.3},
      {1000, 20, 32, 0, 0.45},   {2049, 33, 1, 5, 0.0},    {777, 17, 33, 50, 0.0},
      {500, 3, 16, 1000, 0.0},   {1500, 5, 32, 0, 0.0},    {300, 300, 32, 3, 0.9}};
  for (const Case& c : cases) {
    const std::uint64_t seed = 7919 * c.library + 31 * c.words + c.k;
    const auto library_fps = random_fingerprints(c.library, c.words, seed);
    const auto query_fps = random_fingerprints(c.queries, c.words, seed + 1);
    // Every tenth query is a library row, so exact matches (score 1) occur.
    std::vector<std::uint64_t> queries = query_fps;
    for (std::size_t q = 0; q < c.queries; q += 10)
      std::copy(library_fps.begin() + (q % c.library) * c.words,
                library_fps.begin() + (q % c.library + 1) * c.words, queries.begin() + q * c.words);
    SearchLibrary library({library_fps.data(), c.library, c.words});
    for (const Metric& metric : kMetrics) {
      SearchOptions options{metric, c.k, c.threshold};
      const FingerprintMatrix q{queries.data(), c.queries, c.words};
      std::ostringstream what;
      what << backend_name(backend) << " " << metric_name(metric) << " library " << c.library
           << " queries " << c.queries << " words " << c.words << " k " << c.k << " threshold "
           << c.threshold << " seed " << seed;
      expect_same(search(Backend::Reference, library, q, options),
                  search(backend, library, q, options), what.str());
    }
  }
}

void compare_backend_on_nci(Backend backend) {
  const auto& golden = test::nci_golden_fingerprints();
  SearchLibrary library({golden.words.data(), golden.rows, 32}, golden.valid_rows);
  // 60 queries from row 1800 on: row 1825 is a molecule RDKit could not parse (all zero).
  const FingerprintMatrix queries{golden.words.data() + 1800 * 32, 60, 32};
  for (const Metric& metric : kMetrics)
    for (auto [k, threshold] : {std::pair<std::size_t, double>{10, 0.0}, {0, 0.6}, {200, 0.25}}) {
      SearchOptions options{metric, k, threshold};
      expect_same(search(Backend::Reference, library, queries, options),
                  search(backend, library, queries, options),
                  std::string(backend_name(backend)) + " NCI " + metric_name(metric) + " k " +
                      std::to_string(k));
    }
}

TEST(SimilarityMetric, FormulasAndEmptyValuesAreRdkits) {
  const Metric tanimoto{MetricKind::Tanimoto, 1, 1}, dice{MetricKind::Dice, 1, 1},
      cosine{MetricKind::Cosine, 1, 1}, tversky{MetricKind::Tversky, 0.3, 0.9};
  EXPECT_EQ(similarity(tanimoto, 10, 20, 5), 5.0 / 25.0);
  EXPECT_EQ(similarity(dice, 10, 20, 5), 10.0 / 30.0);
  EXPECT_EQ(similarity(cosine, 10, 20, 5), 5.0 / std::sqrt(200.0));
  EXPECT_EQ(similarity(tversky, 10, 20, 5), 5.0 / (0.3 * 10 + 0.9 * 20 + (1 - 0.3 - 0.9) * 5));
  // RDKit: both empty -> Tanimoto 1, Dice 0, cosine 0, Tversky 1; Tversky(x, x) can be 1 + ulp.
  EXPECT_EQ(similarity(tanimoto, 0, 0, 0), 1.0);
  EXPECT_EQ(similarity(dice, 0, 0, 0), 0.0);
  EXPECT_EQ(similarity(cosine, 0, 0, 0), 0.0);
  EXPECT_EQ(similarity(tversky, 0, 0, 0), 1.0);
  EXPECT_EQ(similarity(tversky, 1, 1, 1), 1.0000000000000002);
}

TEST(SimilarityMetric, ParsesNamesAndRejectsBadWeights) {
  EXPECT_EQ(parse_metric("dice").kind, MetricKind::Dice);
  const Metric t = parse_metric("tversky:0.2,0.8");
  EXPECT_EQ(t.kind, MetricKind::Tversky);
  EXPECT_EQ(t.alpha, 0.2);
  EXPECT_EQ(t.beta, 0.8);
  EXPECT_FALSE(t.symmetric());
  EXPECT_THROW(parse_metric("jaccard"), Error);
  EXPECT_THROW(parse_metric("tversky:0.5"), Error);
  EXPECT_THROW(parse_metric("tversky:-1,0.5"), Error);
  EXPECT_THROW(parse_metric("tversky:a,0.5"), Error);
}

TEST(SimilarityMetric, BoundIsReachedAtEqualPopcountAndNeverExceeded) {
  for (const Metric& metric : kMetrics)
    for (std::uint32_t a : {0u, 1u, 17u, 50u})
      for (std::uint32_t b = 0; b < 80; ++b)
        for (std::uint32_t c = 0; c <= std::min(a, b); ++c)
          ASSERT_LE(similarity(metric, a, b, c), similarity_bound(metric, a, b))
              << metric_name(metric) << " a " << a << " b " << b << " c " << c;
}

TEST(SearchLibrary, SortsByPopcountKeepingRowOrderAndSkipsUnlistedRows) {
  // Popcounts 3, 1, 3, 0, 1 at rows 0..4; row 2 is not listed.
  std::vector<std::uint64_t> fps = {0b111, 0b1, 0b10101, 0, 0b100};
  SearchLibrary library({fps.data(), 5, 1}, {0, 1, 3, 4});
  EXPECT_EQ(library.indices(), (std::vector<std::uint32_t>{3, 1, 4, 0}));
  EXPECT_EQ(library.popcounts(), (std::vector<std::uint32_t>{0, 1, 1, 3}));
  EXPECT_EQ(library.popcount_begin(1), 1u);
  EXPECT_EQ(library.popcount_begin(2), 3u);
  EXPECT_EQ(library.popcount_begin(4), 4u);
}

using SimilaritySearch = test::BackendTest;
MOLSIEVE_INSTANTIATE_BACKEND_SUITE(SimilaritySearch);

TEST_P(SimilaritySearch, ThresholdAtAnExactScoreKeepsIt) {
  // Query 0b1111 against: 0b0011 (1/2), 0b0111 (3/4), 0b1111 (1), 0b110000 (0).
  std::vector<std::uint64_t> fps = {0b0011, 0b0111, 0b1111, 0b110000};
  std::vector<std::uint64_t> query = {0b1111};
  SearchLibrary library({fps.data(), 4, 1});
  SearchOptions options{{}, 0, 0.75};
  const auto hits = search(backend(), library, {query.data(), 1, 1}, options).of(0);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0], (Hit{2, 1.0}));
  EXPECT_EQ(hits[1], (Hit{1, 0.75}));
  options.threshold = 0.5;
  EXPECT_EQ(search(backend(), library, {query.data(), 1, 1}, options).of(0).size(), 3u);
}

TEST_P(SimilaritySearch, TiesAreBrokenByLibraryRow) {
  // Rows 5, 2 and 7 are identical; k = 2 must keep rows 2 and 5, in that order.
  std::vector<std::uint64_t> fps(8, 0b1);
  for (std::size_t r : {2, 5, 7}) fps[r] = 0b11;
  std::vector<std::uint64_t> query = {0b11};
  SearchLibrary library({fps.data(), 8, 1});
  const auto hits = search(backend(), library, {query.data(), 1, 1}, {{}, 2, 0.0}).of(0);
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0], (Hit{2, 1.0}));
  EXPECT_EQ(hits[1], (Hit{5, 1.0}));
}

TEST_P(SimilaritySearch, RejectsBadOptions) {
  std::vector<std::uint64_t> fps(64, 1);
  SearchLibrary library({fps.data(), 2, 32});
  EXPECT_THROW(search(backend(), library, {fps.data(), 1, 16}, {}), Error);
  EXPECT_THROW(search(backend(), library, {fps.data(), 1, 32}, {{}, 1, 1.5}), Error);
  EXPECT_THROW(search(backend(), library, {fps.data(), 1, 32}, {{}, 1, -0.1}), Error);
}

using SimilaritySearchAgainstReference = test::BackendTest;
MOLSIEVE_INSTANTIATE_PRUNING_BACKEND_SUITE(SimilaritySearchAgainstReference);

TEST_P(SimilaritySearchAgainstReference, MatchesOnRandomFingerprints) { compare_backend_on_random(backend()); }
TEST_P(SimilaritySearchAgainstReference, MatchesOnNciMolecules) { compare_backend_on_nci(backend()); }

TEST_P(SimilaritySearch, TopKEqualsRdkitBulkTanimotoSimilarity) {
  const auto& golden = test::nci_golden_fingerprints();
  SearchLibrary library({golden.words.data(), golden.rows, 32}, golden.valid_rows);
  std::ifstream in(test::test_data("similarity_golden.tsv"));
  std::map<std::uint32_t, std::vector<Hit>> expected;
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream fields(line);
    std::string section, score;
    std::uint32_t query, rank, index;
    if (!(fields >> section) || section != "topk") continue;
    fields >> query >> rank >> index >> score;
    expected[query].push_back({index, std::strtod(score.c_str(), nullptr)});
  }
  ASSERT_GE(expected.size(), 20u);
  for (const auto& [query, hits] : expected) {
    const auto actual =
        search(backend(), library, {golden.words.data() + query * 32, 1, 32}, {{}, hits.size(), 0.0}).of(0);
    ASSERT_EQ(actual.size(), hits.size());
    for (std::size_t i = 0; i < hits.size(); ++i) ASSERT_EQ(actual[i], hits[i]) << "query row " << query << " rank " << i;
  }
}

using NearestReference = test::BackendTest;
MOLSIEVE_INSTANTIATE_BACKEND_SUITE(NearestReference);

TEST_P(NearestReference, GivesMostSimilarReferenceLowestRowOnTies) {
  std::vector<std::uint64_t> references = {0b1111, 0b0011, 0b0011, 0b110000};
  std::vector<std::uint64_t> molecules = {0b0011, 0b110001, 0b1111, 0};
  SearchLibrary library({references.data(), 4, 1});
  const auto nearest = nearest_reference(backend(), {molecules.data(), 4, 1}, library, {});
  ASSERT_EQ(nearest.size(), 4u);
  EXPECT_EQ(nearest[0], (Hit{1, 1.0}));
  EXPECT_EQ(nearest[1], (Hit{3, 2.0 / 3.0}));
  EXPECT_EQ(nearest[2], (Hit{0, 1.0}));
  EXPECT_EQ(nearest[3], (Hit{0, 0.0}));  // empty: Tanimoto 0 with every reference
}

TEST(PairSimilarity, CountsBitsAcrossWordsAsTheMetricDefines) {
  const std::uint64_t a[2] = {0b0111, 1ull << 63}, b[2] = {0b1110, 0};
  EXPECT_DOUBLE_EQ(pair_similarity(Metric{}, a, b, 2), 2.0 / 5.0);  // both 2, union 5
  EXPECT_DOUBLE_EQ(pair_similarity(parse_metric("dice"), a, b, 2), 4.0 / 7.0);
  const std::uint64_t zero[2] = {0, 0};
  EXPECT_DOUBLE_EQ(pair_similarity(Metric{}, zero, zero, 2), 1.0);  // RDKit: two empty vectors
}

}  // namespace
}  // namespace molsieve::kernels
