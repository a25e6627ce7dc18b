// The job parser's score and filter keys: desirability shapes, toxicity aggregation,
// property terms and SMARTS filters as read, and each mistake in them named by file, line and key.
#include <gtest/gtest.h>

#include <filesystem>
#include <string>

#include "core/error.h"
#include "test_support.h"
#include "workflows/screen/job.h"

namespace molsieve {
namespace {

using workflows::Desirability;
using workflows::read_screen_job;
using workflows::ScreenJob;

// A job file of `body` after a one-molecule library (the library is lines 1-2).
class ScreenJobKeys : public ::testing::Test {
 protected:
  ScreenJob read(const std::string& body) {
    write_job(body);
    return read_screen_job(dir_.file("job.toml"));
  }
  std::string error(const std::string& body) {
    write_job(body);
    return test::error_of([&] { read_screen_job(dir_.file("job.toml")); });
  }

 private:
  void write_job(const std::string& body) {
    test::write_text(dir_.file("lib.smi"), "CCO ethanol\n");
    test::write_text(dir_.file("job.toml"), "[library]\ninputs = [\"lib.smi\"]\n" + body);
  }
  test::ScratchDir dir_;
};

// The results store records these paths, and the report opens the models from wherever it
// runs: a job named by a relative path once recorded models relative to the screen's folder.
TEST(ScreenJobPaths, PathsOfAJobNamedRelativelyAreResolvedToAbsolutePaths) {
  test::ScratchDir dir;
  test::write_text(dir.file("lib.smi"), "CCO ethanol\n");
  std::filesystem::copy_file(std::string(MOLSIEVE_SOURCE_DIR) + "/models/pretrained/bace.h5", dir.file("mine.h5"));
  test::write_text(dir.file("job.toml"), "[library]\ninputs = [\"lib.smi\"]\n[[affinity]]\nmodel = \"mine.h5\"\n"
                                         "[[toxicity]]\nmodel = \"tox21\"\n");
  const std::string relative = std::filesystem::relative(dir.file("job.toml")).string();
  ASSERT_FALSE(std::filesystem::path(relative).is_absolute());
  const ScreenJob job = read_screen_job(relative);
  ASSERT_EQ(job.library.size(), 1u);
  EXPECT_EQ(job.library[0], std::filesystem::canonical(dir.file("lib.smi")).string());
  EXPECT_EQ(job.affinity.at(0).path, std::filesystem::canonical(dir.file("mine.h5")).string());
  EXPECT_TRUE(std::filesystem::path(job.toxicity.at(0).path).is_absolute()) << job.toxicity.at(0).path;
}

TEST_F(ScreenJobKeys, WindowRampAndEdgeAreReadAsWritten) {
  const ScreenJob job = read(
      "[[affinity]]\nmodel = \"bace\"\ndesirability = { window = [6.0, 9.0], width = 1.5, edge = 0.3 }\n"
      "[[toxicity]]\nmodel = \"tox21\"\n"
      "[[property]]\ncolumn = \"tpsa\"\ndesirability = { low = 60, high = 140, direction = \"decreasing\" }\nweight = 0.5\n");
  const Desirability& window = job.affinity[0].desirability;
  EXPECT_EQ(window.shape, Desirability::Shape::Window);
  EXPECT_EQ(window.low, 6.0);
  EXPECT_EQ(window.high, 9.0);
  EXPECT_EQ(window.width, 1.5);
  EXPECT_EQ(window.edge, 0.3);
  // Unset keys keep the term's defaults: toxicity decreases from 0.2 to 0.6, edge 0.1.
  const Desirability& risk = job.toxicity[0].desirability;
  EXPECT_EQ(risk.shape, Desirability::Shape::Decreasing);
  EXPECT_EQ(risk.low, 0.2);
  EXPECT_EQ(risk.high, 0.6);
  EXPECT_EQ(risk.edge, 0.1);
  EXPECT_EQ(job.toxicity[0].aggregate, workflows::RiskAggregate::Max);
  ASSERT_EQ(job.properties.size(), 1u);
  EXPECT_EQ(job.properties[0].name, "tpsa");
  EXPECT_EQ(job.properties[0].desirability.shape, Desirability::Shape::Decreasing);
  EXPECT_EQ(job.properties[0].weight, 0.5);
  EXPECT_EQ(job.properties[0].where, job.path + ":9: property[0].column");
}

TEST_F(ScreenJobKeys, ToxicityAggregationAndSmartsFiltersAreReadAsWritten) {
  const ScreenJob job = read(
      "[filters.exclude_smarts]\nnitro = \"[N+](=O)[O-]\"\nacid = \"C(=O)[OH]\"\n"
      "[filters.require_smarts]\namine = \"[NX3]\"\n"
      "[[toxicity]]\nmodel = \"tox21\"\nrisk_tasks = [\"NR-AhR\", \"SR-MMP\"]\naggregate = \"mean\"\n");
  EXPECT_EQ(job.toxicity[0].aggregate, workflows::RiskAggregate::Mean);
  EXPECT_EQ(job.toxicity[0].risk_tasks, (std::vector<std::string>{"NR-AhR", "SR-MMP"}));
  // Required filters first, then the excluded ones, each kind in name order.
  ASSERT_EQ(job.smarts.size(), 3u);
  EXPECT_EQ(job.smarts[0].name, "amine");
  EXPECT_TRUE(job.smarts[0].required);
  EXPECT_EQ(job.smarts[1].name, "acid");
  EXPECT_FALSE(job.smarts[1].required);
  EXPECT_EQ(job.smarts[2].name, "nitro");
  EXPECT_EQ(job.smarts[2].smarts, "[N+](=O)[O-]");
  for (const auto& filter : job.smarts) EXPECT_NE(filter.query, nullptr) << filter.name;
}

// Each mistake: the whole message, so that file, line and key are all checked.
TEST_F(ScreenJobKeys, EachMistakeInTheNewKeysNamesFileLineAndKey) {
  const std::string job = "job.toml";
  struct Case {
    const char* name;
    std::string body;
    std::string message;  // after "<dir>/job.toml:"
  };
  const std::string tox = "[[toxicity]]\nmodel = \"tox21\"\n";
  const std::vector<Case> cases = {
      {"bad SMARTS", "[filters.exclude_smarts]\nring = \"c1ccccc1\"\nbroken = \"C(=O\"\n" + tox,
       "5: filters.exclude_smarts.broken: invalid SMARTS 'C(=O'"},
      {"SMARTS not a string", "[filters.require_smarts]\namine = 7\n" + tox,
       "4: filters.require_smarts.amine: must be a SMARTS string"},
      {"inverted window", tox + "[[property]]\ncolumn = \"clogp\"\ndesirability = { window = [3.0, 1.0], width = 1 }\n",
       "7: property[0].desirability.window: inverted: the low end must not exceed the high end"},
      {"window without width", tox + "[[property]]\ncolumn = \"clogp\"\ndesirability = { window = [1.0, 3.0] }\n",
       "7: property[0].desirability.width: missing: the ramp's length on each side of the window"},
      {"window and ramp", tox + "[[property]]\ncolumn = \"clogp\"\ndesirability = { window = [1, 3], width = 1, low = 0 }\n",
       "7: property[0].desirability.low: give a ramp (low, high, direction) or a window, not both"},
      {"unknown direction", tox + "[[property]]\ncolumn = \"tpsa\"\ndesirability = { low = 1, high = 3, direction = \"up\" }\n",
       "7: property[0].desirability.direction: must be \"increasing\" or \"decreasing\""},
      {"property without desirability", tox + "[[property]]\ncolumn = \"tpsa\"\n",
       "5: property[0].desirability: missing: a ramp { low, high, direction } or a window { window = [low, high], width }"},
      {"unknown aggregation", "[[toxicity]]\nmodel = \"tox21\"\naggregate = \"median\"\n",
       "5: toxicity[0].aggregate: unknown aggregation 'median' (known: max, mean)"},
      {"zero edge", "[[affinity]]\nmodel = \"bace\"\ndesirability = { low = 5, high = 8, edge = 0 }\n",
       "5: affinity[0].desirability.edge: must be above 0 and below 1: a term that reaches 0 vetoes; hard limits are [filters]"},
      {"old floor", "[similarity]\nreferences = \"lib.smi\"\ndesirability = { low = 0.1, high = 0.5, floor = 0.2 }\n",
       "5: similarity.desirability.floor: no longer a key: a desirability never reaches 0; edge (default 0.1) is its "
       "value at the ramp's far end"},
      {"old out-of-domain factor", tox + "[score]\nout_of_domain_factor = 0.5\n",
       "6: score.out_of_domain_factor: no longer a key: a prediction outside a model's domain lowers its term through "
       "its wider interval (uncertainty_penalty), not by a factor; selection.require_in_domain keeps such molecules "
       "out of the selection"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.name);
    const std::string message = error(c.body);
    const std::size_t colon = message.find(job + ":");
    ASSERT_NE(colon, std::string::npos) << message;
    EXPECT_EQ(message.substr(colon + job.size() + 1), c.message);
  }
}

}  // namespace
}  // namespace molsieve
