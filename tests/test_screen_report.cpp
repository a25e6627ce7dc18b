// What a chemist reads: the query table's score terms, and the HTML report's sections and
// candidate cards, rendered in headless Chromium where it is installed.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "screen_test_support.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;
using workflows::ResultTable;

// The table a chemist reads first, and the report's cards, show the terms that made each score.
TEST_F(Bace1Job, QueryTableAndReportShowTheTermsThatMadeTheScore) {
  ASSERT_NO_FATAL_FAILURE(screen_mixed_library());
  const auto& dir = *dir_;
  ASSERT_EQ(molsieve(dir, "query " + dir.file("bace1.h5") + " --top 3 --overwrite -o " + dir.file("top.txt")).status, 0);
  std::ifstream in(dir.file("top.txt"));
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  ASSERT_EQ(lines.size(), 5u);  // header, 3 rows, legend
  for (const char* term : {"bace (w2)", "tox21 (w1)", "clintox (w1)", "similarity (w0.5)"})
    EXPECT_NE(lines[0].find(term), std::string::npos) << lines[0];
  EXPECT_EQ(lines[4].rfind("score: weighted geometric mean", 0), 0u) << lines[4];
  const ResultTable t = read_results(dir.file("bace1.h5"));
  std::size_t best = 0;
  for (std::size_t r = 0; r < t.rows(); ++r)
    if (t.at("rank").integers[r] == 1) best = r;
  // Symmetric inside the calibration's bands (mean ± half-width), else the bounds themselves.
  const double mean = t.at("pIC50").numbers[best], lo = t.at("pIC50_lo68").numbers[best],
               hi = t.at("pIC50_hi68").numbers[best];
  char interval[48], cell[80];
  if (std::fabs((mean - lo) - (hi - mean)) < 0.005)
    std::snprintf(interval, sizeof interval, "%.2f±%.2f", mean, t.at("pIC50_std").numbers[best]);
  else
    std::snprintf(interval, sizeof interval, "%.2f [%.2f, %.2f]", mean, lo, hi);
  std::snprintf(cell, sizeof cell, "%s d%.2f%s", interval, t.at("d_bace").numbers[best],
                t.at("bace_in_domain").flags[best] == 0 ? "!" : "");
  EXPECT_NE(lines[1].find(cell), std::string::npos) << lines[1] << "\nexpected " << cell;

  const auto read_report = [&](const std::string& store) {
    EXPECT_EQ(molsieve(dir, "report " + dir.file(store) + " --no-explain --top 2 --overwrite -o " + dir.file("terms.html"))
                  .status,
              0);
    return test::read_text(dir.file("terms.html"));
  };
  EXPECT_NE(read_report("open.h5").find("<th>score term</th><th>value</th><th>desirability</th><th>weight</th>"),
            std::string::npos);
  const std::string html = read_report("bace1.h5");
  // The selection holds only molecules inside the bace model's domain: few of the NCI's.
  const bool none_selected =
      hdf5::File(dir.file("bace1.h5"), hdf5::File::Mode::ReadOnly).read<std::int64_t>("/selection/index").empty();
  EXPECT_EQ(html.find("No candidate selected.") != std::string::npos, none_selected);
  std::size_t outside = 0;
  for (std::size_t r = 0; r < t.rows(); ++r) {
    const double mw = t.at("mw").numbers[r], clogp = t.at("clogp").numbers[r];
    outside += !std::isnan(mw) && !std::isnan(clogp) && (mw < 0 || mw > 800 || clogp < -6 || clogp > 10);
  }
  ASSERT_GT(outside, 0u) << "the NCI library has molecules beyond the plot's axes";
  EXPECT_NE(html.find(std::to_string(outside) + " molecule(s) outside the axes"), std::string::npos);
}

TEST_F(Bace1Job, ReportHasEverySectionAndRendersInHeadlessChromium) {
  ASSERT_NO_FATAL_FAILURE(screen_mixed_library());
  const auto& dir = *dir_;
  const CommandRun report = molsieve(dir, "report " + dir.file("open.h5") + " -o " + dir.file("report.html") +
                                              " --top 5 --threads 2");
  ASSERT_EQ(report.status, 0) << report.err;
  const std::string html = test::read_text(dir.file("report.html"));
  for (const char* section : {"Filter funnel", "Score distributions", "Property space", "Top candidates",
                              "Models and their limitations", "Job and provenance", "applicability domain"})
    EXPECT_NE(html.find(section), std::string::npos) << section;
  std::size_t candidates = 0;
  for (auto at = html.find("class='candidate'"); at != std::string::npos; at = html.find("class='candidate'", at + 1))
    ++candidates;
  EXPECT_EQ(candidates, 5u);
  // Explanations drawn: 5 candidates x (bace + one toxicity model) depictions, plus the plots.
  EXPECT_EQ(html.find("no explanation"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);  // self-contained, static
  if (!fs::exists("/usr/bin/chromium")) GTEST_SKIP() << "chromium is not installed (scripts/setup.sh installs it)";
  const std::string shot = dir.file("report.png");
  const CommandRun chromium = test::run_command(
      dir, "chromium --headless --no-sandbox --disable-gpu --hide-scrollbars --window-size=1280,3000 --screenshot=" +
               shot + " file://" + dir.file("report.html"));
  ASSERT_EQ(chromium.status, 0) << chromium.err;
  std::ifstream png(shot, std::ios::binary);
  std::string header(8, '\0');
  png.read(header.data(), 8);
  EXPECT_EQ(header, std::string("\x89PNG\r\n\x1a\n", 8));
  EXPECT_GT(fs::file_size(shot), 50000u);  // a blank page is a few kB
}

}  // namespace
}  // namespace molsieve::test
