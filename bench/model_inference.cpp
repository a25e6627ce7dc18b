// Model inference throughput from a library store, split by stage: reading rows, building
// graph batches, the forward passes, the applicability-domain search. Prints one line per
// batch size; the numbers go into docs/benchmarks.md.
//   molsieve_bench_models MODEL.h5 LIBRARY.h5 THREADS [BATCH_SIZE...]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "chem/library_store.h"
#include "kernels/similarity_search.h"
#include "models/dmpnn.h"
#include "models/model_state.h"
#include "models/thread_scope.h"

namespace {

using Clock = std::chrono::steady_clock;
double since(Clock::time_point start) { return std::chrono::duration<double>(Clock::now() - start).count(); }

}  // namespace

int main(int argc, char** argv) {
  using namespace molsieve;
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s MODEL.h5 LIBRARY.h5 THREADS [BATCH_SIZE...]\n", argv[0]);
    return 2;
  }
  const models::ModelThreadScope threads(static_cast<unsigned>(std::atoi(argv[3])));
  models::Model model = models::Model::load(argv[1]);
  const std::string device = model.use_device(kernels::DeviceChoice{});
  const models::Model::State& s = model.state();
  std::vector<std::size_t> batch_sizes;
  for (int i = 4; i < argc; ++i) batch_sizes.push_back(static_cast<std::size_t>(std::atoi(argv[i])));
  if (batch_sizes.empty()) batch_sizes = {64, 256, 1024};

  const chem::LibraryReader store(argv[2]);
  const std::uint64_t rows = store.size();
  constexpr std::uint64_t kChunk = 8192;
  std::printf("model %s (%zu members, hidden %d), %llu molecules, %u thread(s), %s\n", s.card.name.c_str(),
              s.members.size(), s.card.architecture.hidden, static_cast<unsigned long long>(rows), threads.count(),
              device.c_str());
  std::printf("%6s %10s %10s %10s %10s %10s %12s %14s\n", "batch", "read_s", "batch_s", "forward_s",
              "domain_s", "total_s", "mol/s", "mol/s/member");
  for (std::size_t batch_size : batch_sizes) {
    double read = 0, build = 0, forward = 0, domain = 0;
    std::uint64_t valid = 0;
    torch::NoGradGuard no_grad;
    for (auto member : s.members) member->eval();
    for (std::uint64_t first = 0; first < rows; first += kChunk) {
      auto t = Clock::now();
      const models::MoleculeSet set = models::read_store_rows(store, first, std::min(kChunk, rows - first));
      read += since(t);
      const std::vector<std::size_t> valid_rows = set.valid_rows();
      valid += valid_rows.size();
      for (std::size_t b = 0; b < valid_rows.size(); b += batch_size) {
        const std::vector<std::size_t> batch_rows(valid_rows.begin() + b,
                                                  valid_rows.begin() + std::min(valid_rows.size(), b + batch_size));
        t = Clock::now();
        std::vector<const chem::MolGraph*> graphs;
        for (std::size_t row : batch_rows) graphs.push_back(&set.graphs[row]);
        models::GraphBatch batch = models::make_batch(graphs, s.molecule_inputs(set, batch_rows), s.molecule_input_count());
        batch.ordered_sums = true;  // as Model::predict
        batch = batch.to(s.device);
        build += since(t);
        t = Clock::now();
        for (auto member : s.members) {
          const torch::Tensor y = torch::sigmoid(member->forward(batch)).to(torch::kCPU);
          (void)y.data_ptr<float>();
        }
        forward += since(t);
      }
      t = Clock::now();
      std::vector<std::uint64_t> fingerprints;
      for (std::size_t row : valid_rows)
        fingerprints.insert(fingerprints.end(), set.fingerprints.begin() + row * set.fingerprint_words,
                            set.fingerprints.begin() + (row + 1) * set.fingerprint_words);
      kernels::nearest_reference(kernels::Backend::Cpu, {fingerprints.data(), valid_rows.size(), set.fingerprint_words},
                                 *s.training_library, kernels::Metric{});
      domain += since(t);
    }
    const double total = read + build + forward + domain;
    std::printf("%6zu %10.2f %10.2f %10.2f %10.2f %10.2f %12.0f %14.0f\n", batch_size, read, build, forward, domain,
                total, static_cast<double>(valid) / total,
                static_cast<double>(valid) * static_cast<double>(s.members.size()) / total);
  }
  return 0;
}
