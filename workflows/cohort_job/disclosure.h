#pragma once
// Disclosure control of the counts a cohort run shares (report, attrition CSV, console, query
// of the attrition, strata and characterization tables, warnings, what-if runs): complementary
// cell suppression (docs/cohorts.md, "Disclosure control"). Counts of patients from 1 to 4 are
// suppressed (primary), then further counts (secondary) until no suppressed small count can be
// worked out from the shown ones through the relations between them: attrition chains, strata
// totals, selected versus eligible, quota bounds, characteristics versus their group and the
// groups (population, eligible, selected) versus each other and the strata.
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

namespace molsieve::workflows {

// What every suppressed count shows instead of its value: the same mark for small counts and
// for the counts suppressed to protect them, so that the mark says nothing about the value.
inline constexpr const char* kSuppressedMark = "suppressed";

// Counts from 1 to 4 identify people.
inline bool is_small_count(std::uint64_t count) { return count >= 1 && count <= 4; }

// A linear fact about the counts that anyone reading the outputs knows:
// Σ coefficient × cell = 0 (equality) or ≤ 0.
struct CountRelation {
  std::vector<std::pair<std::size_t, int>> terms;  // (cell, coefficient)
  bool equality = true;
};

struct CountCell {
  std::uint64_t value = 0;
  bool patients = true;      // a count of patients: suppressed when from 1 to 4
  bool suppressible = true;  // false: public anyway (derived from the definition and the requested size)
};

// The interval a reader can narrow each cell to, from the shown cells, the relations and
// counts being at least 0 (a shown cell: its value); `high` is infinity when unbounded.
std::vector<std::pair<double, double>> reader_bounds(const std::vector<CountCell>& cells, const std::vector<bool>& suppressed,
                                                     const std::vector<CountRelation>& relations);

// Primary suppression of the patient counts from 1 to 4, then secondary suppression: while a
// equation holds exactly one suppressed cell, or the reader's interval of a small count holds
// a single whole number, the smallest shown suppressible cell of one of its relations is
// suppressed too. Returns the suppressed cells.
std::vector<bool> suppress_counts(const std::vector<CountCell>& cells, const std::vector<CountRelation>& relations);

// The counts a cohort run shares, as numbers.
struct CohortCounts {
  struct Step {
    std::uint64_t remaining = 0, removed = 0, removed_alone = 0, decided_if_missing = 0;
  };
  struct Stratum {
    std::string dimension, category;
    std::uint64_t eligible = 0, selected = 0, quota_min = 0, quota_max = 0, shortfall = 0;
  };
  std::vector<Step> attrition;   // population first, then index, observation, age, sex, rules
  std::vector<Stratum> strata;   // per dimension and category met among the eligible
  // The characterization's rows ("table 1"), in threes (population, eligible, selected) per
  // characteristic; section "patients" holds each group's size.
  struct Characteristic {
    std::string section, characteristic, group;
    std::uint64_t count = 0;
  };
  std::vector<Characteristic> characterization;
  std::uint64_t selected = 0;    // the cohort's size
  std::uint64_t requested = 0;   // --size
};

// Which shared counts are shown: one plan for every output of a run, so that no two outputs
// together show more than one does.
class CountPlan {
 public:
  static constexpr int kAttritionCounts = 4;
  static constexpr const char* kAttritionColumns[kAttritionCounts] = {"remaining", "removed", "removed_alone",
                                                                      "decided_if_missing"};
  static constexpr const char* kStrataColumns[5] = {"eligible", "selected", "quota_min", "quota_max", "shortfall"};
  // The characterization's count and the columns that would tell a hidden one (a percent of the
  // group, the median and quartiles of a handful of values).
  static constexpr const char* kCharacterizationColumns[5] = {"count", "percent", "median", "q1", "q3"};

  // `exact`: --exact-counts, nothing suppressed (the outputs say so).
  CountPlan(CohortCounts counts, bool exact);

  bool exact() const { return exact_; }
  const CohortCounts& counts() const { return counts_; }
  // The shown text of a count: the number, or kSuppressedMark. `column` indexes the columns above.
  std::string attrition(std::size_t step, int column) const;
  std::string stratum(std::size_t row, int column) const;
  std::string selected() const;
  std::string eligible() const { return attrition(counts_.attrition.size() - 1, 0); }
  std::string persons() const { return attrition(0, 0); }
  bool stratum_suppressed(std::size_t row, int column) const;
  bool attrition_suppressed(std::size_t step, int column) const;
  // A characterization row's count; its percent only beside a shown count of a group whose
  // size is shown (else count / percent gives the size away); its median and quartiles only
  // beside a shown count.
  std::string characteristic(std::size_t row) const;
  bool characteristic_suppressed(std::size_t row) const;
  bool percent_shown(std::size_t row) const;
  // How many counts are suppressed (primary and secondary).
  std::size_t suppressed() const;

 private:
  CohortCounts counts_;
  bool exact_;
  std::vector<bool> suppressed_;  // attrition (4 per step), strata (5 per row), characterization, selected
  std::size_t strata_at_ = 0, characterization_at_ = 0, selected_at_ = 0;
  std::vector<std::size_t> group_size_row_;  // per characterization row: its group's "patients" row
};

}  // namespace molsieve::workflows
