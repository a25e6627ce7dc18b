// The cohort's stages on a population already in memory, and what-if runs on a cohort store
// written with --keep-all-indexed (bench/cohort.sh): seconds per stage, best of N rounds.
//   molsieve_bench_cohort POP.h5 DEFINITION.json QUOTAS.json SIZE COHORT.h5 RULE [ROUNDS]
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <string>

#include "cohort/characterization.h"
#include "cohort/cohort_definition.h"
#include "cohort/eligibility.h"
#include "cohort/population.h"
#include "cohort/quota_selection.h"
#include "core/error.h"
#include "workflows/cohort_job/patients_table.h"
#include "workflows/cohort_job/what_if.h"

namespace {

using namespace molsieve;

double best_of(int rounds, const std::function<void()>& stage) {
  double best = 1e300;
  for (int r = 0; r < rounds; ++r) {
    const auto start = std::chrono::steady_clock::now();
    stage();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 7) {
    std::fprintf(stderr, "usage: %s POP.h5 DEFINITION.json QUOTAS.json SIZE COHORT.h5 RULE [ROUNDS]\n", argv[0]);
    return 2;
  }
  try {
    const std::string definition_path = argv[2], quotas_path = argv[3], store = argv[5], rule = argv[6];
    const std::uint64_t size = std::strtoull(argv[4], nullptr, 10);
    const int rounds = argc > 7 ? std::atoi(argv[7]) : 3;
    cohort::Population population;
    const double load = best_of(1, [&] {
      population = cohort::read_population(argv[1], 0, cohort::read_population_info(argv[1]).persons);
    });
    const cohort::CohortDefinition definition = cohort::read_cohort_definition(definition_path);
    const cohort::Quotas quotas = cohort::read_quotas(quotas_path);
    const cohort::EligibilityEvaluator evaluator(definition, nullptr, kernels::Backend::Cpu);
    cohort::EligibilityResult result;
    const double evaluate = best_of(rounds, [&] { result = evaluator.evaluate(population); });
    // What the job adds per patient: the characterization's features, the patients table's rows.
    const cohort::CharacterizationItems items = cohort::characterization_items(definition);
    workflows::PatientRows rows;
    cohort::CharacterizationGroup everyone;
    cohort::PatientFeatures features;
    const double describe_features =
        best_of(rounds, [&] { features = cohort::patient_features(items, population, result.index_day); });
    const double describe_population = best_of(rounds, [&] {
      everyone = {};
      everyone.add_slice(population, features, items);
    });
    // The default patients table (the eligible), and the one --keep-all-indexed writes.
    const double all_indexed_rows =
        best_of(rounds, [&] { rows = workflows::patient_rows(population, result, items, features, quotas, true); });
    const double describe_rows =
        best_of(rounds, [&] { rows = workflows::patient_rows(population, result, items, features, quotas, false); });
    const double describe = describe_features + describe_population + describe_rows;
    std::vector<cohort::SelectionCandidate> candidates;
    for (std::size_t i = 0; i < rows.size(); ++i)
      if (rows.eligible[i]) candidates.push_back(rows.candidate(i));
    cohort::Selection selection;
    const double select = best_of(rounds, [&] {
      selection = cohort::select_cohort(cohort::keep_cell_leaders(candidates, size), size, quotas);
    });
    workflows::StoredOutcomes stored;
    const double read = best_of(1, [&] { stored = workflows::read_stored_outcomes(store); });
    workflows::WhatIfOutcome what_if;
    const double reevaluate = best_of(rounds, [&] { what_if = workflows::what_if(stored, {rule}, {}); });
    std::printf("persons %zu eligible %zu selected %zu (%s)\n", population.persons(), candidates.size(),
                selection.chosen.size(), selection.solver.c_str());
    std::printf("load population %.3f s\nevaluate %.3f s\ndescribe %.3f s (features %.3f, population %.3f, patients "
                "table rows %.3f; with --keep-all-indexed %.3f)\nselect %.3f s\ncohort after load %.3f s\n",
                load, evaluate, describe, describe_features, describe_population, describe_rows, all_indexed_rows, select,
                evaluate + describe + select);
    std::printf("what-if: read store (%zu patients) %.3f s\nwhat-if: without \"%s\" %.4f s (%llu eligible, %zu selected)\n",
                stored.patients.size(), read, rule.c_str(), reevaluate,
                static_cast<unsigned long long>(what_if.eligible), what_if.chosen.size());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
