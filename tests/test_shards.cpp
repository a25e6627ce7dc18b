// A campaign in shards: a library store split by molsieve shard, each shard screened on its
// own, and molsieve merge of their results stores equal to one screen of the whole library;
// what the merge refuses (another job's store, two stores of one shard, missing shards).
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "chem/library_store.h"
#include "screen_test_support.h"
#include "workflows/results/results_store.h"
#include "workflows/screen/shards.h"

namespace molsieve::test {
namespace {

namespace fs = std::filesystem;

constexpr int kChunk = 64;

// A similarity-only job (no models: fast) with a pool smaller than a shard's candidates.
std::string similarity_job(std::size_t keep) {
  return "name = \"campaign\"\n[library]\ninputs = [\"unused.h5\"]\nchunk_size = " + std::to_string(kChunk) +
         "\n[filters]\nmax_lipinski_violations = 1\n[similarity]\nreferences = \"" +
         std::string(MOLSIEVE_SOURCE_DIR) + "/datasets/jobs/bace1_references.smi\"\n[selection]\nkeep = " +
         std::to_string(keep) + "\ndiversity = 0.4\npool = 8\n";
}

// 300 NCI molecules as CSV with a numeric column of the library's own, then copies of the
// first 20 (whose first occurrences are all in shard 0), and the store featurized from it.
class ShardedCampaign : public SharedRunSuite<ShardedCampaign> {
 protected:
  static void SetUpTestSuite() {
    dir_.emplace();
    write_nci_head(dir_->file("nci.smi"), 300);
    std::ifstream in(dir_->file("nci.smi"));
    std::vector<std::string> rows;
    for (std::string smiles, id; in >> smiles >> id;) rows.push_back(smiles + "," + id + "," + std::to_string(rows.size() * 0.25));
    std::string csv = "smiles,name,activity\n";
    for (const auto& row : rows) csv += row + "\n";
    for (std::size_t k = 0; k < 20; ++k) csv += rows[k] + "\n";
    write_text(dir_->file("lib.csv"), csv);
    write_text(dir_->file("job.toml"), similarity_job(5));
    write_text(dir_->file("other.toml"), similarity_job(4));
    const std::string screen = " --threads 2 -q";
    run_ = molsieve(*dir_, "featurize " + dir_->file("lib.csv") + " --id-column name -o " + dir_->file("lib.h5") + screen);
    if (run_.status != 0) return;
    run_ = molsieve(*dir_, "screen " + dir_->file("job.toml") + " --library " + dir_->file("lib.h5") + " -o " +
                               dir_->file("whole.h5") + screen);
    if (run_.status != 0) return;
    run_ = molsieve(*dir_, "shard " + dir_->file("lib.h5") + " -n 3 --align " + std::to_string(kChunk) + " -o " +
                               dir_->file("shards") + " -q");
    for (int k = 0; k < 3 && run_.status == 0; ++k)
      run_ = molsieve(*dir_, "screen " + dir_->file("job.toml") + " --library " + shard(k) + " -o " + result(k) + screen);
    if (run_.status != 0) return;
    // The stores in another order than the shards': the manifest puts them back.
    run_ = molsieve(*dir_, "merge " + result(2) + " " + result(0) + " " + result(1) + " -o " + dir_->file("merged.h5"));
  }
  static std::string shard(int k) { return dir_->file("shards/shard-000" + std::to_string(k) + ".h5"); }
  static std::string result(int k) { return dir_->file("r" + std::to_string(k) + ".h5"); }
};

TEST_F(ShardedCampaign, ShardsHoldConsecutiveWholeChunksOfTheLibrary) {
  const workflows::ShardManifest m = workflows::read_shard_manifest(dir_->file("shards/manifest.json"));
  ASSERT_EQ(m.shards.size(), 3u);
  EXPECT_EQ(m.rows, 320u);
  // 5 chunks of 64 rows: 2, 2 and 1 of them.
  EXPECT_EQ(m.shards[0].first_row, 0u);
  EXPECT_EQ(m.shards[0].rows, 128u);
  EXPECT_EQ(m.shards[1].first_row, 128u);
  EXPECT_EQ(m.shards[1].rows, 128u);
  EXPECT_EQ(m.shards[2].first_row, 256u);
  EXPECT_EQ(m.shards[2].rows, 64u);
  const chem::LibraryReader whole(dir_->file("lib.h5"));
  for (int k = 0; k < 3; ++k) {
    const chem::LibraryReader part(shard(k));
    ASSERT_EQ(part.size(), m.shards[k].rows);
    EXPECT_EQ(part.fingerprints(0, part.size()), whole.fingerprints(m.shards[k].first_row, part.size())) << k;
    EXPECT_EQ(part.properties(0, part.size()), whole.properties(m.shards[k].first_row, part.size())) << k;
  }
  // The last shard's 20 copies have their first occurrences in shard 0: none is a copy there.
  EXPECT_EQ(chem::LibraryReader(shard(2)).summary().counts.duplicates, 0u);
  EXPECT_GE(whole.summary().counts.duplicates, 20u);
}

TEST_F(ShardedCampaign, MergeOfShardStoresEqualsOneScreenOfTheWholeLibrary) {
  expect_same_results(dir_->file("whole.h5"), dir_->file("merged.h5"));
  const workflows::ResultsStore whole(dir_->file("whole.h5")), merged(dir_->file("merged.h5"));
  EXPECT_EQ(merged.counts().copies, whole.counts().copies);
  EXPECT_GE(merged.counts().copies, 20);
  EXPECT_EQ(merged.counts().selected, whole.counts().selected);
  EXPECT_GT(merged.counts().selected, 0);
  EXPECT_EQ(merged.input_columns(), whole.input_columns());
  EXPECT_EQ(merged.pool().rows, whole.pool().rows);
  // The provenance names the whole library, so the merged store is that screen's.
  EXPECT_EQ(merged.provenance().job_sha256, whole.provenance().job_sha256);
  EXPECT_EQ(merged.provenance().library_sha256, whole.provenance().library_sha256);
}

TEST_F(ShardedCampaign, QueryOfTheMergedStoreAnswersAsTheWholeScreen) {
  const std::string query = " --order-by rank --top 10 --format csv";
  const CommandRun whole = molsieve(*dir_, "query " + dir_->file("whole.h5") + query);
  const CommandRun merged = molsieve(*dir_, "query " + dir_->file("merged.h5") + query);
  ASSERT_EQ(merged.status, 0) << merged.err;
  EXPECT_EQ(merged.out, whole.out);
  EXPECT_NE(merged.out.find("activity"), std::string::npos);
}

TEST_F(ShardedCampaign, MergeNamesTheMissingShardAndWritesNothing) {
  const CommandRun run =
      molsieve(*dir_, "merge " + result(0) + " " + result(2) + " -o " + dir_->file("partial-campaign.h5"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("no results store for shard 1 (shard-0001.h5, rows 128-255)"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir_->file("partial-campaign.h5")));
}

TEST_F(ShardedCampaign, MergeRefusesTwoStoresOfOneShard) {
  fs::copy_file(result(1), dir_->file("r1-again.h5"), fs::copy_options::overwrite_existing);
  const CommandRun run = molsieve(*dir_, "merge " + result(0) + " " + result(1) + " " + dir_->file("r1-again.h5") +
                                             " " + result(2) + " -o " + dir_->file("twice.h5"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("r1-again.h5 and " + result(1) + " are both screens of shard 1"), std::string::npos) << run.err;
  EXPECT_FALSE(fs::exists(dir_->file("twice.h5")));
}

TEST_F(ShardedCampaign, MergeRefusesAStoreOfAnotherJob) {
  const CommandRun other = molsieve(*dir_, "screen " + dir_->file("other.toml") + " --library " + shard(1) + " -o " +
                                               dir_->file("other1.h5") + " --threads 2 -q");
  ASSERT_EQ(other.status, 0) << other.err;
  const CommandRun run = molsieve(*dir_, "merge " + result(0) + " " + dir_->file("other1.h5") + " " + result(2) +
                                             " -o " + dir_->file("mixed.h5"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("other1.h5: made by another job than " + result(0)), std::string::npos) << run.err;
}

TEST_F(ShardedCampaign, MergeRefusesAStoreOfAnotherLibrary) {
  const CommandRun run = molsieve(*dir_, "merge " + result(0) + " " + dir_->file("whole.h5") + " -o " +
                                             dir_->file("foreign.h5"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("whole.h5: its library (" + dir_->file("lib.h5") + ") is no shard of"), std::string::npos)
      << run.err;
}

TEST_F(ShardedCampaign, MergeKeepsAnExistingStoreWithoutOverwrite) {
  const CommandRun run = molsieve(*dir_, "merge " + result(0) + " " + result(1) + " " + result(2) + " -o " +
                                             dir_->file("whole.h5"));
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("whole.h5: exists (use --overwrite"), std::string::npos) << run.err;
}

// The array job's script: one task per shard, each screening its own shard into its own store
// with --resume, and the trap that requeues a task told to stop.
TEST_F(ShardedCampaign, SubmitArrayWritesOneTaskPerShardThatResumesAndRequeuesItself) {
  const CommandRun run = molsieve(*dir_, "submit " + dir_->file("job.toml") + " --array " +
                                             dir_->file("shards/manifest.json") + " -o " + dir_->file("campaign.h5") +
                                             " --requeue --signal B:USR1@120 --dry-run -q");
  ASSERT_EQ(run.status, 0) << run.err;
  const std::string& script = run.out;
  for (const std::string& line : std::vector<std::string>{
           "#SBATCH --array=0-2\n", "#SBATCH --requeue\n", "#SBATCH --signal=B:USR1@120\n",
        "#SBATCH --output=" + dir_->file("campaign.h5") + ".slurm-%A_%a.log\n",
        "task=$(printf %04d \"${SLURM_ARRAY_TASK_ID}\")\n", "trap requeue USR1\n",
        "  scancel --signal=TERM \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\" || true\n",
        "  scontrol requeue \"${SLURM_ARRAY_JOB_ID}_${SLURM_ARRAY_TASK_ID}\"\n"})
    EXPECT_NE(script.find(line), std::string::npos) << line << "\n" << script;
  EXPECT_NE(script.find(" -o " + dir_->file("campaign.shard-") + "\"${task}\".h5 "), std::string::npos) << script;
  EXPECT_NE(script.find(" --library " + dir_->file("shards/shard-") + "\"${task}\".h5 --resume &\n"),
            std::string::npos)
      << script;
}

TEST_F(ShardedCampaign, SubmitRefusesOverwriteForAJobThatRequeuesItself) {
  const CommandRun run = molsieve(*dir_, "submit " + dir_->file("job.toml") + " --array " +
                                             dir_->file("shards/manifest.json") + " -o " + dir_->file("c2.h5") +
                                             " --overwrite --dry-run -q");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("--overwrite: a job that requeues itself would start over each time"), std::string::npos)
      << run.err;
}

TEST_F(ShardedCampaign, SubmitArrayRefusesALibraryBesideTheManifest) {
  const CommandRun run = molsieve(*dir_, "submit " + dir_->file("job.toml") + " --array " +
                                             dir_->file("shards/manifest.json") + " --library " + dir_->file("lib.h5") +
                                             " -o " + dir_->file("c4.h5") + " --dry-run -q");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("--array and --library: the manifest names each task's library"), std::string::npos)
      << run.err;
}

TEST_F(ShardedCampaign, SubmitRefusesABadSignal) {
  const CommandRun run = molsieve(*dir_, "submit " + dir_->file("job.toml") + " --library " + dir_->file("lib.h5") +
                                             " -o " + dir_->file("c3.h5") + " --signal 'USR1 at 2' --dry-run -q");
  EXPECT_EQ(run.status, 1);
  EXPECT_NE(run.err.find("--signal: 'USR1 at 2' is not a Slurm signal"), std::string::npos) << run.err;
}

}  // namespace
}  // namespace molsieve::test
