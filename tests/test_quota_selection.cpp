// Quota-balanced selection: select_cohort against brute force (ties included), quotas named
// before solving, the time limit and cancelling, and the quota file's JSON errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <random>

#include "cohort/quota_selection.h"
#include "core/error.h"

namespace molsieve::cohort {
namespace {

// --- quota selection against brute force --------------------------------------------------

struct BruteForce {
  std::uint64_t shortfall = UINT64_MAX;
  double score = -INFINITY;
};

BruteForce brute_force(const std::vector<SelectionCandidate>& candidates, std::size_t size, const Quotas& q) {
  BruteForce best;
  const std::size_t n = candidates.size();
  for (std::uint32_t mask = 0; mask < (1u << n); ++mask) {
    if (static_cast<std::size_t>(__builtin_popcount(mask)) != size) continue;
    std::uint64_t shortfall = 0;
    double score = 0;
    for (std::size_t i = 0; i < n; ++i)
      if (mask >> i & 1) score += candidates[i].score;
    for (const QuotaBound& b : q.bounds) {
      std::uint64_t in = 0;
      for (std::size_t i = 0; i < n; ++i) in += (mask >> i & 1) && candidates[i].strata[b.dimension] == b.category;
      const auto low = static_cast<std::uint64_t>(std::ceil(b.min_share * size - 1e-9));
      const auto high = static_cast<std::uint64_t>(std::floor(b.max_share * size + 1e-9));
      shortfall += in < low ? low - in : in > high ? in - high : 0;
    }
    if (shortfall < best.shortfall || (shortfall == best.shortfall && score > best.score + 1e-12)) {
      best.shortfall = shortfall;
      best.score = score;
    }
  }
  return best;
}

// Random small populations (scores from `score`), and random quotas.
std::vector<SelectionCandidate> random_candidates(std::mt19937_64& random, std::size_t n,
                                                  const std::function<double()>& score) {
  const char* sexes[] = {"female", "male"};
  const char* races[] = {"White", "Black or African American", "Asian"};
  const char* ages[] = {"young", "old"};
  std::vector<SelectionCandidate> candidates(n);
  for (std::size_t i = 0; i < n; ++i) {
    candidates[i].person_id = static_cast<std::int64_t>(i + 1);
    candidates[i].score = score();
    candidates[i].strata = {sexes[random() % 2], races[random() % 3],
                            random() % 4 ? "Not Hispanic or Latino" : "Hispanic or Latino", ages[random() % 2]};
  }
  return candidates;
}

Quotas random_quotas(std::mt19937_64& random) {
  Quotas q;
  q.age_groups = {{"young", 18, 64}, {"old", 65, 90}};
  q.bounds.push_back({0, "female", 0.3 + 0.1 * (random() % 3), 0.7, "/sex/female"});
  q.bounds.push_back({1, "Asian", 0.1 * (random() % 4), 1.0, "/race/Asian"});
  q.bounds.push_back({1, "White", 0.0, 0.3 + 0.2 * (random() % 3), "/race/White"});
  q.bounds.push_back({2, "Hispanic or Latino", 0.2, 1.0, "/ethnicity/Hispanic"});
  q.bounds.push_back({3, "old", 0.25, 0.75, "/age_group/old"});
  return q;
}

// Scores taking `distinct` values: many ties.
std::vector<SelectionCandidate> tied_candidates(std::mt19937_64& random, std::size_t n, int distinct) {
  return random_candidates(random, n, [&] { return 0.5 * static_cast<double>(random() % distinct); });
}

// select_cohort against brute force on 60 random small populations (`population(n, trial)`);
// returns how many had quotas that could not all be met.
int compare_with_brute_force(std::mt19937_64& random,
                             const std::function<std::vector<SelectionCandidate>(std::size_t, int)>& population) {
  int infeasible_cases = 0;
  for (int trial = 0; trial < 60; ++trial) {
    const std::size_t n = 8 + random() % 7, size = 2 + random() % 5;
    const std::vector<SelectionCandidate> candidates = population(n, trial);
    const Quotas q = random_quotas(random);
    const Selection s = select_cohort(candidates, size, q);
    const BruteForce best = brute_force(candidates, size, q);
    EXPECT_EQ(s.chosen.size(), size);
    EXPECT_EQ(s.total_shortfall, best.shortfall) << "trial " << trial;
    EXPECT_NEAR(s.total_score, best.score, 1e-9) << "trial " << trial;
    EXPECT_TRUE(s.optimal);
    // Reducing to the cell leaders first changes nothing.
    const Selection reduced = select_cohort(keep_cell_leaders(candidates, size), size, q);
    EXPECT_NEAR(reduced.total_score, s.total_score, 1e-9);
    infeasible_cases += best.shortfall > 0;
  }
  return infeasible_cases;
}

TEST(QuotaSelection, EqualsBruteForceOnSmallPopulations) {
  std::mt19937_64 random(20261128);
  const int infeasible_cases = compare_with_brute_force(random, [&](std::size_t n, int) {
    return random_candidates(random, n, [&] { return std::uniform_real_distribution<double>(-1, 3)(random); });
  });
  EXPECT_GT(infeasible_cases, 0);  // the shortfall phase was exercised
  EXPECT_LT(infeasible_cases, 60);
}

TEST(QuotaSelection, TiedScoresEqualBruteForceOnSmallPopulations) {
  std::mt19937_64 random(20261201);
  const int infeasible_cases =
      compare_with_brute_force(random, [&](std::size_t n, int trial) { return tied_candidates(random, n, 1 + trial % 3); });
  EXPECT_GT(infeasible_cases, 0);
  EXPECT_LT(infeasible_cases, 60);
}

TEST(QuotaSelection, WithoutQuotasTakesTheBestScores) {
  std::vector<SelectionCandidate> candidates(5);
  const double scores[] = {0.5, 2.0, -1.0, 2.0, 1.0};
  for (std::size_t i = 0; i < 5; ++i) candidates[i] = {static_cast<std::int64_t>(10 + i), scores[i], {}, 0, 0};
  const Selection s = select_cohort(candidates, 3, Quotas{});
  ASSERT_EQ(s.chosen.size(), 3u);
  EXPECT_EQ(candidates[s.chosen[0]].person_id, 11);  // ties: the lower person id first
  EXPECT_EQ(candidates[s.chosen[1]].person_id, 13);
  EXPECT_EQ(candidates[s.chosen[2]].person_id, 14);
}

TEST(QuotaSelection, UnmetQuotaIsReportedWithItsShortfall) {
  std::vector<SelectionCandidate> candidates;
  for (int i = 0; i < 10; ++i)
    candidates.push_back({i + 1, 1.0 * i, {i < 1 ? "female" : "male", "White", "unknown", "other"}, 50, 0});
  Quotas q;
  q.bounds.push_back({0, "female", 0.5, 1.0, "/sex/female"});
  const Selection s = select_cohort(candidates, 4, q);
  EXPECT_FALSE(s.quotas_met);
  ASSERT_EQ(s.quotas.size(), 1u);
  EXPECT_EQ(s.quotas[0].min_count, 2u);
  EXPECT_EQ(s.quotas[0].selected, 1u);  // the only woman is chosen
  EXPECT_EQ(s.quotas[0].shortfall, 1u);
}

TEST(QuotaSelection, OneColumnPerRunOfEqualScoresEqualsOneColumnPerPatient) {
  std::mt19937_64 random(7);
  SelectionOptions unmerged;
  unmerged.merge_equal_scores = false;
  for (int trial = 0; trial < 30; ++trial) {
    const std::size_t n = 40 + random() % 80, size = 5 + random() % 30;
    const std::vector<SelectionCandidate> candidates = tied_candidates(random, n, 2 + trial % 6);
    const Quotas q = random_quotas(random);
    const Selection merged = select_cohort(candidates, size, q);
    const Selection plain = select_cohort(candidates, size, q, unmerged);
    ASSERT_EQ(merged.chosen.size(), plain.chosen.size());
    EXPECT_NEAR(merged.total_score, plain.total_score, 1e-9) << "trial " << trial;
    EXPECT_EQ(merged.total_shortfall, plain.total_shortfall) << "trial " << trial;
  }
}

std::vector<SelectionCandidate> sexes_and_races(int women, int men, int asian) {
  std::vector<SelectionCandidate> candidates;
  for (int i = 0; i < women + men; ++i)
    candidates.push_back({i + 1, 1.0 * (i % 7), {i < women ? "female" : "male", i < asian ? "Asian" : "White",
                                                 "unknown", "other"}, 50, 0});
  return candidates;
}

// 10 of 20 women and 20 men, with the same shares for both sexes.
Selection ten_with_sex_shares(double min_share, double max_share) {
  Quotas q;
  q.bounds.push_back({0, "female", min_share, max_share, "/sex/female"});
  q.bounds.push_back({0, "male", min_share, max_share, "/sex/male"});
  return select_cohort(sexes_and_races(20, 20, 0), 10, q);
}

// The selection's one warning ("N warnings" when it has not exactly one).
std::string only_warning(const Selection& s) {
  return s.warnings.size() == 1 ? s.warnings[0] : std::to_string(s.warnings.size()) + " warnings";
}

TEST(QuotaSelection, MinimumsAddingUpToMoreThanTheCohortAreNamedBeforeSolving) {
  const Selection s = ten_with_sex_shares(0.6, 1.0);
  EXPECT_EQ(only_warning(s),
            "quotas that cannot all be met: the minimums of sex add up to more than the cohort's 10 patients: "
            "/sex/female 6 + /sex/male 6 = 12");
  EXPECT_EQ(s.chosen.size(), 10u);
  EXPECT_EQ(s.total_shortfall, 2u);  // the least-shortfall answer all the same
}

TEST(QuotaSelection, MinimumAboveTheEligiblePatientsOfItsCategoryIsNamed) {
  Quotas q;
  q.bounds.push_back({1, "Asian", 0.5, 1.0, "/race/Asian"});
  const Selection s = select_cohort(sexes_and_races(20, 20, 3), 10, q);
  EXPECT_EQ(only_warning(s),
            "quotas that cannot all be met: /race/Asian: at least 5 of 10 patients must be race Asian, but only 3 "
            "eligible patients are");
  EXPECT_EQ(s.quotas[0].selected, 3u);
}

TEST(QuotaSelection, MaximumsLeavingRoomForFewerThanTheCohortAreNamed) {
  const Selection s = ten_with_sex_shares(0.0, 0.4);
  EXPECT_EQ(only_warning(s),
            "quotas that cannot all be met: the maximums of sex (/sex/female 4, /sex/male 4) and the eligible patients "
            "of its other categories leave room for 8 of the cohort's 10 patients");
  EXPECT_EQ(s.total_shortfall, 2u);
}

TEST(QuotaSelection, QuotasThatCanBeMetGiveNoWarning) {
  const Selection s = ten_with_sex_shares(0.5, 0.5);
  EXPECT_TRUE(s.warnings.empty());
  EXPECT_TRUE(s.quotas_met);
}

TEST(QuotaSelection, TimeLimitWarningGivesTheProvenGap) {
  EXPECT_EQ(time_limit_warning(SolverPhase::Score, 60, 98.5, 100),
            "the selection stopped at the solver's time limit of 60 s: its total score 98.5 is within 1.5 (1.5%) of "
            "the best possible");
  EXPECT_EQ(time_limit_warning(SolverPhase::Quotas, 2.5, 5, 2.2),
            "the selection stopped at the solver's time limit of 2.5 s: its quota shortfall of 5 patients may be up to "
            "2 more than the least possible");
  EXPECT_EQ(time_limit_warning(SolverPhase::Score, 60, 98.5, NAN),
            "the selection stopped at the solver's time limit of 60 s: its total score 98.5 has no proven bound");
}

TEST(QuotaSelection, CancelledWhileSolvingThrowsInterrupted) {
  std::mt19937_64 random(13);
  SelectionOptions options;
  options.cancelled = [] { return true; };
  EXPECT_THROW(select_cohort(tied_candidates(random, 200, 10), 20, random_quotas(random), options), Interrupted);
}

TEST(QuotaSelection, TinyTimeLimitStillSelectsTheFullCohort) {
  std::mt19937_64 random(11);
  const std::vector<SelectionCandidate> candidates = tied_candidates(random, 3000, 40);
  SelectionOptions options;
  options.solver_seconds = 1e-6;
  const Selection s = select_cohort(candidates, 200, random_quotas(random), options);
  EXPECT_EQ(s.chosen.size(), 200u);
  // Whether GLPK proves optimality within its first millisecond depends on the machine.
  if (!s.optimal) {
    ASSERT_FALSE(s.warnings.empty());
    EXPECT_NE(s.warnings.back().find("time limit of 1e-06 s"), std::string::npos);
  }
}

TEST(QuotaErrors, NameTheJsonPathAtFault) {
  auto error_of_quotas = [](const std::string& json) {
    try {
      parse_quotas(json, "q.json");
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(error_of_quotas(R"({"sex": {"female": {"min": 1e999}}})").find("q.json: not valid JSON: "), std::string::npos);
  EXPECT_EQ(error_of_quotas(R"({"sex": {"femal": {"min": 0.5}}})"),
            "q.json: /sex/femal: unknown category (female, male, other)");
  EXPECT_EQ(error_of_quotas(R"({"race": {"Asian": {"min": 1.5}}})"), "q.json: /race/Asian/min: a share must be between 0 and 1");
  EXPECT_EQ(error_of_quotas(R"({"age_group": {"old": {"min": 0.2}}})"),
            "q.json: /age_group/old: no age group so labelled in /age_groups");
}

}  // namespace
}  // namespace molsieve::cohort
