// molsieve: GPU-accelerated drug-discovery screening. One executable, one subcommand per
// job; every failure ends in one clear line on stderr and a non-zero exit status.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <exception>
#include <string>
#include <vector>

#include "cluster/cluster.h"
#include "core/error.h"
#include "kernels/backend.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/exit_status.h"
#include "workflows/cli/run_log.h"
#include "workflows/cli/usage.h"

namespace {

// One error line, stamped and copied to the events when the command keeps a log.
void report(const char* kind, const std::string& message, const std::string& event) {
  const molsieve::workflows::RunLog& log = molsieve::workflows::RunLog::get();
  log.raw_line(std::string("molsieve: ") + kind + ": " + message);
  log.event(event, {{"message", message}});
}

// Under MPI an error every rank saw is printed once, by rank 0; one rank's own failure is
// printed by that rank and ends the whole job.
int fail(const char* kind, const std::string& message, int status) {
  const char* event = status == molsieve::workflows::kInterruptedExitStatus ? "stopped" : "error";
  if (molsieve::cluster::world().rank() == 0) report(kind, message, event);
  return status;
}

}  // namespace

int main(int argc, char** argv) {
  molsieve::cluster::World world(argc, argv);
  molsieve::cluster::set_world(&world);
  // One GPU per rank of a node unless --device names one.
  molsieve::kernels::set_default_cuda_device(world.local_rank());
  CLI::App app{"molsieve: featurize molecular libraries, score and rank them on CPUs and GPUs"};
  app.set_version_flag("--version", std::string("molsieve ") + MOLSIEVE_VERSION);
  app.require_subcommand(1);
  molsieve::workflows::add_featurize_command(app);
  molsieve::workflows::add_info_command(app);
  molsieve::workflows::add_similarity_command(app);
  molsieve::workflows::add_pick_command(app);
  molsieve::workflows::add_train_command(app);
  molsieve::workflows::add_pretrain_command(app);
  molsieve::workflows::add_evaluate_command(app);
  molsieve::workflows::add_calibrate_command(app);
  molsieve::workflows::add_predict_command(app);
  molsieve::workflows::add_screen_command(app);
  molsieve::workflows::add_status_command(app);
  molsieve::workflows::add_submit_command(app);
  molsieve::workflows::add_shard_command(app);
  molsieve::workflows::add_merge_command(app);
  molsieve::workflows::add_query_command(app);
  molsieve::workflows::add_report_command(app);
  molsieve::workflows::add_population_commands(app);
  molsieve::workflows::add_cohort_command(app);
  molsieve::workflows::add_cohort_store_commands(app);
  molsieve::workflows::add_serve_command(app);
  // Exit status: 0 done, 1 an error in the input or the run, 2 a command line that could not
  // be parsed (molsieve::workflows::kUsageExitStatus), 3 an internal error, 75 a run stopped
  // by Ctrl-C or SIGTERM that running again continues (kInterruptedExitStatus); status answers
  // 0, 10, 11, 12 or 13 for a finished, running, stopped, unstarted or queued screen (exit_status.h).
  const auto mistake = molsieve::workflows::find_usage_mistake(app, std::vector<std::string>(argv + 1, argv + argc));
  if (mistake) return fail("usage error", mistake->c_str(), molsieve::workflows::kUsageExitStatus);
  // Only screen and cohort share their work across ranks: any other command started on several
  // ranks would do the whole job on each, writing the same outputs at once.
  const std::string subcommand = argc > 1 ? argv[1] : "";
  if (world.parallel() && !subcommand.empty() && subcommand[0] != '-' && subcommand != "screen" &&
      subcommand != "cohort")
    return fail("error",
                (subcommand + ": runs as one process; start it without mpirun or srun (screen and cohort are the "
                              "commands that share their work across ranks)")
                    .c_str(),
                1);
  try {
    app.parse(argc, argv);
  } catch (const molsieve::workflows::ExitWithStatus& e) {
    return e.status;
  } catch (const CLI::Success& e) {
    return app.exit(e);  // --help, --version
  } catch (const CLI::ParseError& e) {
    std::fprintf(stderr, "molsieve: usage error: %s (molsieve%s --help)\n", e.what(),
                 argc > 1 && argv[1][0] != '-' ? (std::string(" ") + argv[1]).c_str() : "");
    return molsieve::workflows::kUsageExitStatus;
  } catch (const molsieve::cluster::RankFailure& e) {
    // "rank 1 failed on chunk(s) 17: <first line>"; a LibTorch trace only when asked for.
    const molsieve::workflows::RunLog& log = molsieve::workflows::RunLog::get();
    report("error", log.verbose() ? e.what() : molsieve::workflows::first_line(e.what()), "error");
    world.abort(1);
  } catch (const molsieve::Interrupted& e) {
    return fail("stopped", e.what(), molsieve::workflows::kInterruptedExitStatus);
  } catch (const molsieve::Error& e) {
    return fail("error", e.what(), 1);
  } catch (const std::exception& e) {
    return fail("internal error", e.what(), 3);
  }
  return 0;
}
