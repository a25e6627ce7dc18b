// molsieve screen's library inputs: a library store screens as its molecule file does, and
// each bad job or store ends in one error line naming the mistake, with nothing written.
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>

#include "core/hdf5_file.h"
#include "screen_test_support.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;

// Each bad input: one error line naming what is wrong, non-zero exit, no results store.
struct BadJob {
  const char* name;
  std::string toml;
  std::string expected;
};

TEST(ScreenBadInput, EachMistakeIsNamedAndNothingIsWritten) {
  test::ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 20);
  const std::string lib = dir.file("lib.smi");
  const std::string good = small_job(lib, 10);
  const std::vector<BadJob> cases = {
      {"syntax", "name = \"x\"\n[library\ninputs = []\n", "job.toml:2"},
      {"unknown key", good + "[output]\npth = \"x.h5\"\n", "job.toml:22: output.pth: unknown key"},
      {"unknown model", "[library]\ninputs = [\"" + lib + "\"]\n[[affinity]]\nmodel = \"bace2\"\n",
       "affinity[0].model: unknown model 'bace2'"},
      {"unknown metric",
       "[library]\ninputs = [\"" + lib + "\"]\n[similarity]\nreferences = \"" + lib + "\"\nmetric = \"jaccard\"\n",
       "job.toml:5: similarity.metric"},
      {"missing library", "[library]\ninputs = [\"no-such.smi\"]\n[[affinity]]\nmodel = \"bace\"\n",
       "library.inputs: no such file"},
      // Found by fuzz_screen_job: a name longer than the system allows threw from the file system.
      {"library name too long", "[library]\ninputs = [\"" + std::string(5000, 'x') + ".smi\"]\n[[affinity]]\nmodel = \"bace\"\n",
       "library.inputs: no such file"},
      {"wrong type", "[library]\ninputs = [\"" + lib + "\"]\nchunk_size = \"big\"\n[[affinity]]\nmodel = \"bace\"\n",
       "job.toml:3: library.chunk_size: must be an integer"},
      {"unknown descriptor",
       "[library]\ninputs = [\"" + lib + "\"]\n[filters.ranges]\nlogp = [0, 5]\n[[affinity]]\nmodel = \"bace\"\n",
       "filters.ranges.logp: unknown descriptor"},
      {"classification as affinity", "[library]\ninputs = [\"" + lib + "\"]\n[[affinity]]\nmodel = \"tox21\"\n",
       "model 'tox21' is a classification model"},
  };
  for (const auto& c : cases) {
    SCOPED_TRACE(c.name);
    test::write_text(dir.file("job.toml"), c.toml);
    const CommandRun run = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("out.h5") + " -q");
    EXPECT_EQ(run.status, 1);
    EXPECT_NE(run.err.find(c.expected), std::string::npos) << run.err;
    EXPECT_EQ(std::count(run.err.begin(), run.err.end(), '\n'), 1) << run.err;
    EXPECT_FALSE(fs::exists(dir.file("out.h5")));
    EXPECT_FALSE(fs::exists(dir.file("out.h5.parts")));
  }
}

TEST(ScreenBadInput, LibraryStoreOfAnotherSchemaVersionIsRefused) {
  test::ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 20);
  ASSERT_EQ(molsieve(dir, "featurize " + dir.file("lib.smi") + " -o " + dir.file("lib.h5") + " -q").status, 0);
  {
    hdf5::File store(dir.file("lib.h5"), hdf5::File::Mode::ReadWrite);
    store.set_attribute("/", "schema_version", static_cast<std::int64_t>(0));
  }
  test::write_text(dir.file("job.toml"), small_job(dir.file("lib.h5"), 10));
  const CommandRun run = molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("out.h5") + " -q");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("schema version 0"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir.file("out.h5")));
}

TEST(ScreenStore, LibraryStoreGivesTheSameResultsAsItsMoleculeFile) {
  test::ScratchDir dir;
  write_nci_head(dir.file("lib.smi"), 120);
  ASSERT_EQ(molsieve(dir, "featurize " + dir.file("lib.smi") + " -o " + dir.file("lib.h5") + " -q").status, 0);
  test::write_text(dir.file("job.toml"), small_job(dir.file("lib.smi"), 50));
  ASSERT_EQ(molsieve(dir, "screen " + dir.file("job.toml") + " -o " + dir.file("a.h5") + " --threads 2 -q").status, 0);
  const CommandRun store = molsieve(dir, "screen " + dir.file("job.toml") + " --library " + dir.file("lib.h5") +
                                             " -o " + dir.file("b.h5") + " --threads 2 -q");
  ASSERT_EQ(store.status, 0) << store.err;
  expect_same_results(dir.file("a.h5"), dir.file("b.h5"));
}

}  // namespace
}  // namespace molsieve::test
