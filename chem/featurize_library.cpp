#include "chem/featurize_library.h"

#include <oneapi/tbb/enumerable_thread_specific.h>
#include <oneapi/tbb/info.h>
#include <oneapi/tbb/parallel_pipeline.h>
#include <oneapi/tbb/task_arena.h>
#include <sys/stat.h>

#include <chrono>
#include <memory>

#include "chem/alerts.h"
#include "chem/fingerprints.h"
#include "chem/qed.h"
#include "core/error.h"
#include "core/file_identity.h"
#include "core/sha256.h"

namespace molsieve::chem {
namespace {

struct Batch {
  std::vector<InputRecord> records;
  std::vector<FeaturizedMolecule> molecules;
  Progress input_progress;
};

bool path_exists(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0;
}

}  // namespace

FeaturizeReport featurize_library(const FeaturizeRequest& request,
                                  const ProgressCallback& progress) {
  const auto start = std::chrono::steady_clock::now();
  if (request.output.empty()) throw Error("no output file given (-o library.h5)");
  if (path_exists(request.output) && !request.overwrite)
    throw Error(request.output + ": already exists (use --overwrite to replace it)");
  if (request.batch_size == 0) throw Error("batch size must be positive");

  // Recorded before the inputs are hashed for the store's provenance: a store is written only
  // from inputs that are still those files when the last batch is written.
  const InputWatch watch(request.inputs);
  MoleculeReader reader(request.inputs, request.reader);
  std::vector<InputFile> inputs;
  for (const auto& path : request.inputs) inputs.push_back({path, sha256_file(path)});

  const AlertCatalog alerts;
  const Qed qed;
  // Checks --fp-bits and --fp-radius before any file is created.
  { MorganFingerprinter check(request.featurizer.fp_radius, request.featurizer.fp_bits); }

  const unsigned threads =
      request.threads ? request.threads : static_cast<unsigned>(tbb::info::default_concurrency());
  FeaturizeReport report;
  report.threads = threads;
  LibraryWriter writer(request.output, request.featurizer, alerts, inputs);
  tbb::enumerable_thread_specific<std::unique_ptr<Featurizer>> featurizers;
  tbb::task_arena arena(static_cast<int>(threads));
  const std::size_t batches_in_flight = 2 * threads + 2;
  arena.execute([&] {
    tbb::parallel_pipeline(
        batches_in_flight,
        tbb::make_filter<void, std::shared_ptr<Batch>>(
            tbb::filter_mode::serial_in_order,
            [&](tbb::flow_control& control) -> std::shared_ptr<Batch> {
              if (request.cancel && request.cancel->cancelled())
                throw Interrupted("interrupted; " + request.output + " was not written");
              auto batch = std::make_shared<Batch>();
              if (!reader.next_batch(batch->records, request.batch_size)) {
                control.stop();
                return nullptr;
              }
              batch->input_progress = reader.progress();
              return batch;
            }) &
            tbb::make_filter<std::shared_ptr<Batch>, std::shared_ptr<Batch>>(
                tbb::filter_mode::parallel,
                [&](std::shared_ptr<Batch> batch) {
                  auto& featurizer = featurizers.local();
                  if (!featurizer)
                    featurizer = std::make_unique<Featurizer>(request.featurizer, alerts, qed);
                  batch->molecules.reserve(batch->records.size());
                  for (auto& record : batch->records)
                    batch->molecules.push_back(featurizer->featurize(std::move(record)));
                  batch->records.clear();
                  return batch;
                }) &
            tbb::make_filter<std::shared_ptr<Batch>, void>(
                tbb::filter_mode::serial_in_order, [&](std::shared_ptr<Batch> batch) {
                  writer.append(batch->molecules);
                  for (const auto& m : batch->molecules)
                    if (!m.ok() && report.first_errors.size() < FeaturizeReport::kErrorsKept)
                      report.first_errors.push_back(m.error);
                  if (progress) {
                    Progress p = batch->input_progress;
                    p.records_done = writer.counts().records;
                    progress(p);
                  }
                }));
  });
  watch.check();
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  writer.finish(report.seconds);
  report.counts = writer.counts();
  report.empty_inputs = reader.empty_inputs();
  return report;
}

}  // namespace molsieve::chem
