// The pieces of a screen that need no models: the composite score and the desirability
// ramps against their formulas, result-table column names in HDF5, and the query language
// against plain loops.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/hdf5_file.h"
#include "test_support.h"
#include "workflows/results/query_expression.h"
#include "workflows/results/result_table.h"
#include "workflows/results/results_store.h"
#include "workflows/screen/job.h"
#include "workflows/screen/scorer.h"

namespace molsieve {
namespace {

using workflows::ColumnKind;
using workflows::ResultTable;

// A task such as "-logKd/Ki" is one column, not a nested group: its dataset's link name is
// percent-encoded and its name kept as given, and it reads back under that name.
TEST(ResultTableStore, ColumnNamesWithSlashOrPercentAreOneDatasetEach) {
  test::ScratchDir dir;
  ResultTable t;
  t.add("-logKd/Ki", ColumnKind::Number).numbers = {7.5, 6.0};
  t.add("-logKd_Ki", ColumnKind::Number).numbers = {1, 2};
  t.add("a%2Fb", ColumnKind::Text).texts = {"x", "y"};
  {
    hdf5::File f(dir.file("t.h5"), hdf5::File::Mode::Create);
    workflows::write_table(f, "/results", t);
  }
  const hdf5::File f(dir.file("t.h5"), hdf5::File::Mode::ReadOnly);
  EXPECT_EQ(f.read<double>("/results/-logKd%2FKi"), (std::vector<double>{7.5, 6.0}));
  EXPECT_EQ(f.string_attribute("/results/-logKd%2FKi", "name"), "-logKd/Ki");
  EXPECT_EQ(f.read_strings("/results/a%252Fb"), (std::vector<std::string>{"x", "y"}));
  EXPECT_FALSE(f.exists("/results/-logKd"));
  const ResultTable back = workflows::read_table(f, "/results", 0, 2);
  EXPECT_EQ(back.at("-logKd/Ki").numbers, t.at("-logKd/Ki").numbers);
  EXPECT_EQ(back.at("-logKd_Ki").numbers, t.at("-logKd_Ki").numbers);
  EXPECT_EQ(back.at("a%2Fb").texts, t.at("a%2Fb").texts);
}

// A library column is stored as numbers only when each value is a plain decimal number:
// codes that merely look like numbers keep their text.
TEST(LibraryColumns, OnlyPlainDecimalTextReadsAsANumber) {
  double value = 0;
  for (const auto& [text, number] : std::vector<std::pair<std::string, double>>{
           {"6.5", 6.5}, {"-1e-3", -1e-3}, {"0", 0}, {"0.25", 0.25}, {"-0.5", -0.5}, {"12", 12}}) {
    EXPECT_TRUE(workflows::parse_input_number(text, value)) << text;
    EXPECT_EQ(value, number) << text;
  }
  EXPECT_TRUE(workflows::parse_input_number("", value));
  EXPECT_TRUE(std::isnan(value));
  for (const char* text : {"007", "-01", "0x1F", "+3", " 4", "4 ", "6.5 nM", "V-001", "1,5", "-"})
    EXPECT_FALSE(workflows::parse_input_number(text, value)) << text;
}

// A library column named like a molsieve column (or like the exports' position) is stored as
// input:<name>; one whose prefixed name is taken too is refused, naming both.
TEST(LibraryColumns, NamesMolsieveWritesGetTheInputPrefix) {
  EXPECT_EQ(workflows::stored_input_names({"vendor_id", "score", "position", "pIC50"}, {"index", "id", "score", "pIC50"},
                                          "out.h5"),
            (std::vector<std::string>{"vendor_id", "input:score", "input:position", "input:pIC50"}));
  EXPECT_EQ(test::error_of([] { workflows::stored_input_names({"id", "input:id"}, {"id"}, "out.h5"); }),
            "out.h5: the library column 'input:id' would be stored as 'input:id', which another column has; rename "
            "one of them in the library");
}

TEST(CompositeScore, WeightedGeometricMeanWithZeroAndZeroWeights) {
  EXPECT_DOUBLE_EQ(workflows::composite_score({0.25, 1.0}, {1, 1}), 0.5);
  EXPECT_NEAR(workflows::composite_score({0.5, 0.8}, {2, 1}), std::pow(0.5 * 0.5 * 0.8, 1.0 / 3), 1e-15);
  EXPECT_EQ(workflows::composite_score({0.0, 1.0}, {1, 1}), 0.0);
  EXPECT_DOUBLE_EQ(workflows::composite_score({0.0, 0.7}, {0, 1}), 0.7);  // a zero weight ignores the term
  EXPECT_TRUE(std::isnan(workflows::composite_score({0.5}, {0})));
}

// Ramps and windows: 1 in the best region, linear to `edge` across the ramp, edge / shortfall
// beyond it, never 0.
TEST(Desirability, RampsAndWindowsFallLinearlyThenAsEdgeOverShortfall) {
  using Shape = workflows::Desirability::Shape;
  const workflows::Desirability up{Shape::Increasing, 5, 8}, down{Shape::Decreasing, 0.2, 0.6};
  EXPECT_EQ(up(9), 1.0);
  EXPECT_EQ(up(8), 1.0);
  EXPECT_DOUBLE_EQ(up(6.5), 0.55);
  EXPECT_DOUBLE_EQ(up(5), 0.1);
  EXPECT_DOUBLE_EQ(up(2), 0.05);  // two ramp lengths short
  EXPECT_EQ(down(0.1), 1.0);
  EXPECT_DOUBLE_EQ(down(0.3), 0.775);
  EXPECT_DOUBLE_EQ(down(1.0), 0.05);
  EXPECT_EQ(up(std::nan("")), 0.1);
  const workflows::Desirability window{Shape::Window, 1, 3, 1, 0.2};  // e.g. logD 1-3
  EXPECT_EQ(window(1), 1.0);
  EXPECT_EQ(window(2.2), 1.0);
  EXPECT_EQ(window(3), 1.0);
  EXPECT_DOUBLE_EQ(window(0.5), 0.6);
  EXPECT_DOUBLE_EQ(window(3.5), 0.6);
  EXPECT_DOUBLE_EQ(window(0), 0.2);
  EXPECT_DOUBLE_EQ(window(7), 0.05);  // four widths above
  EXPECT_DOUBLE_EQ(window(-3), 0.05);
  const double inf = std::numeric_limits<double>::infinity();
  for (const double far : {-1e308, 1e308, -inf, inf}) {
    EXPECT_GT(up(far), 0.0) << far;
    EXPECT_GT(window(far), 0.0) << far;
    EXPECT_GT(down(far), 0.0) << far;
  }
  // The worst point of an interval: the lower end of an increasing ramp, whichever end is
  // farther out of a window.
  EXPECT_DOUBLE_EQ(up.worst(6.5, 9), 0.55);
  EXPECT_DOUBLE_EQ(window.worst(1.5, 3.5), 0.6);
  EXPECT_DOUBLE_EQ(window.worst(-3, 2), 0.05);
}

// The query language against plain loops over a small table.
class QueryLanguage : public ::testing::Test {
 protected:
  void SetUp() override {
    auto& a = table_.add("a", ColumnKind::Number).numbers;
    auto& flag = table_.add("flag", ColumnKind::Flag).flags;
    auto& name = table_.add("name", ColumnKind::Text).texts;
    auto& odd = table_.add("NR-AR", ColumnKind::Integer).integers;
    for (int i = 0; i < 20; ++i) {
      a.push_back(i == 7 ? std::nan("") : i * 0.5);
      flag.push_back(i % 5 == 0 ? -1 : i % 2);
      name.push_back(i % 3 == 0 ? "x" : "y");
      odd.push_back(i % 4);
    }
  }
  std::size_t count(const std::string& where) const {
    const auto mask = workflows::QueryExpression(where).evaluate(table_);
    return static_cast<std::size_t>(std::count(mask.begin(), mask.end(), 1));
  }
  std::size_t loop(const std::function<bool(std::size_t)>& keep) const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < table_.rows(); ++i) n += keep(i);
    return n;
  }
  double a(std::size_t i) const { return table_.at("a").numbers[i]; }
  ResultTable table_;
};

TEST_F(QueryLanguage, EachComparisonOperatorMatchesAPlainLoop) {
  EXPECT_EQ(count("a < 3"), loop([&](std::size_t i) { return a(i) < 3; }));
  EXPECT_EQ(count("a <= 3"), loop([&](std::size_t i) { return a(i) <= 3; }));
  EXPECT_EQ(count("a > 3"), loop([&](std::size_t i) { return a(i) > 3; }));
  EXPECT_EQ(count("a >= 3"), loop([&](std::size_t i) { return a(i) >= 3; }));
  EXPECT_EQ(count("a == 3"), 1u);
  EXPECT_EQ(count("a = 3"), 1u);
  EXPECT_EQ(count("a != 3"), loop([&](std::size_t i) { return !std::isnan(a(i)) && a(i) != 3; }));
  EXPECT_EQ(count("name == 'x'"), 7u);
  EXPECT_EQ(count("name != \"x\""), 13u);
  EXPECT_EQ(count("NR-AR >= 2"), 10u);
  EXPECT_EQ(count("`NR-AR` == 1"), 5u);
}

TEST_F(QueryLanguage, BooleanOperatorsPrecedenceAndMissingValues) {
  EXPECT_EQ(count("flag"), loop([&](std::size_t i) { return i % 5 != 0 && i % 2 == 1; }));
  EXPECT_EQ(count("not flag"), 20 - count("flag"));
  EXPECT_EQ(count("a > 2 and flag"), loop([&](std::size_t i) { return a(i) > 2 && i % 5 != 0 && i % 2 == 1; }));
  // and binds tighter than or.
  EXPECT_EQ(count("a < 1 or a > 8 and name == 'x'"),
            loop([&](std::size_t i) { return a(i) < 1 || (a(i) > 8 && i % 3 == 0); }));
  EXPECT_EQ(count("(a < 1 or a > 8) and name == 'x'"),
            loop([&](std::size_t i) { return (a(i) < 1 || a(i) > 8) && i % 3 == 0; }));
  EXPECT_EQ(count("a > 100"), 0u);  // an empty result is not an error
  EXPECT_EQ(count("a >= 0"), 19u);  // the NaN row never matches
}

TEST_F(QueryLanguage, ParseErrorsNameThePosition) {
  auto message = [](const std::string& where) {
    try {
      workflows::QueryExpression e(where);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_EQ(message("a >"), "--where: at character 4: expected a number or a 'string' after the comparison");
  EXPECT_EQ(message("(a > 1"), "--where: at character 7: expected ')'");
  EXPECT_EQ(message("a > 1 b"), "--where: at character 7: expected 'and', 'or' or the end, found 'b'");
  EXPECT_EQ(message("a ! 1"), "--where: at character 3: '!' must be '!=' (use 'not' for negation)");
  EXPECT_EQ(message("a < 'x'"), "--where: at character 5: strings compare with == or != only");
  EXPECT_EQ(message(""), "--where: empty expression");
  EXPECT_EQ(message("pKd/Ki > 7"),
            "--where: at character 4: unexpected '/' in a column name: a name with other characters than letters, "
            "digits, _ and - goes in back-quotes: `pKd/Ki`");
  EXPECT_EQ(message("a > 1 and -logKd/Ki > 7"),
            "--where: at character 11: a column name starting with '-' goes in back-quotes: `-logKd/Ki`");
  EXPECT_EQ(message("`-logKd/Ki` > 7 and a < -1"), "no error");
  EXPECT_THROW(workflows::QueryExpression("missing > 1").evaluate(table_), Error);
  EXPECT_THROW(workflows::QueryExpression("name > 1").evaluate(table_), Error);
}

}  // namespace
}  // namespace molsieve
