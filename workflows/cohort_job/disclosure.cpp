#include "workflows/cohort_job/disclosure.h"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <map>
#include <optional>

namespace molsieve::workflows {
namespace {

// The reader's linear program: one column per cell (a shown cell fixed at its value, a
// suppressed one at least 0), one row per relation. GLPK's terminal output is off (the
// library never prints).
class ReaderProgram {
 public:
  ReaderProgram(const std::vector<CountCell>& cells, const std::vector<bool>& suppressed,
                const std::vector<CountRelation>& relations) {
    glp_term_out(GLP_OFF);
    glp_init_smcp(&parm_);
    parm_.msg_lev = GLP_MSG_OFF;
    glp_add_cols(p_, static_cast<int>(cells.size()));
    for (std::size_t i = 0; i < cells.size(); ++i) {
      const double v = static_cast<double>(cells[i].value);
      glp_set_col_bnds(p_, column(i), suppressed[i] ? GLP_LO : GLP_FX, suppressed[i] ? 0 : v, v);
    }
    for (const CountRelation& r : relations) {
      const int row = glp_add_rows(p_, 1);
      glp_set_row_bnds(p_, row, r.equality ? GLP_FX : GLP_UP, 0, 0);
      std::vector<int> index{0};
      std::vector<double> value{0};
      for (const auto& [cell, coefficient] : r.terms) {
        index.push_back(column(cell));
        value.push_back(coefficient);
      }
      glp_set_mat_row(p_, row, static_cast<int>(r.terms.size()), index.data(), value.data());
    }
  }
  ~ReaderProgram() { glp_delete_prob(p_); }
  ReaderProgram(const ReaderProgram&) = delete;
  ReaderProgram& operator=(const ReaderProgram&) = delete;

  std::pair<double, double> bounds(std::size_t cell) {
    for (int c = 1; c <= glp_get_num_cols(p_); ++c) glp_set_obj_coef(p_, c, 0);
    glp_set_obj_coef(p_, column(cell), 1);
    return {extreme(GLP_MIN), extreme(GLP_MAX)};
  }

 private:
  static int column(std::size_t cell) { return static_cast<int>(cell) + 1; }

  double extreme(int direction) {
    glp_set_obj_dir(p_, direction);
    const int failed = glp_simplex(p_, &parm_);
    // The true counts satisfy every relation, so the program is feasible: only an unbounded
    // maximum (or a solver failure, read as knowing nothing) is not a number.
    if (failed || glp_get_status(p_) != GLP_OPT)
      return direction == GLP_MIN ? 0 : std::numeric_limits<double>::infinity();
    return glp_get_obj_val(p_);
  }

  glp_prob* p_ = glp_create_prob();
  glp_smcp parm_;
};

// A reader who can narrow a count to one whole number knows it.
bool pinned(const std::pair<double, double>& b) {
  constexpr double kTolerance = 1e-6;
  return std::floor(b.second + kTolerance) - std::ceil(b.first - kTolerance) < 1;
}

// The smallest shown suppressible cell of the relations that `wanted` accepts: suppressing the
// smallest hides the least.
std::optional<std::size_t> smallest_shown(const std::vector<CountCell>& cells, const std::vector<bool>& suppressed,
                                          const std::vector<CountRelation>& relations,
                                          const std::function<bool(const CountRelation&)>& wanted) {
  std::optional<std::size_t> best;
  for (const CountRelation& r : relations) {
    if (!wanted(r)) continue;
    for (const auto& term : r.terms) {
      const std::size_t c = term.first;
      if (suppressed[c] || !cells[c].suppressible) continue;
      if (!best || cells[c].value < cells[*best].value || (cells[c].value == cells[*best].value && c < *best)) best = c;
    }
  }
  return best;
}

bool involves(const CountRelation& r, std::size_t cell) {
  return std::any_of(r.terms.begin(), r.terms.end(), [&](const auto& t) { return t.first == cell; });
}

std::size_t suppressed_in(const CountRelation& r, const std::vector<bool>& suppressed) {
  return static_cast<std::size_t>(
      std::count_if(r.terms.begin(), r.terms.end(), [&](const auto& t) { return suppressed[t.first]; }));
}

}  // namespace

std::vector<std::pair<double, double>> reader_bounds(const std::vector<CountCell>& cells, const std::vector<bool>& suppressed,
                                                     const std::vector<CountRelation>& relations) {
  std::vector<std::pair<double, double>> out(cells.size());
  ReaderProgram program(cells, suppressed, relations);
  for (std::size_t i = 0; i < cells.size(); ++i) {
    const double v = static_cast<double>(cells[i].value);
    out[i] = suppressed[i] ? program.bounds(i) : std::pair{v, v};
  }
  return out;
}

std::vector<bool> suppress_counts(const std::vector<CountCell>& cells, const std::vector<CountRelation>& relations) {
  std::vector<bool> suppressed(cells.size()), primary(cells.size());
  for (std::size_t i = 0; i < cells.size(); ++i) primary[i] = suppressed[i] = cells[i].patients && is_small_count(cells[i].value);
  // Each pass suppresses one more cell or stops, so this ends within cells.size() passes.
  for (;;) {
    // An equation with one suppressed cell gives it away by a subtraction: the cheap case first
    // (an inequality with one only bounds it; the linear program below weighs bounds).
    std::optional<std::size_t> next = smallest_shown(cells, suppressed, relations, [&](const CountRelation& r) {
      return r.equality && suppressed_in(r, suppressed) == 1;
    });
    if (!next) {
      // Several relations together can still pin a count: ask the reader's linear program.
      ReaderProgram program(cells, suppressed, relations);
      for (std::size_t p = 0; p < cells.size() && !next; ++p) {
        if (!primary[p] || !pinned(program.bounds(p))) continue;
        next = smallest_shown(cells, suppressed, relations, [&](const CountRelation& r) { return involves(r, p); });
        if (!next)
          next = smallest_shown(cells, suppressed, relations,
                                [&](const CountRelation& r) { return suppressed_in(r, suppressed) > 0; });
      }
    }
    if (!next) return suppressed;
    suppressed[*next] = true;
  }
}

namespace {

// The characterization's sections whose categories are strata categories too (the same
// patients counted twice), by strata dimension.
constexpr std::pair<const char*, const char*> kStrataSections[] = {
    {"sex", "sex"}, {"race", "race"}, {"ethnicity", "ethnicity"}, {"age band", "age_group"}};

// Sections in which every patient of a group has exactly one category.
bool partitions_group(const std::string& section) {
  return std::any_of(std::begin(kStrataSections), std::end(kStrataSections),
                     [&](const auto& s) { return section == s.first; });
}

// The cells and relations of a cohort's shared counts. Cells: per attrition step the four
// columns of CountPlan::kAttritionColumns; per stratum the five of CountPlan::kStrataColumns;
// per characterization row its count; last the cohort's size.
struct CohortCells {
  std::vector<CountCell> cells;
  std::vector<CountRelation> relations;
  std::size_t strata_at = 0, characterization_at = 0, selected_at = 0;
  std::vector<std::size_t> group_size_row;  // per characterization row: its group's "patients" row

  explicit CohortCells(const CohortCounts& c) {
    const std::size_t n = c.attrition.size();
    for (const auto& s : c.attrition)
      for (std::uint64_t v : {s.remaining, s.removed, s.removed_alone, s.decided_if_missing}) cells.push_back({v, true, true});
    strata_at = cells.size();
    for (const auto& s : c.strata) {
      cells.push_back({s.eligible, true, true});
      cells.push_back({s.selected, true, true});
      // The quota bounds follow from the quotas file and the cohort's size: public with it.
      cells.push_back({s.quota_min, false, false});
      cells.push_back({s.quota_max, false, false});
      cells.push_back({s.shortfall, false, true});
    }
    characterization_at = cells.size();
    for (const auto& row : c.characterization) cells.push_back({row.count, true, true});
    selected_at = cells.size();
    // A cohort of the requested size says nothing the request did not.
    const bool short_of_size = c.selected < c.requested;
    cells.push_back({c.selected, short_of_size, short_of_size});
    const std::size_t one = cells.size();  // the constant 1, for bounds such as "at least 1"
    cells.push_back({1, false, false});

    auto r = [&](std::size_t k, int column) {
      return CountPlan::kAttritionCounts * k + static_cast<std::size_t>(column);
    };
    auto holds = [&](std::initializer_list<std::pair<std::size_t, int>> terms, bool equality) {
      std::int64_t sum = 0;
      for (const auto& [cell, coefficient] : terms) sum += coefficient * static_cast<std::int64_t>(cells[cell].value);
      if (equality ? sum == 0 : sum <= 0) relations.push_back({terms, equality});
    };
    for (std::size_t k = 1; k < n; ++k) {
      holds({{r(k - 1, 0), 1}, {r(k, 0), -1}, {r(k, 1), -1}}, true);  // remaining before = remaining after + removed
      // The index and observation steps remove alone what they remove; any later step removes
      // at most what it alone would, and that at most the patients with an index event.
      if (k <= 2) holds({{r(k, 2), 1}, {r(k, 1), -1}}, true);
      if (k > 2) {
        holds({{r(k, 1), 1}, {r(k, 2), -1}}, false);
        holds({{r(k, 2), 1}, {r(1, 0), -1}}, false);
      }
      holds({{r(k, 3), 1}, {r(k - 1, 0), -1}}, false);  // if_missing decides for patients reaching the step
    }
    if (n == 0) return;
    const std::size_t eligible = r(n - 1, 0), m = selected_at;
    holds({{m, 1}, {eligible, -1}}, short_of_size);  // at most the eligible; all of them when short
    std::vector<std::string> dimensions;
    for (const auto& s : c.strata)
      if (std::find(dimensions.begin(), dimensions.end(), s.dimension) == dimensions.end()) dimensions.push_back(s.dimension);
    for (const std::string& d : dimensions) {
      CountRelation eligible_total, selected_total;  // a dimension's categories add up to the totals
      eligible_total.terms.push_back({eligible, -1});
      selected_total.terms.push_back({m, -1});
      for (std::size_t i = 0; i < c.strata.size(); ++i)
        if (c.strata[i].dimension == d) {
          eligible_total.terms.push_back({strata_at + 5 * i, 1});
          selected_total.terms.push_back({strata_at + 5 * i + 1, 1});
        }
      relations.push_back(eligible_total);
      relations.push_back(selected_total);
    }
    for (std::size_t i = 0; i < c.strata.size(); ++i) {
      const std::size_t e = strata_at + 5 * i, s = e + 1, lo = e + 2, hi = e + 3, shortfall = e + 4;
      // Everyone eligible selected: every category's selected is its eligible.
      holds({{s, 1}, {e, -1}}, c.selected == c.attrition.back().remaining);
      holds({{hi, 1}, {m, -1}}, true);  // a category without a quota: at most the whole cohort
      // A row of a category without a quota says it has an eligible patient (quotas have rows
      // either way); a minimum above the eligible is a warning, so the eligible are below it;
      // a missed quota is missed by at least 1.
      const bool quota = c.strata[i].quota_min > 0 || c.strata[i].quota_max < c.selected;
      if (!quota) holds({{one, 1}, {e, -1}}, false);
      holds({{e, 1}, {lo, -1}, {one, 1}}, false);
      holds({{one, 1}, {shortfall, -1}}, false);
      if (c.strata[i].shortfall == 0) {
        holds({{lo, 1}, {s, -1}}, false);
        holds({{s, 1}, {hi, -1}}, false);
      } else {
        holds({{s, 1}, {shortfall, 1}, {lo, -1}}, true);   // below the minimum by the shortfall
        holds({{s, 1}, {shortfall, -1}, {hi, -1}}, true);  // or above the maximum
      }
    }
    characterization_relations(c, eligible);
  }

  // A characteristic counts some of its group's patients; the selected are among the eligible,
  // the eligible among the population; the groups' sizes are the attrition's first and last
  // counts and the cohort's size; sex, race, ethnicity and age band split each group, and
  // split the eligible and the selected as the strata do.
  void characterization_relations(const CohortCounts& c, std::size_t eligible) {
    const auto& rows = c.characterization;
    const std::size_t at = characterization_at;
    auto holds = [&](std::vector<std::pair<std::size_t, int>> terms, bool equality) {
      std::int64_t sum = 0;
      for (const auto& [cell, coefficient] : terms) sum += coefficient * static_cast<std::int64_t>(cells[cell].value);
      if (sum == 0 || (!equality && sum < 0)) relations.push_back({std::move(terms), sum == 0 && equality});
    };
    const std::size_t group_sizes[3] = {0, eligible, selected_at};
    group_size_row.assign(rows.size(), 0);
    // Rows come in threes per characteristic, the first three the groups' sizes.
    for (std::size_t i = 0; i < rows.size(); ++i) group_size_row[i] = i % 3;
    for (std::size_t g = 0; g < 3 && g < rows.size(); ++g) holds({{at + g, 1}, {group_sizes[g], -1}}, true);
    std::map<std::pair<std::string, std::size_t>, CountRelation> splits;  // (section, group): Σ categories = size
    for (std::size_t i = 3; i < rows.size(); ++i) {
      const std::size_t g = i % 3;
      holds({{at + i, 1}, {at + g, -1}}, false);
      if (g > 0) holds({{at + i, 1}, {at + i - 1, -1}}, false);
      if (!partitions_group(rows[i].section)) continue;
      auto& split = splits[{rows[i].section, g}];
      split.terms.push_back({at + i, 1});
      for (std::size_t k = 0; k < c.strata.size(); ++k) {
        const bool same = c.strata[k].category == rows[i].characteristic &&
                          std::any_of(std::begin(kStrataSections), std::end(kStrataSections), [&](const auto& p) {
                            return rows[i].section == p.first && c.strata[k].dimension == p.second;
                          });
        if (same && g > 0) holds({{at + i, 1}, {strata_at + 5 * k + (g - 1), -1}}, true);
      }
    }
    for (auto& [key, split] : splits) {
      split.terms.push_back({at + key.second, -1});
      holds(split.terms, true);
    }
  }
};

}  // namespace

CountPlan::CountPlan(CohortCounts counts, bool exact) : counts_(std::move(counts)), exact_(exact) {
  const CohortCells model(counts_);
  strata_at_ = model.strata_at;
  characterization_at_ = model.characterization_at;
  selected_at_ = model.selected_at;
  group_size_row_ = model.group_size_row;
  suppressed_ = exact_ ? std::vector<bool>(model.cells.size()) : suppress_counts(model.cells, model.relations);
  // The quota bounds are shares of the cohort's size rounded: they would give a hidden size
  // away, so they go with it.
  if (suppressed_[selected_at_])
    for (std::size_t i = 0; i < counts_.strata.size(); ++i)
      suppressed_[strata_at_ + 5 * i + 2] = suppressed_[strata_at_ + 5 * i + 3] = true;
}

bool CountPlan::attrition_suppressed(std::size_t step, int column) const {
  return suppressed_[CountPlan::kAttritionCounts * step + static_cast<std::size_t>(column)];
}

bool CountPlan::stratum_suppressed(std::size_t row, int column) const {
  return suppressed_[strata_at_ + 5 * row + static_cast<std::size_t>(column)];
}

namespace {
std::string shown(std::uint64_t value, bool suppressed) { return suppressed ? kSuppressedMark : std::to_string(value); }
}  // namespace

std::string CountPlan::attrition(std::size_t step, int column) const {
  const auto& s = counts_.attrition.at(step);
  const std::uint64_t values[kAttritionCounts] = {s.remaining, s.removed, s.removed_alone, s.decided_if_missing};
  return shown(values[column], attrition_suppressed(step, column));
}

bool CountPlan::characteristic_suppressed(std::size_t row) const { return suppressed_[characterization_at_ + row]; }

std::string CountPlan::characteristic(std::size_t row) const {
  return shown(counts_.characterization.at(row).count, characteristic_suppressed(row));
}

bool CountPlan::percent_shown(std::size_t row) const {
  return !characteristic_suppressed(row) && !characteristic_suppressed(group_size_row_.at(row));
}

std::string CountPlan::stratum(std::size_t row, int column) const {
  const auto& s = counts_.strata.at(row);
  const std::uint64_t values[5] = {s.eligible, s.selected, s.quota_min, s.quota_max, s.shortfall};
  return shown(values[column], stratum_suppressed(row, column));
}

std::string CountPlan::selected() const { return shown(counts_.selected, suppressed_[selected_at_]); }

std::size_t CountPlan::suppressed() const {
  return static_cast<std::size_t>(std::count(suppressed_.begin(), suppressed_.end(), true));
}

}  // namespace molsieve::workflows
