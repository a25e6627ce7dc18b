#include <CLI/CLI.hpp>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <memory>

#include "chem/alerts.h"
#include "chem/descriptors.h"
#include "chem/library_store.h"
#include "kernels/backend.h"
#include "kernels/popcount.h"
#include "workflows/cli/commands.h"
#include "workflows/cli/common_options.h"

namespace molsieve::workflows {
namespace {

struct Stats {
  double min = INFINITY, max = -INFINITY, sum = 0;
  std::uint64_t n = 0;
  void add(double v) {
    if (std::isnan(v)) return;
    min = std::min(min, v);
    max = std::max(max, v);
    sum += v;
    ++n;
  }
};

// Mean and range of bits set per valid fingerprint, counted in chunks by the chosen backend.
Stats fingerprint_density(const chem::LibraryReader& library, kernels::Backend backend) {
  const auto status = library.status();
  const std::uint64_t rows = library.size();
  const unsigned words = library.fingerprint_words();
  constexpr std::uint64_t kChunk = 1 << 16;
  Stats stats;
  std::vector<std::uint32_t> counts;
  for (std::uint64_t first = 0; first < rows; first += kChunk) {
    const std::uint64_t n = std::min(kChunk, rows - first);
    auto fps = library.fingerprints(first, n);
    counts.resize(n);
    kernels::popcount_rows(backend, fps.data(), n, words, counts.data());
    for (std::uint64_t i = 0; i < n; ++i)
      if (status[first + i] == 0) stats.add(counts[i]);
  }
  return stats;
}

}  // namespace

void add_info_command(CLI::App& app) {
  auto path = std::make_shared<std::string>();
  auto device = std::make_shared<kernels::DeviceChoice>();
  auto quiet = std::make_shared<bool>(false);
  CLI::App* cmd =
      app.add_subcommand("info", "Summarize a library store: provenance, counts, descriptors");
  cmd->add_option("store", *path, "Library store (.h5) written by molsieve featurize")
      ->required();
  add_device_option(*cmd, *device, "Backend for the fingerprint statistics: auto, cpu, cuda or cuda:N");
  add_quiet_flag(*cmd, *quiet, "Accepted as by every subcommand; the description is info's output, so it stays");
  // The callback holds `quiet` too: CLI11 writes -q into it while parsing.
  cmd->callback([path, device, quiet] {
    const auto selection = kernels::select_backend(*device);
    chem::LibraryReader library(*path);
    const chem::LibrarySummary s = library.summary();
    std::printf("library store %s\n", s.path.c_str());
    std::printf("  schema version %d, written by molsieve %s on %s, %s\n", s.schema_version,
                s.tool_version.c_str(), s.created.c_str(), s.complete ? "complete" : "INCOMPLETE");
    for (const auto& input : s.inputs)
      std::printf("  input %s (sha256 %s)\n", input.name.c_str(), input.sha256.c_str());
    std::printf("  standardization %s; Morgan radius %u, %u bits; graph featurizer v%d\n",
                s.standardized ? "on" : "off", s.fp_radius, s.fp_bits, s.graph_featurizer_version);
    const auto& c = s.counts;
    std::printf("  records %llu: valid %llu, invalid %llu, duplicates %llu\n",
                static_cast<unsigned long long>(c.records),
                static_cast<unsigned long long>(c.valid),
                static_cast<unsigned long long>(c.invalid),
                static_cast<unsigned long long>(c.duplicates));
    std::printf("  molecules with alerts %llu:", static_cast<unsigned long long>(c.with_alerts));
    const auto& families = chem::AlertCatalog::families();
    for (std::size_t f = 0; f < families.size(); ++f)
      std::printf(" %s %llu", families[f].c_str(),
                  static_cast<unsigned long long>(c.alert_family_hits[f]));
    std::printf("\n  graphs: %llu atoms, %llu bonds\n", static_cast<unsigned long long>(s.atoms),
                static_cast<unsigned long long>(s.bonds));
    if (!s.property_columns.empty()) {
      std::printf("  extra columns:");
      for (const auto& column : s.property_columns) std::printf(" %s", column.c_str());
      std::printf("\n");
    }
    std::printf("  featurized in %.2f s\n", s.seconds);
    std::printf("  %-16s %10s %10s %10s\n", "descriptor", "min", "mean", "max");
    for (const char* name : chem::descriptor_names()) {
      Stats stats;
      for (double v : library.descriptor(name)) stats.add(v);
      if (stats.n == 0) continue;
      std::printf("  %-16s %10.3f %10.3f %10.3f\n", name, stats.min, stats.sum / stats.n,
                  stats.max);
    }
    Stats bits = fingerprint_density(library, selection.backend);
    if (bits.n > 0)
      std::printf("  %-16s %10.0f %10.1f %10.0f   (%s backend: %s)\n", "morgan bits set", bits.min,
                  bits.sum / bits.n, bits.max, kernels::backend_name(selection.backend),
                  selection.reason.c_str());
  });
}

}  // namespace molsieve::workflows
