#include "cohort/quota_selection.h"

#include <glpk.h>

#include <algorithm>
#include <chrono>
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

// Quotas that no selection of m can meet, named before solving (docs/cohorts.md): minimums of
// one dimension adding up to more than m, a minimum above its category's eligible patients,
// and maximums (with the eligible patients of unbounded categories) leaving room for fewer
// than m. The counts come from the candidates: a category with fewer candidates than one
// cohort holds has all its eligible patients among them (keep_cell_leaders keeps m per cell).
std::vector<std::string> quota_conflicts(const Cells& cells, const std::vector<QuotaOutcome>& outcomes, std::uint64_t m) {
  std::vector<std::string> conflicts;
  for (int d = 0; d < kDimensions; ++d) {
    std::map<std::string, std::uint64_t> eligible;
    for (std::size_t c = 0; c < cells.strata.size(); ++c) eligible[cells.strata[c][d]] += cells.members[c].size();
    std::uint64_t minimums = 0, room = 0;
    std::string min_list, max_list;
    int bounded_min = 0;
    for (const QuotaOutcome& o : outcomes) {
      if (o.bound.dimension != d) continue;
      if (o.min_count > 0) {
        minimums += o.min_count;
        min_list += (min_list.empty() ? "" : " + ") + o.bound.path + " " + std::to_string(o.min_count);
        ++bounded_min;
      }
      if (o.min_count > o.eligible)
        conflicts.push_back(o.bound.path + ": at least " + std::to_string(o.min_count) + " of " + std::to_string(m) +
                            " patients must be " + kDimensionNames[d] + " " + o.bound.category + ", but only " +
                            std::to_string(o.eligible) + " eligible patients are");
    }
    for (const auto& [category, count] : eligible) {
      const auto bound = std::find_if(outcomes.begin(), outcomes.end(), [&, c = &category](const QuotaOutcome& o) {
        return o.bound.dimension == d && o.bound.category == *c;
      });
      const bool has_max = bound != outcomes.end() && bound->max_count < m;
      room += has_max ? std::min(count, bound->max_count) : count;
      if (has_max) max_list += (max_list.empty() ? "" : ", ") + bound->bound.path + " " + std::to_string(bound->max_count);
    }
    if (bounded_min > 1 && minimums > m)
      conflicts.push_back("the minimums of " + std::string(kDimensionNames[d]) + " add up to more than the cohort's " +
                          std::to_string(m) + " patients: " + min_list + " = " + std::to_string(minimums));
    if (!max_list.empty() && room < m)
      conflicts.push_back("the maximums of " + std::string(kDimensionNames[d]) + " (" + max_list +
                          ") and the eligible patients of its other categories leave room for " + std::to_string(room) +
                          " of the cohort's " + std::to_string(m) + " patients");
  }
  return conflicts;
}

// A cell's best patients as runs of equal scores (at most m patients in all): one column per
// run, since the LP fills a run in any order (docs/cohorts.md).
struct Run {
  double score = 0;
  int length = 0;
};

// The selection as a mixed-integer program over strata cells (docs/cohorts.md). Columns: x_c
// (integer, patients taken from cell c), lo_b and hi_b (shortfall below the minimum / excess
// over the maximum of bound b), then y_cr in [0, length of run r] (patients taken from the
// r-th run of equal scores of cell c). Rows: the total, 2 per bound, 1 per cell
// (x_c = sum_r y_cr), and the shortfall cap of phase 2.
class QuotaProgram {
 public:
  QuotaProgram(const Cells& cells, const std::vector<SelectionCandidate>& candidates,
               const std::vector<QuotaOutcome>& outcomes, const std::vector<std::vector<int>>& bound_cells,
               std::uint64_t m, bool merge_runs)
      : cells_(cells), outcomes_(outcomes), m_(m), bounds_(static_cast<int>(outcomes.size())) {
    glp_term_out(GLP_OFF);
    lo0_ = x0_ + static_cast<int>(cells.strata.size());
    hi0_ = lo0_ + bounds_;
    runs_.resize(cells.strata.size());
    for (std::size_t c = 0; c < cells.strata.size(); ++c)
      for (int k = 0; k < most(c); ++k) {
        const double score = candidates[cells.members[c][k]].score;
        if (!merge_runs || runs_[c].empty() || runs_[c].back().score != score) runs_[c].push_back({score, 0});
        ++runs_[c].back().length;
      }
    add_columns();
    add_rows(bound_cells);
  }

  struct Outcome {
    std::vector<std::uint64_t> take;  // patients from each cell
    bool optimal = true;
    std::vector<std::string> warnings;
  };

  // Phase 1: the least total shortfall; phase 2: the best total score among selections with
  // that shortfall. Each phase starts from a known selection (the best scores overall, then
  // phase 1's answer), so a phase stopped at the time limit still has one.
  Outcome solve(const std::vector<std::uint64_t>& start, const SelectionOptions& options) {
    glp_prob* p = problem_.p;
    const auto began = std::chrono::steady_clock::now();
    Outcome out;
    glp_set_obj_dir(p, GLP_MIN);
    set_shortfall_costs(1);
    const Phase quotas = solve_phase(SolverPhase::Quotas, solution_of(start), options, began, out);
    const double least_shortfall = std::round(quotas.found);
    glp_set_row_bnds(p, cap_row_, GLP_UP, 0, least_shortfall);
    set_shortfall_costs(0);
    glp_set_obj_dir(p, GLP_MAX);
    for (std::size_t c = 0; c < runs_.size(); ++c)
      for (std::size_t r = 0; r < runs_[c].size(); ++r)
        glp_set_obj_coef(p, y_first_[c] + static_cast<int>(r), runs_[c][r].score);
    const Phase score = solve_phase(SolverPhase::Score, quotas.solution, options, began, out);
    for (std::size_t c = 0; c < cells_.strata.size(); ++c)
      out.take.push_back(static_cast<std::uint64_t>(std::llround(score.solution[x0_ + c])));
    return out;
  }

  std::size_t columns() const { return static_cast<std::size_t>(glp_get_num_cols(problem_.p)); }

 private:
  int most(std::size_t cell) const { return static_cast<int>(std::min<std::uint64_t>(cells_.members[cell].size(), m_)); }

  void add_columns() {
    glp_prob* p = problem_.p;
    int columns = hi0_ + bounds_ - 1;
    y_first_.resize(cells_.strata.size());
    for (std::size_t c = 0; c < cells_.strata.size(); ++c) {
      y_first_[c] = columns + 1;
      columns += static_cast<int>(runs_[c].size());
    }
    glp_add_cols(p, columns);
    for (std::size_t c = 0; c < cells_.strata.size(); ++c) {
      const double largest = most(c);
      glp_set_col_bnds(p, x0_ + static_cast<int>(c), largest > 0 ? GLP_DB : GLP_FX, 0, largest);
      glp_set_col_kind(p, x0_ + static_cast<int>(c), GLP_IV);
      for (std::size_t r = 0; r < runs_[c].size(); ++r)
        glp_set_col_bnds(p, y_first_[c] + static_cast<int>(r), GLP_DB, 0, runs_[c][r].length);
    }
    for (int b = 0; b < bounds_; ++b) {
      glp_set_col_bnds(p, lo0_ + b, GLP_LO, 0, 0);
      glp_set_col_bnds(p, hi0_ + b, GLP_LO, 0, 0);
    }
  }

  void add_rows(const std::vector<std::vector<int>>& bound_cells) {
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
      glp_set_row_bnds(p, row_min, GLP_LO, static_cast<double>(outcomes_[b].min_count), 0);
      glp_set_row_bnds(p, row_max, GLP_UP, 0, static_cast<double>(outcomes_[b].max_count));
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
      for (std::size_t r = 0; r < runs_[c].size(); ++r) entry(row, y_first_[c] + static_cast<int>(r), -1);
    }
    cap_row_ = glp_add_rows(p, 1);
    glp_set_row_bnds(p, cap_row_, GLP_FR, 0, 0);
    for (int b = 0; b < bounds_; ++b) {
      entry(cap_row_, lo0_ + b, 1);
      entry(cap_row_, hi0_ + b, 1);
    }
    glp_load_matrix(p, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());
  }

  // Every column's value for `take` patients per cell: the shortfalls it leaves and its cells'
  // best runs filled in order (index 0 unused, as GLPK counts from 1).
  std::vector<double> solution_of(const std::vector<std::uint64_t>& take) const {
    std::vector<double> x(columns() + 1, 0.0);
    for (std::size_t c = 0; c < take.size(); ++c) {
      x[x0_ + c] = static_cast<double>(take[c]);
      std::uint64_t left = take[c];
      for (std::size_t r = 0; r < runs_[c].size() && left > 0; ++r) {
        const std::uint64_t used = std::min<std::uint64_t>(left, static_cast<std::uint64_t>(runs_[c][r].length));
        x[y_first_[c] + r] = static_cast<double>(used);
        left -= used;
      }
    }
    for (int b = 0; b < bounds_; ++b) {
      std::uint64_t in = 0;
      for (std::size_t c = 0; c < take.size(); ++c)
        if (cells_.strata[c][outcomes_[b].bound.dimension] == outcomes_[b].bound.category) in += take[c];
      x[lo0_ + b] = in < outcomes_[b].min_count ? static_cast<double>(outcomes_[b].min_count - in) : 0;
      x[hi0_ + b] = in > outcomes_[b].max_count ? static_cast<double>(in - outcomes_[b].max_count) : 0;
    }
    return x;
  }

  void set_shortfall_costs(double cost) {
    for (int b = 0; b < bounds_; ++b) {
      glp_set_obj_coef(problem_.p, lo0_ + b, cost);
      glp_set_obj_coef(problem_.p, hi0_ + b, cost);
    }
  }

  struct Phase {
    std::vector<double> solution;  // every column's value, index 0 unused
    double found = 0;              // the phase's objective there
  };

  // What GLPK's branch-and-cut callback needs: the start to hand over, the proven bound so
  // far, and when to report.
  struct Search {
    SolverPhase phase;
    const std::vector<double>* start;
    const SelectionOptions* options;
    std::chrono::steady_clock::time_point began, last_status;
    bool start_given = false, cancelled = false;
    double bound = NAN;
  };

  static double since(std::chrono::steady_clock::time_point t) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - t).count();
  }

  static void on_search(glp_tree* tree, void* info) {
    Search& s = *static_cast<Search*>(info);
    const int reason = glp_ios_reason(tree);
    if (reason == GLP_IHEUR && !s.start_given) {
      s.start_given = true;
      glp_ios_heur_sol(tree, s.start->data());
    }
    if (s.options->cancelled && s.options->cancelled()) {
      s.cancelled = true;
      glp_ios_terminate(tree);
      return;
    }
    if (const int best = glp_ios_best_node(tree)) s.bound = glp_ios_node_bound(tree, best);
    if (s.options->on_status && since(s.last_status) >= s.options->status_seconds) {
      s.last_status = std::chrono::steady_clock::now();
      glp_prob* p = glp_ios_get_prob(tree);
      s.options->on_status({s.phase, since(s.began), glp_mip_status(p) == GLP_FEAS ? glp_mip_obj_val(p) : NAN, s.bound});
    }
  }

  Phase solve_phase(SolverPhase phase, const std::vector<double>& start, const SelectionOptions& options,
                    std::chrono::steady_clock::time_point began, Outcome& out) {
    glp_prob* p = problem_.p;
    const double left_ms = std::max(1.0, 1000 * (options.solver_seconds - since(began)));
    const int limit_ms = static_cast<int>(std::min(left_ms, 2e9));
    glp_smcp lp;
    glp_init_smcp(&lp);
    lp.msg_lev = GLP_MSG_OFF;
    lp.tm_lim = limit_ms;
    Search search{phase, &start, &options, began, began};
    glp_iocp parameters;
    glp_init_iocp(&parameters);
    parameters.msg_lev = GLP_MSG_OFF;
    parameters.tm_lim = limit_ms;
    parameters.cb_func = &QuotaProgram::on_search;
    parameters.cb_info = &search;
    // GLPK's presolver would renumber the columns the start is given in: the LP relaxation is
    // solved here instead.
    const int lp_status = glp_simplex(p, &lp);
    const int status = lp_status == 0 && glp_get_status(p) == GLP_OPT ? glp_intopt(p, &parameters) : lp_status;
    if (search.cancelled) throw Interrupted("interrupted while selecting the cohort");
    const char* name = phase == SolverPhase::Quotas ? "quota phase" : "score phase";
    const bool timed_out = status == GLP_ETMLIM;
    if (!timed_out && (status != 0 || glp_mip_status(p) != GLP_OPT))
      throw Error(std::string("cohort selection: the ") + name + " could not be solved to optimality");
    Phase result;
    if (glp_mip_status(p) == GLP_OPT || glp_mip_status(p) == GLP_FEAS) {
      result.solution.assign(columns() + 1, 0.0);
      for (std::size_t j = 1; j <= columns(); ++j) result.solution[j] = glp_mip_col_val(p, static_cast<int>(j));
      result.found = glp_mip_obj_val(p);
    } else {
      result.solution = start;
      result.found = 0;
      for (std::size_t j = 1; j <= columns(); ++j) result.found += glp_get_obj_coef(p, static_cast<int>(j)) * start[j];
    }
    if (timed_out) {
      out.optimal = false;
      out.warnings.push_back(time_limit_warning(phase, options.solver_seconds, result.found, search.bound));
    }
    return result;
  }

  const Cells& cells_;
  const std::vector<QuotaOutcome>& outcomes_;
  const std::uint64_t m_;
  const int bounds_;
  static constexpr int x0_ = 1;
  int lo0_ = 0, hi0_ = 0, cap_row_ = 0;
  std::vector<std::vector<Run>> runs_;
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

std::string decimal(double value, int digits = 6) {
  std::ostringstream text;
  text.precision(digits);
  text << value;
  return text.str();
}

}  // namespace

std::string time_limit_warning(SolverPhase phase, double limit_seconds, double found, double bound) {
  const std::string head = "the selection stopped at the solver's time limit of " + decimal(limit_seconds) + " s: ";
  if (phase == SolverPhase::Quotas) {
    const double least = std::isnan(bound) ? 0 : std::max(0.0, std::ceil(bound - 1e-6));
    return head + "its quota shortfall of " + decimal(std::round(found)) + " patients may be up to " +
           decimal(std::round(found) - least) + " more than the least possible";
  }
  if (std::isnan(bound)) return head + "its total score " + decimal(found) + " has no proven bound";
  const double gap = std::max(0.0, bound - found);
  return head + "its total score " + decimal(found) + " is within " + decimal(gap) + " (" +
         decimal(100 * gap / std::max(std::abs(bound), 1e-12), 2) + "%) of the best possible";
}

Selection select_cohort(const std::vector<SelectionCandidate>& candidates, std::uint64_t size, const Quotas& quotas,
                        const SelectionOptions& options) {
  Selection s;
  s.requested = size;
  const std::uint64_t m = std::min<std::uint64_t>(size, candidates.size());
  const Cells cells = group_cells(candidates);
  std::vector<std::vector<int>> bound_cells;
  s.quotas = quota_counts(cells, quotas, m, bound_cells);
  s.chosen = best_overall(candidates, m);
  if (quotas.bounds.empty() || m == 0) {
    s.solver = "best scores (no quotas): optimal";
  } else {
    for (const std::string& conflict : quota_conflicts(cells, s.quotas, m))
      s.warnings.push_back("quotas that cannot all be met: " + conflict);
    std::vector<std::size_t> cell_of(candidates.size());
    for (std::size_t c = 0; c < cells.members.size(); ++c)
      for (std::size_t i : cells.members[c]) cell_of[i] = c;
    std::vector<std::uint64_t> start(cells.strata.size(), 0);
    for (std::size_t i : s.chosen) ++start[cell_of[i]];
    QuotaProgram program(cells, candidates, s.quotas, bound_cells, m, options.merge_equal_scores);
    const QuotaProgram::Outcome solved = program.solve(start, options);
    s.chosen.clear();
    for (std::size_t c = 0; c < solved.take.size(); ++c)
      for (std::uint64_t k = 0; k < solved.take[c]; ++k) s.chosen.push_back(cells.members[c][k]);
    std::sort(s.chosen.begin(), s.chosen.end(),
              [&](std::size_t a, std::size_t b) { return better(candidates[a], candidates[b]); });
    s.optimal = solved.optimal;
    s.solver = "GLPK mixed-integer program over " + std::to_string(cells.strata.size()) + " strata cells (" +
               std::to_string(program.columns()) + " columns): " + (solved.optimal ? "optimal" : "time limit");
    s.warnings.insert(s.warnings.end(), solved.warnings.begin(), solved.warnings.end());
  }
  tally(s, candidates);
  return s;
}

}  // namespace molsieve::cohort
