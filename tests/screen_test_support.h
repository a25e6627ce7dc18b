#pragma once
// Helpers of the molsieve screen tests: results stores read back, a small job, and the
// BACE-1 job's results (a CTest fixture, see tests/CMakeLists.txt).
#include <gtest/gtest.h>

#include <cstddef>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "test_support.h"
#include "workflows/results/result_table.h"

namespace molsieve::test {

workflows::ResultTable read_results(const std::string& path);

// A small job on `library`: the BACE model, the Tox21 model and the shipped references.
std::string small_job(const std::string& library, int chunk_size);

// docs/screening.md's desirability, written out apart from the scorer's: `shortfall` is the
// value's distance from the best region in ramp lengths (0 or less inside it).
double documented_desirability(double shortfall, double edge);

// The part files <output>.parts/ holds now (0 when there is no such folder).
std::size_t parts_written(const std::string& output);

// The arguments of `molsieve screen <job> -o <output> --threads 2 -q` (with --overwrite when asked).
std::vector<std::string> screen_args(const std::string& job, const std::string& output, bool overwrite = false);

// Same columns, same values (NaN equals NaN) and the same selection.
void expect_same_results(const std::string& a, const std::string& b);

// Starts the molsieve executable with `args` and sends it `signal` once `ready()` holds
// (polled every 2 ms, for 3 minutes at most); returns its wait status, or nothing when the
// run ended first.
std::optional<int> signal_screen_when(const std::vector<std::string>& args, const std::function<bool()>& ready,
                                      int signal);
// The same, once `chunks` part files of a screen into `output` exist.
std::optional<int> signal_screen_after(const std::vector<std::string>& args, const std::string& output,
                                       std::size_t chunks, int signal);
// The same with SIGKILL.
void kill_screen_after(const std::vector<std::string>& args, const std::string& output, std::size_t chunks);

// The BACE-1 job's results on the NCI library, in dir_->file("bace1.h5"). Written by the
// CTest fixture screen_bace1_job, or by the suite when run on its own.
class Bace1Job : public SharedRunSuite<Bace1Job> {
 protected:
  static void SetUpTestSuite();
  static void TearDownTestSuite();

  // One NCI molecule of 5,000 is inside the bace model's domain: the BACE-1 job selects it alone. The
  // tests of the selection and the candidate cards screen 300 NCI molecules mixed with the six
  // clinical BACE-1 inhibitors (two of them inside the domain), into dir_->file("inside.h5")
  // with the BACE-1 job and dir_->file("open.h5") without its domain rule. Screened on first
  // use: most tests need neither.
  static void screen_mixed_library();

 private:
  static inline bool mixed_screened_ = false;
};

}  // namespace molsieve::test
