// Disclosure control of the counts a cohort run shares: the suppression algorithm on small
// tables (the attack on every output is in test_cohort_disclosure_attack.cpp).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <utility>
#include <vector>

#include "workflows/cohort_job/disclosure.h"

namespace molsieve {
namespace {

using workflows::CountCell;
using workflows::CountRelation;

bool pinned(const std::pair<double, double>& b) { return std::floor(b.second + 1e-6) - std::ceil(b.first - 1e-6) < 1; }

// The attrition of the issue: 502 patients, then 501 after a rule that removed one, then 400.
TEST(CountSuppression, OneRemovedPatientIsNotTheDifferenceOfTwoShownRemainingCounts) {
  const std::vector<CountCell> cells = {{502}, {501}, {1}, {400}, {101}};  // r0 r1 d1 r2 d2
  const std::vector<CountRelation> relations = {{{{0, 1}, {1, -1}, {2, -1}}, true}, {{{1, 1}, {3, -1}, {4, -1}}, true}};
  const std::vector<bool> s = workflows::suppress_counts(cells, relations);
  EXPECT_TRUE(s[2]);
  EXPECT_TRUE(s[1]);   // the smaller of 502 and 501
  EXPECT_TRUE(s[4]);   // and then 501 = 400 + removed would give it away: 101 goes too
  EXPECT_FALSE(s[0]);
  EXPECT_FALSE(s[3]);
  const auto bounds = workflows::reader_bounds(cells, s, relations);
  EXPECT_DOUBLE_EQ(bounds[2].first, 0);
  EXPECT_DOUBLE_EQ(bounds[2].second, 102);  // removed 1 + removed 101 = 502 - 400, nothing more
}

// Every equation holds two suppressed cells, yet three of them together give the counts away
// (a + b, b + c and a + c shown): the reader's linear program finds it and a total goes too.
TEST(CountSuppression, CountsPinnedBySeveralEquationsTogetherAreProtected) {
  const std::vector<CountCell> cells = {{1}, {4}, {4}, {5}, {8}, {5}};  // a b c, a+b, b+c, a+c
  const std::vector<CountRelation> relations = {{{{0, 1}, {1, 1}, {3, -1}}, true},
                                                {{{1, 1}, {2, 1}, {4, -1}}, true},
                                                {{{0, 1}, {2, 1}, {5, -1}}, true}};
  const std::vector<bool> primary_only = {true, true, true, false, false, false};
  const auto before = workflows::reader_bounds(cells, primary_only, relations);
  EXPECT_TRUE(pinned(before[0]) && pinned(before[1]) && pinned(before[2]));
  const std::vector<bool> s = workflows::suppress_counts(cells, relations);
  const auto after = workflows::reader_bounds(cells, s, relations);
  for (std::size_t i = 0; i < 3; ++i) EXPECT_FALSE(pinned(after[i])) << "cell " << i;
  EXPECT_EQ(std::count(s.begin() + 3, s.end(), true), 1);  // one total is enough
}

// An inequality with one suppressed cell only bounds it: nothing else is suppressed for it.
TEST(CountSuppression, AnInequalityAloneSuppressesNothingMore) {
  const std::vector<CountCell> cells = {{3}, {40}};  // selected <= eligible
  const std::vector<bool> s = workflows::suppress_counts(cells, {{{{0, 1}, {1, -1}}, false}});
  EXPECT_EQ(s, (std::vector<bool>{true, false}));
}

TEST(CountSuppression, PublicCellsAndLargeCountsAreNotSuppressedAlone) {
  const std::vector<CountCell> cells = {{3, true, true}, {10, false, false}, {7, true, true}};  // 3 + 7 = 10
  const std::vector<bool> s = workflows::suppress_counts(cells, {{{{0, 1}, {2, 1}, {1, -1}}, true}});
  EXPECT_EQ(s, (std::vector<bool>{true, false, true}));
  EXPECT_EQ(workflows::suppress_counts({{0}, {5}, {120}}, {}), (std::vector<bool>{false, false, false}));
}

}  // namespace
}  // namespace molsieve
