// What the command line tells its user when an input is missing, empty or partly bad.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "test_support.h"
#include "workflows/cli/progress_bar.h"

namespace molsieve {
namespace {

using test::CommandRun;
using test::molsieve;

TEST(MissingInput, StoreThatDoesNotExistIsCalledMissing) {
  test::ScratchDir dir;
  const CommandRun run = molsieve(dir, "info " + dir.file("no-such.h5"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("no-such.h5: no such file"), std::string::npos) << run.err;
}

TEST(MissingInput, FileThatIsNotHdf5IsCalledSo) {
  test::ScratchDir dir;
  test::write_text(dir.file("text.h5"), "CCO ethanol\n");
  const CommandRun run = molsieve(dir, "info " + dir.file("text.h5"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("text.h5: not an HDF5 file"), std::string::npos) << run.err;
}

TEST(EmptyInput, EachEmptyInputIsWarnedAboutEvenWhenQuiet) {
  test::ScratchDir dir;
  test::write_text(dir.file("empty.smi"), "");
  test::write_text(dir.file("header.csv"), "smiles,name\n");
  test::write_text(dir.file("empty.sdf"), "");
  test::write_text(dir.file("one.smi"), "CCO ethanol\n");
  const CommandRun run = molsieve(dir, "featurize " + dir.file("empty.smi") + " " + dir.file("one.smi") + " " +
                                           dir.file("header.csv") + " " + dir.file("empty.sdf") + " -o " +
                                           dir.file("out.h5") + " -q");
  EXPECT_EQ(run.status, 0) << run.err;
  for (const char* name : {"empty.smi", "header.csv", "empty.sdf"})
    EXPECT_NE(run.err.find("warning: " + dir.file(name) + ": no molecule records"), std::string::npos) << run.err;
  EXPECT_EQ(run.err.find("one.smi"), std::string::npos) << run.err;
}

TEST(BadRecords, TheFirstFiveErrorsAppearOnStderrWithFileAndLine) {
  test::ScratchDir dir;
  std::string text = "CCO ok1\n";
  for (int i = 0; i < 7; ++i) text += "C1CC bad" + std::to_string(i) + "\n";  // unclosed ring
  test::write_text(dir.file("bad.smi"), text);
  const CommandRun run = molsieve(dir, "featurize " + dir.file("bad.smi") + " -o " + dir.file("out.h5") + " -q");
  EXPECT_EQ(run.status, 0) << run.err;
  EXPECT_NE(run.err.find("warning: 7 record(s) could not be featurized"), std::string::npos) << run.err;
  for (int line = 2; line <= 6; ++line)
    EXPECT_NE(run.err.find("bad.smi:" + std::to_string(line) + ": "), std::string::npos) << "line " << line << run.err;
  EXPECT_EQ(run.err.find("bad.smi:7: "), std::string::npos) << "more than five errors shown:\n" << run.err;
}

// The bar's line fits the terminal: the detail goes first, then the bar narrows.
TEST(ProgressLine, FitsTheTerminalWidthDroppingTheDetailFirst) {
  const std::string counts = "1750 molecules, 312/s, ETA 0:05";
  const std::string detail = "read 1750, featurized 1536, scored 1280, written 1024";
  const std::string wide = workflows::fit_progress_line("screen", 0.5, counts, detail, 200);
  EXPECT_NE(wide.find(detail), std::string::npos);
  EXPECT_NE(wide.find("[###############...............]  50% " + counts), std::string::npos) << wide;
  for (const std::size_t columns : {80u, 60u, 40u}) {
    SCOPED_TRACE(columns);
    const std::string line = workflows::fit_progress_line("screen", 0.5, counts, detail, columns);
    EXPECT_LT(line.size(), columns);
    EXPECT_EQ(line.find(detail), std::string::npos);
    EXPECT_EQ(line.rfind("screen [", 0), 0u) << line;
  }
  EXPECT_NE(workflows::fit_progress_line("screen", 0.5, counts, detail, 80).find(counts), std::string::npos);
}

// A screen of 400 NCI molecules (a SMILES file, so the total is found only by reading it) in
// chunks of 50, with its stderr in a file as in a batch log and its events in another.
struct LoggedScreen {
  test::ScratchDir dir;
  CommandRun run;
  std::vector<nlohmann::json> events;
};

const LoggedScreen& logged_screen() {
  static LoggedScreen* screen = [] {
    auto* s = new LoggedScreen;
    test::write_nci_head(s->dir.file("library.smi"), 400);
    test::write_text(s->dir.file("job.toml"), test::bace1_job({{"chunk_size = 1024", "chunk_size = 50"}}));
    s->run = molsieve(s->dir, "screen " + s->dir.file("job.toml") + " --library " + s->dir.file("library.smi") +
                                  " -o " + s->dir.file("out.h5") + " --threads 1 --events " + s->dir.file("events.jsonl"));
    std::istringstream lines(test::read_text(s->dir.file("events.jsonl")));
    for (std::string line; std::getline(lines, line);) s->events.push_back(nlohmann::json::parse(line));
    return s;
  }();
  return *screen;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

TEST(BatchLog, EveryScreenLineStartsWithTheUtcTimeAndTheRank) {
  const LoggedScreen& screen = logged_screen();
  ASSERT_EQ(screen.run.status, 0) << screen.run.err;
  const std::regex stamped(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ rank 0: screen: .+)");
  const std::vector<std::string> lines = lines_of(screen.run.err);
  ASSERT_GE(lines.size(), 3u) << screen.run.err;
  for (const std::string& line : lines) EXPECT_TRUE(std::regex_match(line, stamped)) << line;
  EXPECT_NE(lines.front().find("screen: job bace1-nci5k"), std::string::npos) << lines.front();
  EXPECT_NE(lines.back().find("screen: results in " + screen.dir.file("out.h5")), std::string::npos) << lines.back();
}

TEST(BatchLog, FeaturizeWarningsAndErrorsAreStampedToo) {
  test::ScratchDir dir;
  test::write_text(dir.file("empty.smi"), "");
  const CommandRun warned = molsieve(dir, "featurize " + dir.file("empty.smi") + " -o " + dir.file("out.h5") + " -q");
  EXPECT_TRUE(std::regex_match(lines_of(warned.err).at(0),
                               std::regex(R"(\S+Z rank 0: featurize: warning: .*empty\.smi: no molecule records)")))
      << warned.err;
  const CommandRun failed = molsieve(dir, "featurize " + dir.file("no-such.smi") + " -o " + dir.file("out2.h5") + " -q");
  EXPECT_EQ(failed.status, 1);
  EXPECT_TRUE(std::regex_match(lines_of(failed.err).at(0), std::regex(R"(\S+Z rank 0: molsieve: error: .*no-such\.smi.*)")))
      << failed.err;
}

// Every line of --events is one JSON object; start comes first, finish last, one chunk_done
// per chunk, and the counts agree: read >= scored >= written, each monotone, the percentage
// that of written in the total, which is exact once the reader has reached the end.
TEST(ScreenEvents, EveryLineIsAJsonEventAndTheCountsAgreeAcrossChunks) {
  const LoggedScreen& screen = logged_screen();
  ASSERT_EQ(screen.run.status, 0) << screen.run.err;
  const std::vector<nlohmann::json>& events = screen.events;
  ASSERT_GE(events.size(), 10u);
  for (const nlohmann::json& e : events) {
    EXPECT_EQ(e.at("rank"), 0);
    EXPECT_EQ(e.at("command"), "screen");
    EXPECT_TRUE(std::regex_match(e.at("time").get<std::string>(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
  }
  EXPECT_EQ(events.front().at("event"), "start");
  EXPECT_EQ(events.front().at("output"), screen.dir.file("out.h5"));
  EXPECT_EQ(events.back().at("event"), "finish");
  EXPECT_EQ(events.back().at("rows"), 400);
  EXPECT_EQ(events.back().at("chunks"), 8);
  std::vector<std::uint64_t> chunks;
  std::uint64_t read = 0, scored = 0, written = 0;
  for (const nlohmann::json& e : events) {
    if (e.at("event") != "chunk_done") continue;
    const nlohmann::json& c = e.at("counts");
    SCOPED_TRACE(e.dump());
    chunks.push_back(e.at("chunk"));
    EXPECT_EQ(e.at("rows"), 50);
    EXPECT_GE(c.at("read"), read);
    EXPECT_GE(c.at("scored"), scored);
    EXPECT_GT(c.at("written"), written);
    read = c.at("read");
    scored = c.at("scored");
    written = c.at("written");
    EXPECT_GE(read, scored);
    EXPECT_GE(scored, written);
    EXPECT_EQ(written, 50 * chunks.size());
    ASSERT_TRUE(c.at("total").is_number()) << "the bytes read give an estimate from the first chunk on";
    const double total = c.at("total");
    EXPECT_GE(total, read);
    EXPECT_NEAR(c.at("percent").get<double>(), 100.0 * written / total, 1e-9);
    EXPECT_NEAR(total, 400, 40) << "the estimate from the bytes read";
  }
  std::sort(chunks.begin(), chunks.end());
  EXPECT_EQ(chunks, (std::vector<std::uint64_t>{0, 1, 2, 3, 4, 5, 6, 7}));
  const nlohmann::json& last = std::find_if(events.rbegin(), events.rend(), [](const nlohmann::json& e) {
                                 return e.at("event") == "chunk_done";
                               })->at("counts");
  EXPECT_EQ(last.at("total"), 400);
  EXPECT_EQ(last.at("total_estimated"), false);
  EXPECT_EQ(last.at("percent"), 100.0);
}

TEST(ScreenEvents, AnErrorIsAnEventWithTheMessageOfItsLine) {
  test::ScratchDir dir;
  test::write_text(dir.file("job.toml"), test::bace1_job());
  const CommandRun run = molsieve(dir, "screen " + dir.file("job.toml") + " --library " + dir.file("no-such.smi") + " -o " +
                                           dir.file("out.h5") + " -q --events " + dir.file("events.jsonl"));
  EXPECT_EQ(run.status, 1);
  const std::vector<std::string> lines = lines_of(test::read_text(dir.file("events.jsonl")));
  ASSERT_EQ(lines.size(), 1u) << test::read_text(dir.file("events.jsonl"));
  const nlohmann::json error = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(error.at("event"), "error");
  const std::string message = error.at("message");
  EXPECT_NE(message.find("no-such.smi"), std::string::npos) << message;
  EXPECT_NE(run.err.find("molsieve: error: " + message), std::string::npos) << run.err;
}

// The one convention, over every subcommand: -q accepted, with the same meaning.
TEST(Convention, EverySubcommandTakesQuietAndNamesItsCountsOneWay) {
  test::ScratchDir dir;
  const CommandRun listing = molsieve(dir, "--help");
  ASSERT_EQ(listing.status, 0);
  std::istringstream help(listing.out);
  std::vector<std::string> subcommands;
  bool in_list = false;
  for (std::string line; std::getline(help, line);) {
    if (line.rfind("Subcommands:", 0) == 0) in_list = true;
    else if (in_list && line.size() > 2 && line[0] == ' ') subcommands.push_back(line.substr(2, line.find(' ', 2) - 2));
  }
  ASSERT_EQ(subcommands.size(), 22u);  // featurize ... cohort, status, submit, shard, merge, what-if, serve: every one is checked
  for (const auto& sub : subcommands) {
    SCOPED_TRACE(sub);
    const CommandRun run = molsieve(dir, sub + " --help");
    ASSERT_EQ(run.status, 0);
    const std::string& text = run.out;
    EXPECT_NE(text.find("-q,--quiet"), std::string::npos);
    for (const char* old_name : {"--top-k", "--n,", "--candidates,", "--backend,"})
      EXPECT_EQ(text.find(std::string("  ") + old_name), std::string::npos) << "a former name comes first: " << old_name;
  }
}

// Summaries go to stderr and -q silences them; nothing but data reaches stdout.
TEST(Convention, SummariesGoToStderrAndQuietSilencesThem) {
  test::ScratchDir dir;
  test::write_text(dir.file("in.smi"), "CCO ethanol\nc1ccccc1O phenol\n");
  const std::vector<std::string> runs = {
      "featurize " + dir.file("in.smi") + " -o " + dir.file("lib.h5") + " --overwrite",
      "synth-population --size 50 --seed 1 -o " + dir.file("pop.h5") + " --overwrite",
  };
  for (const auto& args : runs) {
    SCOPED_TRACE(args);
    for (const bool quiet : {false, true}) {
      const CommandRun run = molsieve(dir, args + (quiet ? " -q" : ""));
      ASSERT_EQ(run.status, 0) << run.err;
      EXPECT_EQ(run.out, "");
      EXPECT_EQ(run.err.empty(), quiet) << run.err;
    }
  }
}

// A command line that cannot be parsed exits with 2 and names the nearest known word.
TEST(UsageErrors, MisspeltSubcommandOrOptionGetsTheNearestOneAndStatusTwo) {
  test::ScratchDir dir;
  struct Case {
    std::string args, expected;
  };
  const std::vector<Case> cases = {
      {"featurise x.smi -o x.h5", "unknown subcommand 'featurise' (did you mean 'featurize'?)"},
      {"screen job.toml --ouput x.h5", "unknown option '--ouput' for screen (did you mean '--output'?)"},
      {"query r.h5 --top-k=5", "unknown option '--top-k' for query (did you mean '--top'?)"},
      {"cohort --population p.h5 --definition d.json -o c.h5 --devic cpu", "(did you mean '--device'?)"},
      {"similarity --library x.h5 --query q.smi", "--output is required"},
      // A bad --device is found as the command line is read, before the job file is opened.
      {"screen no-such-job.toml --device tpu", "--device: unknown device 'tpu' (expected auto, cpu, cuda or cuda:N)"},
      {"cohort --population p.h5 --definition d.json -o c.h5 --device cuda:1", "--device cuda:1: the eligibility kernel has no CUDA backend"},
      {"pick --library x.h5 -o p.csv --n many", "many"},
      {"frobnicate", "unknown subcommand 'frobnicate'; molsieve --help lists them"},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.args);
    const CommandRun run = molsieve(dir, c.args);
    EXPECT_EQ(run.status, 2);
    EXPECT_EQ(run.err.find("molsieve: usage error: "), 0u) << run.err;
    EXPECT_NE(run.err.find(c.expected), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
  }
  EXPECT_EQ(molsieve(dir, "screen --help").status, 0);
  EXPECT_EQ(molsieve(dir, "--version").status, 0);
  // An error in the input, not in the command line, is status 1.
  EXPECT_EQ(molsieve(dir, "info " + dir.file("missing.h5")).status, 1);
}

}  // namespace
}  // namespace molsieve
