#pragma once
// The options many subcommands share, each declared here once so that it is spelled, parsed
// and explained alike everywhere: --threads, --device, --overwrite, -q/--quiet.
#include <string>
#include <vector>

#include "kernels/backend.h"

namespace CLI {
class App;
class Option;
}  // namespace CLI

namespace molsieve::workflows {

// The values of the four options together, for the commands that take all of them.
struct RunValues {
  unsigned threads = 0;  // 0: all cores
  kernels::DeviceChoice device;
  bool overwrite = false;
  bool quiet = false;
};

void add_run_options(CLI::App& command, RunValues& values);

CLI::Option* add_threads_option(CLI::App& command, unsigned& threads,
                                const std::string& help = "CPU threads (0: all cores)");

// Parsed as the command line is read: a bad value is a usage error before anything is opened.
CLI::Option* add_device_option(
    CLI::App& command, kernels::DeviceChoice& device,
    const std::string& help = "auto (CUDA when a usable GPU exists, else the CPU), cpu, cuda or cuda:N (the GPU "
                              "with index N; under MPI a rank's default GPU is its node-local rank's)");

// kernels::parse_device for a value of the command line: a bad one is thrown as a usage error.
kernels::DeviceChoice parse_device_option(const std::string& text);

CLI::Option* add_overwrite_flag(CLI::App& command, bool& overwrite,
                                const std::string& help = "Replace outputs that exist");

CLI::Option* add_quiet_flag(CLI::App& command, bool& quiet,
                            const std::string& help = "No progress or summary (warnings and errors still show)");

// Throws molsieve::Error for the first output that exists, unless overwriting.
void refuse_existing_outputs(const std::vector<std::string>& paths, bool overwrite);

}  // namespace molsieve::workflows
