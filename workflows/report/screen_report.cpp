#include "workflows/report/screen_report.h"
#include "workflows/report/html.h"

#include <nlohmann/json.hpp>
#include <toml++/toml.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <map>
#include <sstream>

#include "chem/depiction.h"
#include "core/error.h"
#include "core/sha256.h"
#include "models/drug_target.h"
#include "models/model.h"
#include "models/occlusion.h"
#include "models/proteins.h"
#include "workflows/results/results_store.h"

namespace molsieve::workflows {
namespace {

// A model term's domain flag: -1 for a model without a training set (imported), whose domain
// is unknown rather than left.
std::string domain_cell(std::int8_t inside) {
  if (inside < 0) return "unknown";
  return inside == 1 ? "yes" : "<span class='warn'>no</span>";
}

using html::escape;
using html::fixed;
std::string count(std::uint64_t n) { return html::thousands(n); }  // molecules: no suppression
const char* const kStyle = html::kStyle;

// A colour from dark blue (0) through teal to yellow (1), as in viridis.
std::string ramp_colour(double t) {
  static const double stops[5][3] = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
  t = std::clamp(t, 0.0, 1.0) * 4;
  const int i = std::min(3, static_cast<int>(t));
  const double f = t - i;
  char text[16];
  std::snprintf(text, sizeof text, "#%02x%02x%02x", static_cast<int>(stops[i][0] + f * (stops[i + 1][0] - stops[i][0])),
                static_cast<int>(stops[i][1] + f * (stops[i + 1][1] - stops[i][1])),
                static_cast<int>(stops[i][2] + f * (stops[i + 1][2] - stops[i][2])));
  return text;
}

std::string histogram_svg(const std::vector<double>& values, const std::string& label) {
  std::vector<double> v;
  for (double x : values)
    if (!std::isnan(x)) v.push_back(x);
  std::ostringstream svg;
  const int w = 360, h = 180, left = 40, bottom = 30, bins = 30;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h << "'>";
  if (v.empty()) return svg.str() + "<text x='10' y='20'>no values</text></svg>";
  const auto [lo_it, hi_it] = std::minmax_element(v.begin(), v.end());
  const double lo = *lo_it, hi = *hi_it > *lo_it ? *hi_it : *lo_it + 1;
  std::vector<int> counts(bins, 0);
  for (double x : v) ++counts[std::min(bins - 1, static_cast<int>((x - lo) / (hi - lo) * bins))];
  const int most = *std::max_element(counts.begin(), counts.end());
  const double bw = static_cast<double>(w - left - 10) / bins;
  for (int b = 0; b < bins; ++b) {
    const double bh = most ? (h - bottom - 10) * counts[b] / static_cast<double>(most) : 0;
    svg << "<rect x='" << left + b * bw << "' y='" << h - bottom - bh << "' width='" << bw - 1 << "' height='" << bh
        << "' fill='#3b528b'/>";
  }
  svg << "<line x1='" << left << "' y1='" << h - bottom << "' x2='" << w - 10 << "' y2='" << h - bottom
      << "' stroke='#333'/>";
  svg << "<text x='" << left << "' y='" << h - 12 << "' font-size='11'>" << fixed(lo) << "</text>";
  svg << "<text x='" << w - 10 << "' y='" << h - 12 << "' font-size='11' text-anchor='end'>" << fixed(hi) << "</text>";
  svg << "<text x='" << (w + left) / 2 << "' y='" << h - 2 << "' font-size='12' text-anchor='middle'>" << escape(label)
      << " (n = " << count(v.size()) << ")</text>";
  svg << "<text x='4' y='16' font-size='11'>" << most << "</text></svg>";
  return svg.str();
}

// The property plot's axes; molecules outside them are drawn at the nearest edge.
constexpr double kMwAxis[2] = {0, 800}, kClogpAxis[2] = {-6, 10};

// Valid molecules the property plot draws at an edge because they lie outside its axes.
std::size_t clamped_points(const ResultTable& t) {
  const auto& mw = t.at("mw").numbers;
  const auto& clogp = t.at("clogp").numbers;
  std::size_t n = 0;
  for (std::size_t r = 0; r < t.rows(); ++r)
    n += !std::isnan(mw[r]) && !std::isnan(clogp[r]) &&
         (mw[r] < kMwAxis[0] || mw[r] > kMwAxis[1] || clogp[r] < kClogpAxis[0] || clogp[r] > kClogpAxis[1]);
  return n;
}

// MW against cLogP, coloured by score (grey: not scored); selected candidates ringed.
std::string property_plot_svg(const ResultTable& t) {
  const auto& mw = t.at("mw").numbers;
  const auto& clogp = t.at("clogp").numbers;
  const auto& score = t.at("score").numbers;
  const auto& selected = t.at("selection_rank").integers;
  const int w = 560, h = 380, left = 50, bottom = 40;
  const double x0 = kMwAxis[0], x1 = kMwAxis[1], y0 = kClogpAxis[0], y1 = kClogpAxis[1];
  auto px = [&](double x) { return left + (std::clamp(x, x0, x1) - x0) / (x1 - x0) * (w - left - 10); };
  auto py = [&](double y) { return h - bottom - (std::clamp(y, y0, y1) - y0) / (y1 - y0) * (h - bottom - 10); };
  std::ostringstream svg;
  svg << "<svg xmlns='http://www.w3.org/2000/svg' width='" << w << "' height='" << h << "'>";
  const std::size_t stride = std::max<std::size_t>(1, t.rows() / 5000);  // at most about 5,000 points
  for (int pass = 0; pass < 2; ++pass)  // unscored first, so scored points stay visible
    for (std::size_t r = 0; r < t.rows(); r += stride) {
      if (std::isnan(mw[r]) || std::isnan(clogp[r]) || std::isnan(score[r]) != (pass == 0)) continue;
      svg << "<circle cx='" << fixed(px(mw[r]), 1) << "' cy='" << fixed(py(clogp[r]), 1) << "' r='2' fill='"
          << (std::isnan(score[r]) ? std::string("#c8c8c8") : ramp_colour(score[r])) << "'/>";
    }
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (selected[r] > 0)
      svg << "<circle cx='" << fixed(px(mw[r]), 1) << "' cy='" << fixed(py(clogp[r]), 1)
          << "' r='4.5' fill='none' stroke='#d62728' stroke-width='1.5'/>";
  svg << "<line x1='" << left << "' y1='" << h - bottom << "' x2='" << w - 10 << "' y2='" << h - bottom << "' stroke='#333'/>";
  svg << "<line x1='" << left << "' y1='10' x2='" << left << "' y2='" << h - bottom << "' stroke='#333'/>";
  for (double x = 0; x <= 800; x += 200)
    svg << "<text x='" << px(x) << "' y='" << h - bottom + 14 << "' font-size='11' text-anchor='middle'>" << x << "</text>";
  for (double y = -5; y <= 10; y += 5)
    svg << "<text x='" << left - 6 << "' y='" << py(y) + 4 << "' font-size='11' text-anchor='end'>" << y << "</text>";
  svg << "<text x='" << (w + left) / 2 << "' y='" << h - 6 << "' font-size='12' text-anchor='middle'>MW (Da)</text>";
  svg << "<text x='12' y='" << h / 2 << "' font-size='12' transform='rotate(-90 12 " << h / 2
      << ")' text-anchor='middle'>cLogP</text></svg>";
  return svg.str();
}

struct ReportModel {
  std::string name, path, recorded_sha256;
  nlohmann::json card;
  bool affinity = false;
  std::vector<std::string> tasks;
  std::vector<std::string> scored;  // affinity: the scored task; toxicity: the risk tasks
  // For explanations, when the store at `path` is the one the screen used: a model of
  // molecules alone, or a drug-target model and the scored protein's sequence ...
  std::unique_ptr<models::Model> molecule_model;
  std::unique_ptr<models::DrugTargetModel> drug_target;
  std::string target_sequence;
  std::unique_ptr<models::DrawnMolecules> drawn;  // the model's featurization of a drawing
  std::string unexplained;  // ... else why not (naming the file)
};

// A selectivity panel of the job: its name and off-targets (columns <name>:<target>).
struct ReportPanel {
  std::string name;
  std::vector<std::string> targets;
};

// Selected candidates x a panel's off-targets, each cell coloured on the ramp from the
// table's lowest to its highest predicted affinity.
std::string panel_heat_map(const ResultTable& t, const ReportPanel& panel, const std::vector<std::int64_t>& selection,
                           std::size_t shown) {
  double low = 0, high = 0;
  bool any = false;
  for (std::size_t k = 0; k < shown; ++k)
    for (const auto& target : panel.targets) {
      const double v = t.at(panel.name + ":" + target).numbers[static_cast<std::size_t>(selection[k])];
      if (std::isnan(v)) continue;
      low = any ? std::min(low, v) : v;
      high = any ? std::max(high, v) : v;
      any = true;
    }
  std::ostringstream html;
  html << "<table><tr><th>candidate</th><th>margin</th>";
  for (const auto& target : panel.targets) html << "<th>" << escape(target) << "</th>";
  html << "</tr>";
  for (std::size_t k = 0; k < shown; ++k) {
    const auto r = static_cast<std::size_t>(selection[k]);
    html << "<tr><td>#" << k + 1 << " " << escape(t.at("id").texts[r]) << "</td><td>"
         << fixed(t.at(panel.name + "_margin").numbers[r], 2) << "</td>";
    for (const auto& target : panel.targets) {
      const double v = t.at(panel.name + ":" + target).numbers[r];
      const double shade = high > low ? (v - low) / (high - low) : 0.5;
      html << "<td style='background:" << ramp_colour(shade) << ";color:" << (shade > 0.6 ? "#000" : "#fff") << "'>"
           << fixed(v, 2) << "</td>";
    }
    html << "</tr>";
  }
  html << "</table>";
  return html.str();
}

// The job's models (loaded for explanations where `explain`) and its selectivity panels.
struct ReportModels {
  std::vector<ReportModel> models;
  std::vector<ReportPanel> panels;
};

// The sequence of the protein a drug-target term scored: the job's sequence when its term of
// this name gives one, else the target of the model's protein table that the term's column
// <task>:<target> names. Empty when neither has it.
std::string scored_sequence(const ReportModel& rm, const std::string& job_text) {
  try {
    const toml::table job = toml::parse(job_text);
    if (const toml::array* terms = job["affinity"].as_array())
      for (const toml::node& entry : *terms) {
        const toml::node_view<const toml::node> term{entry};
        const std::string model = term["model"].value_or(std::string());
        if (term["sequence"] && term["name"].value_or(std::filesystem::path(model).stem().string()) == rm.name)
          return models::checked_sequence(term["sequence"].value_or(std::string()), "affinity.sequence");
      }
  } catch (const toml::parse_error&) {
    // Not the job the screen read (that one parsed): only the protein table can tell.
  }
  const std::string target = rm.scored.front().substr(rm.scored.front().find(':') + 1);
  const models::ProteinTable& table = rm.drug_target->proteins();
  return table.find(target) < table.size() ? table.sequence(table.find(target)) : std::string();
}

// Loads `rm`'s model for explanations; returns why it cannot be (naming the file), or "".
std::string load_for_explanations(ReportModel& rm, const std::string& job_text) {
  if (!std::filesystem::exists(rm.path)) return "no model store at " + rm.path;
  try {
    const std::string now = sha256_file(rm.path);
    if (now != rm.recorded_sha256)
      return rm.path + " has changed since the screen (SHA-256 " + now + ", the screen's " + rm.recorded_sha256 + ")";
    if (!rm.card.contains("protein_encoder")) {
      rm.molecule_model = std::make_unique<models::Model>(models::Model::load(rm.path));
      rm.drawn = std::make_unique<models::DrawnMolecules>(rm.molecule_model->card());
      return {};
    }
    rm.drug_target = std::make_unique<models::DrugTargetModel>(models::DrugTargetModel::load(rm.path));
    rm.target_sequence = scored_sequence(rm, job_text);
  } catch (const Error& e) {
    return e.what();
  }
  if (!rm.target_sequence.empty()) {
    rm.drawn = std::make_unique<models::DrawnMolecules>(rm.drug_target->card());
    return {};
  }
  rm.drug_target.reset();
  return "the sequence of the protein of " + rm.scored.front() + " is neither in the protein table of " + rm.path +
         " nor in the job";
}

ReportModels report_models(const ResultsProvenance& provenance, bool explain) {
  const auto& roles = provenance.model_roles;
  ReportModels out;
  for (std::size_t m = 0; m < provenance.models.size(); ++m) {
    if (roles[m].rfind("selectivity:", 0) == 0) {
      ReportPanel panel{provenance.models[m], {}};
      std::stringstream list(roles[m].substr(roles[m].find(':') + 1));
      for (std::string target; std::getline(list, target, ',');) panel.targets.push_back(target);
      out.panels.push_back(std::move(panel));
      continue;
    }
    ReportModel rm;
    rm.name = provenance.models[m];
    rm.path = provenance.model_paths[m];
    rm.recorded_sha256 = provenance.model_sha256[m];
    rm.card = nlohmann::json::parse(provenance.model_cards[m]);
    rm.affinity = roles[m].rfind("affinity:", 0) == 0;
    rm.tasks = rm.card.at("tasks").get<std::vector<std::string>>();
    std::stringstream list(roles[m].substr(roles[m].find(':') + 1));
    for (std::string task; std::getline(list, task, ',');) rm.scored.push_back(task);
    // A drug-target term's one column is <task>:<protein>, its role's scored task.
    if (rm.card.contains("protein_encoder")) rm.tasks = rm.scored;
    rm.unexplained = explain ? load_for_explanations(rm, provenance.job_text) : "not asked for (--no-explain)";
    out.models.push_back(std::move(rm));
  }
  return out;
}

// How many molecules each stage keeps, and why the filters removed the others.
void write_funnel(std::ostringstream& html, const ResultTable& t, std::size_t selected) {
  const std::uint64_t rows = t.rows();
  std::map<std::string, std::uint64_t> removed;
  std::uint64_t valid = 0, passed = 0;
  for (std::size_t r = 0; r < rows; ++r) {
    valid += t.at("valid").flags[r] == 1;
    passed += t.at("passes_filters").flags[r] == 1;
    if (!t.at("passes_filters").flags[r]) ++removed[t.at("filter_reason").texts[r]];
  }
  html << "<h2>Filter funnel</h2><table><tr><th>stage</th><th>molecules</th></tr>";
  html << "<tr><td>library records</td><td>" << count(rows) << "</td></tr>";
  html << "<tr><td>read by RDKit (valid)</td><td>" << count(valid) << "</td></tr>";
  html << "<tr><td>passed every filter (scored)</td><td>" << count(passed) << "</td></tr>";
  html << "<tr><td>diverse selection</td><td>" << count(selected) << "</td></tr></table>";
  std::vector<std::pair<std::uint64_t, std::string>> reasons;
  for (const auto& [reason, n] : removed) reasons.emplace_back(n, reason);
  std::sort(reasons.rbegin(), reasons.rend());
  html << "<p>Removed, by the first filter each molecule failed:</p><table><tr><th>filter</th><th>molecules</th></tr>";
  for (const auto& [n, reason] : reasons) html << "<tr><td>" << escape(reason) << "</td><td>" << count(n) << "</td></tr>";
  html << "</table>";
}

// Histograms of the scores and predictions, and the property plot.
void write_distributions(std::ostringstream& html, const ResultTable& t, const std::vector<ReportModel>& models) {
  html << "<h2>Score distributions</h2><div class='figures'>";
  std::vector<double> passing_scores;
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (t.at("passes_filters").flags[r] == 1) passing_scores.push_back(t.at("score").numbers[r]);
  html << histogram_svg(passing_scores, "composite score");
  for (const auto& m : models) {
    if (m.affinity)
      for (const auto& task : m.tasks) html << histogram_svg(t.at(task).numbers, m.name + ": " + task);
    else
      html << histogram_svg(t.at(m.name + "_max").numbers, m.name + ": highest risk");
  }
  if (t.find("reference_similarity")) html << histogram_svg(t.at("reference_similarity").numbers, "similarity to nearest reference");
  html << "</div><h2>Property space</h2><p class='small'>MW against cLogP for every valid molecule (at most about "
          "5,000 drawn), coloured by score from dark blue (0) to yellow (1), grey where not scored; the selection "
          "ringed in red. "
       << (clamped_points(t) == 0 ? std::string("Every molecule lies within the axes.")
                                  : count(clamped_points(t)) + " molecule(s) outside the axes (MW 0 to 800 Da, cLogP -6 "
                                    "to 10) are drawn at the nearest edge.")
       << "</p>" << property_plot_svg(t);
}

// The task of `m` whose prediction row `r`'s drawing explains: an affinity model's scored
// task, a toxicity model's riskiest risk task.
std::size_t explained_task(const ResultTable& t, std::size_t r, const ReportModel& m) {
  std::size_t task = std::find(m.tasks.begin(), m.tasks.end(), m.scored.front()) - m.tasks.begin();
  for (const auto& risk : m.scored) {
    const std::size_t i = std::find(m.tasks.begin(), m.tasks.end(), risk) - m.tasks.begin();
    if (!m.affinity && t.at(m.tasks[i]).numbers[r] > t.at(m.tasks[task]).numbers[r]) task = i;
  }
  return task;
}

// Row `r`'s per-atom occlusion contributions to `m`'s prediction of `task`, or why there are none.
std::vector<double> explain_row(const ResultTable& t, std::size_t r, const ReportModel& m, std::size_t task,
                                std::string& why) {
  if (!m.unexplained.empty()) {
    why = m.unexplained;
    return {};
  }
  const models::MoleculeSet one = m.drawn->featurize(t.at("smiles").texts[r]);
  if (!one.valid(0)) {
    why = "RDKit cannot read its SMILES (" + one.errors[0] + ")";
    return {};
  }
  if (one.graphs[0].atoms() < 2) {
    why = "a single atom: no graph is left to predict on without it";
    return {};
  }
  return m.drug_target ? models::occlusion_contributions(*m.drug_target, one, 0, m.target_sequence)
                       : models::occlusion_contributions(*m.molecule_model, one, 0, task);
}

// Row `r`'s depictions, each shaded by occlusion: one per affinity model, one for the first
// toxicity model, and one per property term that scores a model's task (the ERalpha agonism
// a job ranks by is explained, not only its risks); a plain drawing says why when a model's
// cannot be made.
void write_drawings(std::ostringstream& html, const ResultTable& t, std::size_t r, const std::vector<ReportModel>& models,
                    const std::vector<ScoreTerm>& terms) {
  const std::string& smiles = t.at("smiles").texts[r];
  struct Drawing {
    const ReportModel* model;
    std::size_t task;
    std::string term;  // the score term it explains
  };
  std::vector<Drawing> drawings;
  bool toxicity_drawn = false;
  for (const auto& m : models) {
    if (!m.affinity && toxicity_drawn) continue;
    toxicity_drawn = toxicity_drawn || !m.affinity;
    drawings.push_back({&m, explained_task(t, r, m), m.name});
  }
  for (const ScoreTerm& term : terms)
    for (const auto& m : models) {
      const auto task = std::find(m.tasks.begin(), m.tasks.end(), term.value);
      if (term.kind != "property" || task == m.tasks.end()) continue;
      const Drawing drawing{&m, static_cast<std::size_t>(task - m.tasks.begin()), term.name};
      if (std::none_of(drawings.begin(), drawings.end(),
                       [&](const Drawing& d) { return d.model == drawing.model && d.task == drawing.task; }))
        drawings.push_back(drawing);
      break;
    }
  std::vector<std::string> unexplained;
  for (const Drawing& d : drawings) {
    std::string why;
    const std::vector<double> weights = explain_row(t, r, *d.model, d.task, why);
    if (!why.empty()) {
      unexplained.push_back(d.term + ": " + why);
      continue;
    }
    html << "<figure>" << chem::svg_depiction(smiles, 260, 200, weights) << "<figcaption>" << escape(d.term) << ": "
         << escape(d.model->tasks[d.task]) << "</figcaption></figure>";
  }
  if (unexplained.empty()) return;
  html << "<figure>" << chem::svg_depiction(smiles, 260, 200) << "<figcaption>";
  for (std::size_t i = 0; i < unexplained.size(); ++i)
    html << (i ? "<br>" : "") << "(no explanation from " << escape(unexplained[i]) << ")";
  html << "</figcaption></figure>";
}

// Row `r`'s predictions per model and task, its score terms and its nearest reference.
void write_candidate_tables(std::ostringstream& html, const ResultTable& t, std::size_t r,
                            const std::vector<ReportModel>& models, const std::vector<ScoreTerm>& terms) {
  html << "<table><tr><th>model</th><th>prediction</th><th>68% interval (probability: the ensemble's spread)</th>"
          "<th>95% interval</th><th>in domain</th><th>nearest training similarity</th></tr>";
  for (const auto& m : models) {
    for (const auto& task : m.tasks) {
      const double value = t.at(task).numbers[r];
      const bool high_risk =
          !m.affinity && value >= 0.5 && std::find(m.scored.begin(), m.scored.end(), task) != m.scored.end();
      const Column* lo95 = t.find(task + "_lo95");  // regression only (and stores that have it)
      const Column* lo68 = t.find(task + "_lo68");  // ... and stores written since it was added
      const std::string spread = lo68 ? fixed(lo68->numbers[r], 2) + " to " + fixed(t.at(task + "_hi68").numbers[r], 2)
                                      : "± " + fixed(t.at(task + "_std").numbers[r], 3);
      html << "<tr><td>" << escape(m.name) << ": " << escape(task) << "</td><td" << (high_risk ? " class='warn'" : "")
           << ">" << fixed(value, m.affinity ? 2 : 3) << "</td><td>" << spread << "</td><td>"
           << (lo95 ? fixed(lo95->numbers[r], 2) + " to " + fixed(t.at(task + "_hi95").numbers[r], 2)
                    : std::string("(probability)"))
           << "</td><td>" << domain_cell(t.at(m.name + "_in_domain").flags[r])
           << "</td><td>" << fixed(t.at(m.name + "_similarity").numbers[r]) << "</td></tr>";
    }
  }
  html << "</table>";
  if (!terms.empty()) {
    html << "<table><tr><th>score term</th><th>value</th><th>desirability</th><th>weight</th></tr>";
    for (const ScoreTerm& term : terms)
      html << "<tr><td>" << escape(term.name) << " (" << escape(term.kind) << ": " << escape(term.value) << ")</td><td>"
           << fixed(t.at(term.value).numbers[r], 3) << "</td><td>" << fixed(t.at(term.desirability).numbers[r], 3)
           << "</td><td>" << term.weight << "</td></tr>";
    html << "</table><p class='small'>The score is the weighted geometric mean of the desirabilities.</p>";
  }
  if (t.find("nearest_reference"))
    html << "<p class='small'>Nearest reference active: " << escape(t.at("nearest_reference").texts[r]) << " (similarity "
         << fixed(t.at("reference_similarity").numbers[r]) << "). MW " << fixed(t.at("mw").numbers[r], 1) << ", cLogP "
         << fixed(t.at("clogp").numbers[r]) << ", QED " << fixed(t.at("qed").numbers[r]) << ".</p>";
}

// Row `r`'s copies in the library and the library's own columns (ids, vendor codes, measured
// values), as the results store carries them.
void write_library_fields(std::ostringstream& html, const ResultsStore& store, const ResultTable& t, std::size_t r) {
  if (const Column* copies = t.find(kCopiesColumn); copies && !copies->texts[r].empty())
    html << "<br><span class='small'>Also in the library as: " << escape(copies->texts[r]) << "</span>";
  const std::vector<std::string> inputs = store.input_columns();
  if (inputs.empty()) return;
  html << "<br><span class='small'>Library columns: ";
  for (std::size_t k = 0; k < inputs.size(); ++k) {
    const Column& c = t.at(inputs[k]);
    std::string value = c.kind == ColumnKind::Text ? c.texts[r] : std::string();
    if (c.kind != ColumnKind::Text && !std::isnan(c.numbers[r])) {
      char text[32];
      std::snprintf(text, sizeof text, "%.6g", c.numbers[r]);  // as the library wrote it, mostly
      value = text;
    }
    html << (k ? "; " : "") << escape(inputs[k]) << " = " << escape(value.empty() ? "(empty)" : value);
  }
  html << "</span>";
}

// The first `shown` candidates of the selection in full (or why there are none).
void write_candidates(std::ostringstream& html, const ResultsStore& store, const ResultTable& t,
                      const std::vector<std::int64_t>& selection, std::size_t shown, const std::vector<ReportModel>& models,
                      const std::vector<ScoreTerm>& terms) {
  html << "<h2>Top candidates</h2><p class='small'>In selection order. Drawings shade each atom by its occlusion "
          "contribution (prediction of the molecule minus the prediction with the atom removed from the graph): "
          "green raises the predicted value (a drug-target model's: the affinity to the scored protein), red lowers it. "
          "For toxicity, green marks atoms that raise the risk.</p>";
  if (selection.empty()) {
    const std::string rule = store.counts().selection_rule;
    html << "<p class='warn'><b>No candidate selected.</b> The selection takes molecules that are "
         << escape(rule.empty() ? std::string("scored") : rule)
         << "; none qualified. Every affinity prediction for this library is an extrapolation from the model's "
            "training data: rank by score with <code>molsieve query</code> only as a guide for what to test.</p>";
  }
  for (std::size_t k = 0; k < shown; ++k) {
    const auto r = static_cast<std::size_t>(selection[k]);
    html << "<div class='candidate'><b>#" << k + 1 << " &nbsp; " << escape(t.at("id").texts[r]) << "</b> &nbsp; score "
         << fixed(t.at("score").numbers[r], 3) << " &nbsp; <code>" << escape(t.at("smiles").texts[r]) << "</code>";
    write_library_fields(html, store, t, r);
    html << "<div class='drawings'>";
    write_drawings(html, t, r, models, terms);
    html << "</div>";
    write_candidate_tables(html, t, r, models, terms);
    html << "</div>";
  }
}

// The selected candidates outside a model's applicability domain: "id (model)".
std::vector<std::string> outside_domain(const ResultTable& t, const std::vector<std::int64_t>& selection,
                                        const std::vector<ReportModel>& models) {
  std::vector<std::string> outside;
  for (std::size_t k = 0; k < selection.size(); ++k) {
    const auto r = static_cast<std::size_t>(selection[k]);
    for (const auto& m : models)
      if (t.at(m.name + "_in_domain").flags[r] == 0) outside.push_back(t.at("id").texts[r] + " (" + m.name + ")");
  }
  return outside;
}

// Each model's intended use and limitations, and the selected candidates outside a model's
// applicability domain.
void write_limitations(std::ostringstream& html, const std::vector<ReportModel>& models,
                       const std::vector<std::string>& outside, bool explain) {
  html << "<h2>Models and their limitations</h2>";
  for (const auto& m : models) {
    html << "<h3>" << escape(m.name) << "</h3><p>" << escape(m.card.value("intended_use", "")) << "</p><p><b>Limitations.</b> "
         << escape(m.card.value("limitations", "")) << "</p><p class='small'>Applicability domain: a molecule is in "
         << "domain when its Tanimoto similarity to the nearest training molecule is at least "
         << fixed(m.card.at("applicability_domain").value("threshold", std::nan("")), 3) << ". Store " << escape(m.path)
         << ", SHA-256 " << escape(m.recorded_sha256) << ".";
    if (explain && !m.unexplained.empty()) html << " No explanations: " << escape(m.unexplained) << ".";
    html << "</p>";
  }
  html << "<p><b>Selected candidates outside a model's applicability domain</b> (their predictions from that model are "
          "extrapolations: their intervals are as wide as the labels' own spread, and the score reads each such term "
          "at the worse end of its 68% interval, each side widened k times): "
       << (outside.empty() ? std::string("none") : std::to_string(outside.size())) << ".</p>";
  if (!outside.empty()) {
    html << "<p class='small'>";
    for (std::size_t i = 0; i < outside.size(); ++i) html << (i ? ", " : "") << escape(outside[i]);
    html << "</p>";
  }
}

// The job file and the fingerprint of every input.
void write_provenance(std::ostringstream& html, const ResultsProvenance& provenance, const std::vector<ReportModel>& models) {
  html << "<h2>Job and provenance</h2><p>Job file " << escape(provenance.job_file)
       << " (fingerprint " << escape(provenance.job_sha256) << "):</p><pre>" << escape(provenance.job_text)
       << "</pre><table><tr><th>input</th><th>SHA-256</th></tr>";
  const auto& library = provenance.library;
  const auto& library_sha = provenance.library_sha256;
  for (std::size_t i = 0; i < library.size(); ++i)
    html << "<tr><td>library: " << escape(library[i]) << "</td><td><code>" << escape(library_sha[i]) << "</code></td></tr>";
  for (const auto& m : models)
    html << "<tr><td>model " << escape(m.name) << ": " << escape(m.path) << "</td><td><code>" << escape(m.recorded_sha256)
         << "</code></td></tr>";
  const std::string& references = provenance.references;
  if (!references.empty())
    html << "<tr><td>references: " << escape(references) << "</td><td><code>"
         << escape(provenance.references_sha256) << "</code></td></tr>";
  html << "</table><p class='small'>Scored on " << escape(provenance.device) << ".</p>";
}

}  // namespace

std::string render_report(const std::string& results, const ReportOptions& options) {
  const ResultsStore store(results);
  const std::vector<ScoreTerm> terms = store.score_terms();
  const ResultTable t = store.read(0, store.rows());
  const auto selection = store.selection();
  const ResultsProvenance provenance = store.provenance();
  const ReportModels job = report_models(provenance, options.explain);

  std::ostringstream html;
  const std::string& name = provenance.job_name;
  html << "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>molsieve screen: " << escape(name)
       << "</title><style>" << kStyle << "</style></head><body>";
  html << "<h1>Screening report: " << escape(name) << "</h1>";
  html << "<p class='small'>" << escape(results) << ", written " << escape(store.created())
       << " by molsieve " << escape(store.tool_version()) << ".</p>";
  write_funnel(html, t, selection.size());
  write_distributions(html, t, job.models);
  const std::size_t shown = std::min<std::size_t>(options.candidates, selection.size());
  const std::vector<std::string> outside = outside_domain(t, selection, job.models);
  write_candidates(html, store, t, selection, shown, job.models, terms);
  for (const ReportPanel& panel : job.panels)
    html << "<h2>Selectivity panel: " << escape(panel.name)
         << "</h2><p class='small'>Predicted affinity of the top candidates against each off-target; margin: the "
            "on-target affinity minus the strongest off-target's (higher is more selective).</p>"
         << panel_heat_map(t, panel, selection, shown);
  write_limitations(html, job.models, outside, options.explain);
  write_provenance(html, provenance, job.models);
  html << "</body></html>\n";
  return html.str();
}

}  // namespace molsieve::workflows
