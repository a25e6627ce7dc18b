// The composite score on a real screen (300 NCI molecules, the small job of
// screen_test_support.h with property terms and SMARTS filters): the documented formula
// recomputed from the stored columns, no term zeroing a molecule, few ties, SMARTS filters
// and their funnel counts, and the toxicity aggregation chosen.
#include <gtest/gtest.h>

#include <GraphMol/ROMol.h>
#include <GraphMol/SmilesParse/SmilesParse.h>
#include <GraphMol/Substruct/SubstructMatch.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <map>
#include <memory>

#include "core/hdf5_file.h"
#include "screen_test_support.h"
#include "workflows/results/results_store.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;
using workflows::ResultTable;

const std::vector<std::string> kTox21Tasks = {"NR-AR",  "NR-AR-LBD", "NR-AhR", "NR-Aromatase", "NR-ER",   "NR-ER-LBD",
                                              "NR-PPAR-gamma", "SR-ARE", "SR-ATAD5", "SR-HSE", "SR-MMP", "SR-p53"};
const std::vector<std::string> kChosenRiskTasks = {"NR-AhR", "SR-MMP", "SR-p53"};

// The small job with a logD-like window on clogp, a property on a model's prediction and two
// SMARTS filters; and the small job with its Tox21 risk the mean of three named tasks.
std::string scored_job(const std::string& library) {
  return small_job(library, 100) +
         "[filters.require_smarts]\nnitrogen = \"[#7]\"\n"
         "[filters.exclude_smarts]\ncarboxylic_acid = \"[CX3](=O)[OX2H1]\"\n"
         "[[property]]\ncolumn = \"clogp\"\ndesirability = { window = [1.0, 3.0], width = 1.0 }\nweight = 0.5\n"
         "[[property]]\nname = \"ahr\"\ncolumn = \"NR-AhR\"\n"
         "desirability = { low = 0.1, high = 0.5, direction = \"decreasing\", edge = 0.2 }\n";
}
std::string mean_risk_job(const std::string& library) {
  std::string job = small_job(library, 100);
  const std::string tox = "model = \"tox21\"\n";
  job.insert(job.find(tox) + tox.size(), "risk_tasks = [\"NR-AhR\", \"SR-MMP\", \"SR-p53\"]\naggregate = \"mean\"\n");
  return job;
}

class ScoreOnNciHead : public SharedRunSuite<ScoreOnNciHead> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    write_nci_head(dir_->file("lib.smi"), 300);
    run_ = screen("scored", scored_job(dir_->file("lib.smi")));
  }
  // Screens `job` into dir_->file(name + ".h5").
  static CommandRun screen(const std::string& name, const std::string& job) {
    write_text(dir_->file(name + ".toml"), job);
    return molsieve(*dir_, "screen " + dir_->file(name + ".toml") + " -o " + dir_->file(name + ".h5") + " --threads 2 -q");
  }
  static double column(const ResultTable& t, const std::string& name, std::size_t r) { return t.at(name).numbers[r]; }
  static std::vector<std::size_t> passing(const ResultTable& t) {
    std::vector<std::size_t> rows;
    for (std::size_t r = 0; r < t.rows(); ++r)
      if (t.at("passes_filters").flags[r] == 1) rows.push_back(r);
    return rows;
  }
};

double increasing(double value, double low, double high, double edge) {
  return documented_desirability((high - value) / (high - low), edge);
}
double decreasing(double value, double low, double high, double edge) {
  return documented_desirability((value - low) / (high - low), edge);
}

TEST_F(ScoreOnNciHead, ScoreIsTheDocumentedFormulaOfTheStoredColumns) {
  const ResultTable t = read_results(dir_->file("scored.h5"));
  const auto rows = passing(t);
  ASSERT_GT(rows.size(), 50u);
  for (const std::size_t r : rows) {
    SCOPED_TRACE("row " + std::to_string(r));
    // bace: the lower end of its 68% interval (pIC50 ± 1 std inside the calibration's bands)
    // on the increasing 5..8 ramp.
    const double d_bace = increasing(column(t, "pIC50_lo68", r), 5, 8, 0.1);
    if (t.at("bace_in_domain").flags[r] == 1)
      EXPECT_NEAR(column(t, "pIC50_lo68", r), column(t, "pIC50", r) - column(t, "pIC50_std", r), 1e-9);
    // tox21: the highest of the 12 tasks' upper ends (mean + 1 std), decreasing 0.2..0.6.
    double risk = -1;
    for (const auto& task : kTox21Tasks) risk = std::max(risk, column(t, task, r) + column(t, task + "_std", r));
    const double d_tox21 = decreasing(risk, 0.2, 0.6, 0.1);
    // clogp: the window 1..3, ramps of width 1 on each side.
    const double clogp = column(t, "clogp", r);
    const double d_clogp = documented_desirability(std::max(1.0 - clogp, clogp - 3.0) / 1.0, 0.1);
    // ahr: a prediction's property, at its interval's upper end on a decreasing ramp.
    const double d_ahr = decreasing(column(t, "NR-AhR", r) + column(t, "NR-AhR_std", r), 0.1, 0.5, 0.2);
    const double d_similarity = increasing(column(t, "reference_similarity", r), 0.2, 0.6, 0.1);
    EXPECT_DOUBLE_EQ(column(t, "d_bace", r), d_bace);
    EXPECT_DOUBLE_EQ(column(t, "d_tox21", r), d_tox21);
    EXPECT_DOUBLE_EQ(column(t, "d_clogp", r), d_clogp);
    EXPECT_DOUBLE_EQ(column(t, "d_ahr", r), d_ahr);
    EXPECT_DOUBLE_EQ(column(t, "d_similarity", r), d_similarity);
    // Weights: bace 2, tox21 1, clogp 0.5, ahr 1, similarity 1.
    const double score = std::exp((2 * std::log(d_bace) + std::log(d_tox21) + 0.5 * std::log(d_clogp) +
                                   std::log(d_ahr) + std::log(d_similarity)) / 5.5);
    EXPECT_DOUBLE_EQ(column(t, "score", r), score);
  }
  // The terms as the store lists them for query and the report.
  std::vector<std::string> values;
  for (const auto& term : workflows::ResultsStore(dir_->file("scored.h5")).score_terms())
    values.push_back(term.name + "=" + term.value + "|" + term.spread);
  EXPECT_EQ(values, (std::vector<std::string>{"bace=pIC50|pIC50_std", "tox21=tox21_risk|", "clogp=clogp|",
                                              "ahr=NR-AhR|NR-AhR_std", "similarity=reference_similarity|"}));
}

// Hard limits are filters: a term scores a molecule low, never 0, so that the ranking below
// the top stays informative. The NCI molecules are far below the bace ramp (pIC50 5..8).
TEST_F(ScoreOnNciHead, NoPassingMoleculeIsZeroedByATerm) {
  const ResultTable t = read_results(dir_->file("scored.h5"));
  std::size_t below_ramp = 0, out_of_domain = 0;
  for (const std::size_t r : passing(t)) {
    EXPECT_GT(column(t, "score", r), 0.0) << "row " << r;
    for (const char* d : {"d_bace", "d_tox21", "d_clogp", "d_ahr", "d_similarity"}) EXPECT_GT(column(t, d, r), 0.0) << d;
    below_ramp += column(t, "pIC50", r) - column(t, "pIC50_std", r) < 5.0;
    out_of_domain += t.at("bace_in_domain").flags[r] == 0;
  }
  EXPECT_GT(below_ramp, 50u);  // the old clamped ramp gave each of these 0
  EXPECT_GT(out_of_domain, 50u);
}

TEST_F(ScoreOnNciHead, TiesAmongPassingMoleculesAreRare) {
  const ResultTable t = read_results(dir_->file("scored.h5"));
  const auto rows = passing(t);
  std::map<double, std::size_t> per_score;
  for (const std::size_t r : rows) ++per_score[column(t, "score", r)];
  std::size_t tied = 0;
  for (const auto& [score, n] : per_score) tied += n > 1 ? n : 0;
  EXPECT_LE(tied * 50, rows.size()) << tied << " of " << rows.size() << " passing molecules share their score";
}

// Which filter removed each molecule, recomputed with RDKit on its standardized SMILES for
// the molecules the earlier filters let through; the report's funnel counts them.
TEST_F(ScoreOnNciHead, SmartsFiltersRemoveWhatRdkitMatchesAndTheFunnelCountsThem) {
  const ResultTable t = read_results(dir_->file("scored.h5"));
  const std::unique_ptr<RDKit::ROMol> nitrogen(RDKit::SmartsToMol("[#7]"));
  const std::unique_ptr<RDKit::ROMol> acid(RDKit::SmartsToMol("[CX3](=O)[OX2H1]"));
  std::map<std::string, std::size_t> removed;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const std::string& reason = t.at("filter_reason").texts[r];
    ++removed[reason];
    if (!reason.empty() && reason.find("_smarts.") == std::string::npos) continue;  // an earlier filter
    const std::unique_ptr<RDKit::ROMol> mol(RDKit::SmilesToMol(t.at("smiles").texts[r]));
    ASSERT_TRUE(mol) << t.at("smiles").texts[r];
    std::string expected;
    if (RDKit::SubstructMatch(*mol, *nitrogen).empty()) expected = "require_smarts.nitrogen";
    else if (!RDKit::SubstructMatch(*mol, *acid).empty()) expected = "exclude_smarts.carboxylic_acid";
    EXPECT_EQ(reason, expected) << t.at("smiles").texts[r];
  }
  ASSERT_GT(removed["require_smarts.nitrogen"], 10u);
  ASSERT_GT(removed["exclude_smarts.carboxylic_acid"], 0u);
  const CommandRun report = molsieve(*dir_, "report " + dir_->file("scored.h5") + " -o " + dir_->file("report.html") +
                                                " --no-explain --top 3");
  ASSERT_EQ(report.status, 0) << report.err;
  const std::string html = read_text(dir_->file("report.html"));
  for (const std::string filter : {"require_smarts.nitrogen", "exclude_smarts.carboxylic_acid"})
    EXPECT_NE(html.find("<tr><td>" + filter + "</td><td>" + std::to_string(removed[filter]) + "</td></tr>"),
              std::string::npos)
        << filter;
  EXPECT_NE(html.find("<tr><td>passed every filter (scored)</td><td>" + std::to_string(removed[""]) + "</td></tr>"),
            std::string::npos);
}

TEST_F(ScoreOnNciHead, ToxicityRiskIsTheMeanOfTheNamedTasksWhenAsked) {
  const CommandRun run = screen("mean", mean_risk_job(dir_->file("lib.smi")));
  ASSERT_EQ(run.status, 0) << run.err;
  const ResultTable t = read_results(dir_->file("mean.h5"));
  std::size_t mean_below_max = 0;
  for (const std::size_t r : passing(t)) {
    double mean = 0, upper = 0, highest = 0;
    for (const auto& task : kChosenRiskTasks) {
      mean += column(t, task, r) / 3;
      upper += (column(t, task, r) + column(t, task + "_std", r)) / 3;
      highest = std::max(highest, column(t, task, r));
    }
    EXPECT_NEAR(column(t, "tox21_risk", r), mean, 1e-12) << "row " << r;
    EXPECT_DOUBLE_EQ(column(t, "tox21_max", r), highest) << "row " << r;
    EXPECT_NEAR(column(t, "d_tox21", r), decreasing(upper, 0.2, 0.6, 0.1), 1e-12) << "row " << r;
    mean_below_max += mean < highest - 0.05;
  }
  EXPECT_GT(mean_below_max, 10u);  // the mean is not the max in disguise
}

// A property's column must be a descriptor or one of the models' tasks; the error names the
// job file's line and key, and nothing is written.
TEST(ScoreProperty, ColumnNoModelGivesIsAnErrorNamingTheLine) {
  ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 20);
  const std::string job = small_job(dir.file("lib.smi"), 10);
  const int line = static_cast<int>(std::count(job.begin(), job.end(), '\n')) + 2;
  write_text(dir.file("job.toml"), job + "[[property]]\ncolumn = \"logD\"\ndesirability = { window = [1, 3], width = 1 }\n");
  const CommandRun run = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("out.h5") + " -q");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("job.toml:" + std::to_string(line) +
                         ": property[0].column: 'logD' is neither a descriptor nor a task of the job's models (tasks: "
                         "pIC50, NR-AR, "),
            std::string::npos)
      << run.err;
  EXPECT_FALSE(fs::exists(dir.file("out.h5")));
}

}  // namespace
}  // namespace molsieve::test
