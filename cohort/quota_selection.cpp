#include "cohort/quota_selection.h"

#include <glpk.h>
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <fstream>
#include <map>
#include <memory>
#include <numeric>
#include <sstream>

#include "cohort/vocabulary.h"
#include "core/error.h"

namespace molsieve::cohort {

const char* const kDimensionNames[kDimensions] = {"sex", "race", "ethnicity", "age_group"};

namespace {

using nlohmann::json;

[[noreturn]] void fail(const std::string& where, const std::string& path, const std::string& message) {
  throw Error(where + ": " + path + ": " + message);
}

double share(const json& value, const std::string& where, const std::string& path) {
  if (!value.is_number()) fail(where, path, "expected a share between 0 and 1");
  const double s = value.get<double>();
  if (s < 0 || s > 1) fail(where, path, "a share must be between 0 and 1");
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
  json doc;
  try {
    doc = json::parse(json_text);
  } catch (const json::parse_error& e) {
    throw Error(where + ": not valid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const json::exception& e) {  // a number beyond a double's range, say
    throw Error(where + ": not valid JSON: " + e.what());
  }
  if (!doc.is_object()) fail(where, "/", "expected an object");
  Quotas q;
  // Age groups first: the age_group quotas name them (JSON objects have no key order).
  if (doc.contains("age_groups")) {
    const json& groups = doc["age_groups"];
    if (!groups.is_array()) fail(where, "/age_groups", "expected an array");
    for (std::size_t i = 0; i < groups.size(); ++i) {
      const json& g = groups[i];
      const std::string path = "/age_groups/" + std::to_string(i);
      if (!g.is_object() || !g.contains("label") || !g.contains("min") || !g.contains("max") ||
          !g["label"].is_string() || !g["min"].is_number_integer() || !g["max"].is_number_integer())
        fail(where, path, "expected {\"label\": text, \"min\": age, \"max\": age}");
      AgeGroup group{g["label"].get<std::string>(), g["min"].get<int>(), g["max"].get<int>()};
      if (group.min > group.max) fail(where, path, "min is above max");
      for (const AgeGroup& other : q.age_groups)
        if (group.min <= other.max && other.min <= group.max) fail(where, path, "overlaps group " + other.label);
      q.age_groups.push_back(group);
    }
  }
  for (const auto& item : doc.items()) {
    const std::string key = item.key();
    if (key == "age_groups") continue;
    const auto dim = std::find(std::begin(kDimensionNames), std::end(kDimensionNames), key);
    if (dim == std::end(kDimensionNames))
      fail(where, "/" + key, "unknown key (age_groups, sex, race, ethnicity, age_group)");
    const int dimension = static_cast<int>(dim - std::begin(kDimensionNames));
    if (!item.value().is_object()) fail(where, "/" + key, "expected an object of categories");
    for (const auto& category : item.value().items()) {
      const std::string path = "/" + key + "/" + category.key();
      QuotaBound b;
      b.dimension = dimension;
      b.category = category.key();
      b.path = path;
      const auto known = known_categories(dimension);
      if (dimension == 3) {
        if (std::none_of(q.age_groups.begin(), q.age_groups.end(), [&](const AgeGroup& g) { return g.label == b.category; }) &&
            b.category != "other")
          fail(where, path, "no age group so labelled in /age_groups");
      } else if (std::find(known.begin(), known.end(), b.category) == known.end()) {
        std::string list;
        for (const auto& k : known) list += (list.empty() ? "" : ", ") + k;
        fail(where, path, "unknown category (" + list + ")");
      }
      const json& bounds = category.value();
      if (!bounds.is_object()) fail(where, path, "expected {\"min\": share, \"max\": share}");
      for (const auto& bound : bounds.items()) {
        if (bound.key() == "min")
          b.min_share = share(bound.value(), where, path + "/min");
        else if (bound.key() == "max")
          b.max_share = share(bound.value(), where, path + "/max");
        else
          fail(where, path + "/" + bound.key(), "unknown key (min, max)");
      }
      if (b.min_share > b.max_share) fail(where, path, "min is above max");
      q.bounds.push_back(b);
    }
  }
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

Selection select_cohort(const std::vector<SelectionCandidate>& candidates, std::uint64_t size, const Quotas& quotas) {
  Selection s;
  s.requested = size;
  const std::uint64_t m = std::min<std::uint64_t>(size, candidates.size());
  const Cells cells = group_cells(candidates);
  const std::size_t c_count = cells.strata.size();
  // Quota bounds in patients, and which cells each bound counts.
  std::vector<std::vector<int>> bound_cells(quotas.bounds.size());
  for (std::size_t b = 0; b < quotas.bounds.size(); ++b) {
    const QuotaBound& bound = quotas.bounds[b];
    QuotaOutcome o;
    o.bound = bound;
    o.min_count = static_cast<std::uint64_t>(std::ceil(bound.min_share * m - 1e-9));
    o.max_count = static_cast<std::uint64_t>(std::floor(bound.max_share * m + 1e-9));
    for (std::size_t c = 0; c < c_count; ++c)
      if (cells.strata[c][bound.dimension] == bound.category) {
        bound_cells[b].push_back(static_cast<int>(c));
        o.eligible += cells.members[c].size();
      }
    s.quotas.push_back(o);
  }
  std::vector<std::uint64_t> take(c_count, 0);
  if (quotas.bounds.empty() || m == 0) {
    // Without quotas the best m overall are optimal.
    std::vector<std::size_t> order(candidates.size());
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + m, order.end(),
                      [&](std::size_t a, std::size_t b) { return better(candidates[a], candidates[b]); });
    s.chosen.assign(order.begin(), order.begin() + m);
    s.solver = "best scores (no quotas): optimal";
  } else {
    glp_term_out(GLP_OFF);
    // Columns: x_c (integer, patients taken from cell c), lo_b and hi_b (shortfall below the
    // minimum / excess over the maximum of bound b), then y_ck in [0, 1] (k-th best of cell c).
    Problem problem;
    glp_prob* p = problem.p;
    const int nb = static_cast<int>(quotas.bounds.size());
    const int x0 = 1, lo0 = x0 + static_cast<int>(c_count), hi0 = lo0 + nb, y0 = hi0 + nb;
    std::vector<int> y_first(c_count);
    int columns = y0 - 1;
    for (std::size_t c = 0; c < c_count; ++c) {
      y_first[c] = columns + 1;
      columns += static_cast<int>(std::min<std::uint64_t>(cells.members[c].size(), m));
    }
    glp_add_cols(p, columns);
    for (std::size_t c = 0; c < c_count; ++c) {
      const double most = static_cast<double>(std::min<std::uint64_t>(cells.members[c].size(), m));
      glp_set_col_bnds(p, x0 + static_cast<int>(c), most > 0 ? GLP_DB : GLP_FX, 0, most);
      glp_set_col_kind(p, x0 + static_cast<int>(c), GLP_IV);
      for (int k = 0; k < static_cast<int>(most); ++k) glp_set_col_bnds(p, y_first[c] + k, GLP_DB, 0, 1);
    }
    for (int b = 0; b < nb; ++b) {
      glp_set_col_bnds(p, lo0 + b, GLP_LO, 0, 0);
      glp_set_col_bnds(p, hi0 + b, GLP_LO, 0, 0);
    }
    // Rows: total, 2 per bound, 1 per cell (x_c = sum_k y_ck), and the shortfall cap (phase 2).
    std::vector<int> ia{0}, ja{0};
    std::vector<double> ar{0};
    auto entry = [&](int row, int column, double value) {
      ia.push_back(row);
      ja.push_back(column);
      ar.push_back(value);
    };
    const int total_row = glp_add_rows(p, 1);
    glp_set_row_bnds(p, total_row, GLP_FX, static_cast<double>(m), static_cast<double>(m));
    for (std::size_t c = 0; c < c_count; ++c) entry(total_row, x0 + static_cast<int>(c), 1);
    for (int b = 0; b < nb; ++b) {
      const int row_min = glp_add_rows(p, 2), row_max = row_min + 1;
      glp_set_row_bnds(p, row_min, GLP_LO, static_cast<double>(s.quotas[b].min_count), 0);
      glp_set_row_bnds(p, row_max, GLP_UP, 0, static_cast<double>(s.quotas[b].max_count));
      for (int c : bound_cells[b]) {
        entry(row_min, x0 + c, 1);
        entry(row_max, x0 + c, 1);
      }
      entry(row_min, lo0 + b, 1);
      entry(row_max, hi0 + b, -1);
    }
    for (std::size_t c = 0; c < c_count; ++c) {
      const int row = glp_add_rows(p, 1);
      glp_set_row_bnds(p, row, GLP_FX, 0, 0);
      entry(row, x0 + static_cast<int>(c), 1);
      const int most = static_cast<int>(std::min<std::uint64_t>(cells.members[c].size(), m));
      for (int k = 0; k < most; ++k) entry(row, y_first[c] + k, -1);
    }
    const int cap_row = glp_add_rows(p, 1);
    glp_set_row_bnds(p, cap_row, GLP_FR, 0, 0);
    for (int b = 0; b < nb; ++b) {
      entry(cap_row, lo0 + b, 1);
      entry(cap_row, hi0 + b, 1);
    }
    glp_load_matrix(p, static_cast<int>(ia.size()) - 1, ia.data(), ja.data(), ar.data());

    glp_iocp parameters;
    glp_init_iocp(&parameters);
    parameters.presolve = GLP_ON;
    parameters.msg_lev = GLP_MSG_OFF;
    auto solve = [&](const char* phase) {
      if (glp_intopt(p, &parameters) != 0 || glp_mip_status(p) != GLP_OPT)
        throw Error(std::string("cohort selection: the ") + phase + " could not be solved to optimality");
    };
    // Phase 1: the least total shortfall.
    glp_set_obj_dir(p, GLP_MIN);
    for (int b = 0; b < nb; ++b) {
      glp_set_obj_coef(p, lo0 + b, 1);
      glp_set_obj_coef(p, hi0 + b, 1);
    }
    solve("quota phase");
    const double least_shortfall = std::round(glp_mip_obj_val(p));
    // Phase 2: the best total score among selections with that shortfall.
    glp_set_row_bnds(p, cap_row, GLP_UP, 0, least_shortfall + 0.5);
    for (int b = 0; b < nb; ++b) {
      glp_set_obj_coef(p, lo0 + b, 0);
      glp_set_obj_coef(p, hi0 + b, 0);
    }
    glp_set_obj_dir(p, GLP_MAX);
    for (std::size_t c = 0; c < c_count; ++c) {
      const int most = static_cast<int>(std::min<std::uint64_t>(cells.members[c].size(), m));
      for (int k = 0; k < most; ++k) glp_set_obj_coef(p, y_first[c] + k, candidates[cells.members[c][k]].score);
    }
    solve("score phase");
    for (std::size_t c = 0; c < c_count; ++c) {
      take[c] = static_cast<std::uint64_t>(std::llround(glp_mip_col_val(p, x0 + static_cast<int>(c))));
      for (std::uint64_t k = 0; k < take[c]; ++k) s.chosen.push_back(cells.members[c][k]);
    }
    std::sort(s.chosen.begin(), s.chosen.end(),
              [&](std::size_t a, std::size_t b) { return better(candidates[a], candidates[b]); });
    s.solver = "GLPK mixed-integer program over " + std::to_string(c_count) + " strata cells: optimal";
  }
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
  return s;
}

}  // namespace molsieve::cohort
