#include "cohort/quota_selection.h"

#include <glpk.h>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>

#include "cohort/vocabulary.h"
#include "core/error.h"
#include "core/json_node.h"

namespace molsieve::cohort {

const char* const kDimensionNames[kDimensions] = {"sex", "race", "ethnicity", "age_group"};

namespace {

using nlohmann::json;

double share(const JsonNode& node) {
  if (!node.raw().is_number()) node.fail("expected a share between 0 and 1");
  const double s = node.number();
  if (s < 0 || s > 1) node.fail("a share must be between 0 and 1");
  return s;
}

bool better(const SelectionCandidate& a, const SelectionCandidate& b) {
  if (a.score != b.score) return a.score > b.score;
  return a.person_id < b.person_id;
}

// Candidates grouped by strata cell, best first within each cell.
struct Cells {
  std::vector<std::array<std::string, kDimensions>> strata;
  std::vector<std::vector<std::size_t>> members;
};

Cells group_cells(const std::vector<SelectionCandidate>& candidates) {
  std::map<std::array<std::string, kDimensions>, std::size_t> index;
  Cells cells;
  for (std::size_t i = 0; i < candidates.size(); ++i) {
    const auto [it, added] = index.emplace(candidates[i].strata, cells.strata.size());
    if (added) {
      cells.strata.push_back(candidates[i].strata);
      cells.members.emplace_back();
    }
    cells.members[it->second].push_back(i);
  }
  for (auto& m : cells.members)
    std::sort(m.begin(), m.end(), [&](std::size_t a, std::size_t b) { return better(candidates[a], candidates[b]); });
  return cells;
}

// GLPK problem owned for its lifetime; GLPK's terminal output is off (the library never prints).
struct Problem {
  glp_prob* p = glp_create_prob();
  ~Problem() { glp_delete_prob(p); }
};

}  // namespace

Quotas parse_quotas(const std::string& json_text, const std::string& where) {
  const json document = parse_json_document(json_text, where);
  const JsonNode root(document, "", where);
  if (!root.is_object()) root.fail("expected an object");
  Quotas q;
  // Age groups first: the age_group quotas name them (JSON objects have no key order).
  if (root.has("age_groups")) {
    const JsonNode groups = root.at("age_groups");
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const JsonNode g = groups.element(i);
      const json& raw = g.raw();
      if (!raw.is_object() || !raw.contains("label") || !raw.contains("min") || !raw.contains("max") ||
          !raw["label"].is_string() || !raw["min"].is_number_integer() || !raw["max"].is_number_integer())
        g.fail("expected {\"label\": text, \"min\": age, \"max\": age}");
      AgeGroup group{raw["label"].get<std::string>(), raw["min"].get<int>(), raw["max"].get<int>()};
      if (group.min > group.max) g.fail("min is above max");
      for (const AgeGroup& other : q.age_groups)
        if (group.min <= other.max && other.min <= group.max) g.fail("overlaps group " + other.label);
      q.age_groups.push_back(group);
    }
  }
  root.for_each_member([&](const std::string& key, const JsonNode& categories) {
    if (key == "age_groups") return;
    const auto dim = std::find(std::begin(kDimensionNames), std::end(kDimensionNames), key);
    if (dim == std::end(kDimensionNames)) categories.fail("unknown key (age_groups, sex, race, ethnicity, age_group)");
    const int dimension = static_cast<int>(dim - std::begin(kDimensionNames));
    categories.for_each_member(
        [&](const std::string& category, const JsonNode& bounds) {
          QuotaBound b;
          b.dimension = dimension;
          b.category = category;
          b.path = bounds.path();
          const auto known = known_categories(dimension);
          if (dimension == 3) {
            if (std::none_of(q.age_groups.begin(), q.age_groups.end(),
                             [&](const AgeGroup& g) { return g.label == b.category; }) &&
                b.category != "other")
              bounds.fail("no age group so labelled in /age_groups");
          } else if (std::find(known.begin(), known.end(), b.category) == known.end()) {
            std::string list;
            for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
            bounds.fail("unknown category (" + list + ")");
          }
          bounds.for_each_member(
              [&](const std::string& bound, const JsonNode& value) {
                if (bound == "min")
                  b.min_share = share(value);
                else if (bound == "max")
                  b.max_share = share(value);
                else
                  value.fail("unknown key (min, max)");
              },
              "expected {\"min\": share, \"max\": share}");
          if (b.min_share > b.max_share) bounds.fail("min is above max");
          q.bounds.push_back(b);
        },
        "expected an object of categories");
  });
  return q;
}

Quotas read_quotas(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open the quotas file");
  std::stringstream text;
  text << in.rdbuf();
  return parse_quotas(text.str(), path);
}

std::string sex_category(std::int32_t id) {
  return id == concepts::kFemale ? "female" : id == concepts::kMale ? "male" : "other";
}

std::string race_category(std::int32_t id) {
  switch (id) {
    case concepts::kWhite: case concepts::kBlack: case concepts::kAsian: case concepts::kAmericanIndian:
    case concepts::kPacificIslander: return concepts::concept_name(id);
    default: return "unknown";
  }
}

std::string ethnicity_category(std::int32_t id) {
  return id == concepts::kHispanic ? "Hispanic or Latino" : id == concepts::kNotHispanic ? "Not Hispanic or Latino"
                                                                                        : "unknown";
}

std::string age_category(const std::vector<AgeGroup>& groups, int age) {
  for (const AgeGroup& g : groups)
    if (age >= g.min && age <= g.max) return g.label;
  return "other";
}

std::vector<std::string> known_categories(int dimension) {
  switch (dimension) {
    case 0: return {"female", "male", "other"};
    case 1:
      return {concepts::concept_name(concepts::kWhite), concepts::concept_name(concepts::kBlack),
              concepts::concept_name(concepts::kAsian), concepts::concept_name(concepts::kAmericanIndian),
              concepts::concept_name(concepts::kPacificIslander), "unknown"};
    case 2: return {"Hispanic or Latino", "Not Hispanic or Latino", "unknown"};
    default: return {};
  }
}

std::vector<SelectionCandidate> keep_cell_leaders(std::vector<SelectionCandidate> candidates, std::uint64_t size) {
  const Cells cells = group_cells(candidates);
  std::vector<SelectionCandidate> kept;
  for (const auto& members : cells.members)
    for (std::size_t k = 0; k < members.size() && k < size; ++k) kept.push_back(candidates[members[k]]);
  return kept;
}

namespace {

// Each bound's counts in patients of a cohort of `m`, and the strata cells it counts.
std::vector<QuotaOutcome> quota_counts(const Cells& cells, const Quotas& quotas, std::uint64_t m,
                                       std::vector<std::vector<int>>& bound_cells) {
  std::vector<QuotaOutcome> outcomes;
  bound_cells.assign(quotas.bounds.size(), {});
  for (std::size_t b = 0; b < quotas.bounds.size(); ++b) {
    const QuotaBound& bound = quotas.bounds[b];
    QuotaOutcome o;
    o.bound = bound;
    o.min_count = static_cast<std::uint64_t>(std::ceil(bound.min_share * m - 1e-9));
    o.max_count = static_cast<std::uint64_t>(std::floor(bound.max_share * m + 1e-9));
    for (std::size_t c = 0; c < cells.strata.size(); ++c)
      if (cells.strata[c][bound.dimension] == bound.category) {
        bound_cells[b].push_back(static_cast<int>(c));
        o.eligible += cells.members[c].size();
      }
    outcomes.push_back(o);
  }
  return outcomes;
}

// Without quotas the best m overall are optimal.
std::vector<std::size_t> best_overall(const std::vector<SelectionCandidate>& candidates, std::uint64_t m) {
  std::vector<std::size_t> order(candidates.size());
  std::iota(order.begin(), order.end(), 0);
  std::partial_sort(order.begin(), order.begin() + m, order.end(),
                    [&](std::size_t a, std::size_t b) { return better(candidates[a], candidates[b]); });
  order.resize(m);
  return order;
}

// The selection as a mixed-integer program over strata cells (docs/cohorts.md). Columns: x_c
// (integer, patients taken from cell c), lo_b and hi_b (shortfall below the minimum / excess
// over the maximum of bound b), then y_ck in [0, 1] (the k-th best of cell c). Rows: the
// total, 2 per bound, 1 per cell (x_c = sum_k y_ck), and the shortfall cap of phase 2.
class QuotaProgram {
 public:
  QuotaProgram(const Cells& cells, const std::vector<QuotaOutcome>& outcomes,
               const std::vector<std::vector<int>>& bound_cells, std::uint64_t m)
      : cells_(cells), m_(m), bounds_(static_cast<int>(outcomes.size())) {
    glp_term_out(GLP_OFF);
    lo0_ = x0_ + static_cast<int>(cells.strata.size());
    hi0_ = lo0_ + bounds_;
    add_columns();
    add_rows(outcomes, bound_cells);
  }

  // Phase 1: the least total shortfall; phase 2: the best total score among selections with
  // that shortfall. Returns the patients taken from each cell.
  std::vector<std::uint64_t> solve(const std::vector<SelectionCandidate>& candidates) {
    glp_prob* p = problem_.p;
    glp_set_obj_dir(p, GLP_MIN);
    set_shortfall_costs(1);
    solve_phase("quota phase");
    const double least_shortfall = std::round(glp_mip_obj_val(p));
    glp_set_row_bnds(p, cap_row_, GLP_UP, 0, least_shortfall + 0.5);
    set_shortfall_costs(0);
    glp_set_obj_dir(p, GLP_MAX);
    for (std::size_t c = 0; c < cells_.strata.size(); ++c)
      for (int k = 0; k < most(c); ++k) glp_set_obj_coef(p, y_first_[c] + k, candidates[cells_.members[c][k]].score);
    solve_phase("score phase");
    std::vector<std::uint64_t> take(cells_.strata.size());
    for (std::size_t c = 0; c < take.size(); ++c)
      take[c] = static_cast<std::uint64_t>(std::llround(glp_mip_col_val(p, x0_ + static_cast<int>(c))));
    return take;
  }

 private:
  int most(std::size_t cell) const { return static_cast<int>(std::min<std::uint64_t>(cells_.members[cell].size(), m_)); }

  void add_columns() {
    glp_prob* p = problem_.p;
    int columns = hi0_ + bounds_ - 1;
    y_first_.resize(cells_.strata.size());
    for (std::size_t c = 0; c < cells_.strata.size(); ++c) {
      y_first_[c] = columns + 1;
      columns += most(c);
    }
    glp_add_cols(p, columns);
    for (std::size_t c = 0; c < cells_.strata.size(); ++c) {
      const double largest = most(c);
      glp_set_col_bnds(p, x0_ + static_cast<int>(c), largest > 0 ? GLP_DB : GLP_FX, 0, largest);
      glp_set_col_kind(p, x0_ + static_cast<int>(c), GLP_IV);
      for (int k = 0; k < most(c); ++k) glp_set_col_bnds(p, y_first_[c] + k, GLP_DB, 0, 1);
    }
    for (int b = 0; b < bounds_; ++b) {
      glp_set_col_bnds(p, lo0_ + b, GLP_LO, 0, 0);
      glp_set_col_bnds(p, hi0_ + b, GLP_LO, 0, 0);
    }
  }

  void add_rows(const std::vector<QuotaOutcome>& outcomes, const std::vector<std::vector<int>>& bound_cells) {
    glp_prob* p = problem_.p;
    std::vector<int> ia{0}, ja{0};
    std::vector<double> ar{0};
    auto entry = [&](int row, int column, double value) {
      ia.push_back(row);
      ja.push_back(column);
      ar.push_back(value);
    };
    const int total_row = glp_add_rows(p, 1);
    glp_set_row_bnds(p, total_row, GLP_FX, static_cast<double>(m_), static_cast<double>(m_));
    for (std::size_t c = 0; c < cells_.strata.size(); ++c) entry(total_row, x0_ + static_cast<int>(c), 1);
    for (int b = 0; b < bounds_; ++b) {
      const int row_min = glp_add_rows(p, 2), row_max = row_min + 1;
      glp_set_row_bnds(p, row_min, GLP_LO, static_cast<double>(outcomes[b].min_count), 0);
      glp_set_row_bnds(p, row_max, GLP_UP, 0, static_cast<double>(outcomes[b].max_count));
      for (int c : bound_cells[b]) {
        entry(row_min, x0_ + c, 1);
        entry(row_max, x0_ + c, 1);
      }
      entry(row_min, lo0_ + b, 1);
      entry(row_max, hi0_ + b, -1);
    }
    for (std::size_t c = 0; c < cells_.strata.size(); ++c) {
      const int row = glp_add_rows(p, 1);
      glp_set_row_bnds(p, row, GLP_FX, 0, 0);
      entry(row, x0_ + static_cast<int>(c), 1);
      for (int k = 0; k < most(c); ++k) entry(row, y_first_[c] + k, -1);
    }
    cap_row_ = glp_add_rows(p, 1);
    glp_set_row_bnds(p, cap_row_, GLP_FR, 0, 0);
    for (int b = 0; b < bounds_; ++b) {
      entry(cap_row_, lo0_ + b, 1);
      entry(cap_row_, hi0_ + b, 1);
    }
    glp_load_matrix(p, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  }

  void set_shortfall_costs(double cost) {
    for (int b = 0; b < bounds_; ++b) {
      glp_set_obj_coef(problem_.p, lo0_ + b, cost);
      glp_set_obj_coef(problem_.p, hi0_ + b, cost);
    }
  }

  void solve_phase(const char* phase) {
    glp_iocp parameters;
    glp_init_iocp(&parameters);
    parameters.presolve = GLP_ON;
    parameters.msg_lev = GLP_MSG_OFF;
    if (glp_intopt(problem_.p, &parameters) != 0 || glp_mip_status(problem_.p) != GLP_OPT)
      throw Error(std::string("cohort selection: the ") + phase + " could not be solved to optimality");
  }

  const Cells& cells_;
  const std::uint64_t m_;
  const int bounds_;
  static constexpr int x0_ = 1;
  int lo0_ = 0, hi0_ = 0, cap_row_ = 0;
  std::vector<int> y_first_;
  Problem problem_;
};

// The chosen patients' total score and each quota's count and shortfall.
void tally(Selection& s, const std::vector<SelectionCandidate>& candidates) {
  for (std::size_t i : s.chosen) s.total_score += candidates[i].score;
  for (QuotaOutcome& o : s.quotas) {
    for (std::size_t i : s.chosen)
      if (candidates[i].strata[o.bound.dimension] == o.bound.category) ++o.selected;
    o.shortfall = o.selected < o.min_count ? o.min_count - o.selected
                  : o.selected > o.max_count ? o.selected - o.max_count
                                             : 0;
    s.total_shortfall += o.shortfall;
  }
  s.quotas_met = s.total_shortfall == 0;
}

}  // namespace

Selection select_cohort(const std::vector<SelectionCandidate>& candidates, std::uint64_t size, const Quotas& quotas) {
  Selection s;
  s.requested = size;
  const std::uint64_t m = std::min<std::uint64_t>(size, candidates.size());
  const Cells cells = group_cells(candidates);
  std::vector<std::vector<int>> bound_cells;
  s.quotas = quota_counts(cells, quotas, m, bound_cells);
  if (quotas.bounds.empty() || m == 0) {
    s.chosen = best_overall(candidates, m);
    s.solver = "best scores (no quotas): optimal";
  } else {
    const std::vector<std::uint64_t> take = QuotaProgram(cells, s.quotas, bound_cells, m).solve(candidates);
    for (std::size_t c = 0; c < take.size(); ++c)
      for (std::uint64_t k = 0; k < take[c]; ++k) s.chosen.push_back(cells.members[c][k]);
    std::sort(s.chosen.begin(), s.chosen.end(),
              [&](std::size_t a, std::size_t b) { return better(candidates[a], candidates[b]); });
    s.solver = "GLPK mixed-integer program over " + std::to_string(cells.strata.size()) + " strata cells: optimal";
  }
  tally(s, candidates);
  return s;
}

}  // namespace molsieve::cohort
