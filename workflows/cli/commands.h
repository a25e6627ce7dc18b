#pragma once
// The molsieve subcommands. Each registers its options on the CLI11 app and runs
// through a callback; errors reach main() as molsieve::Error.
namespace CLI { class App; }

namespace molsieve::workflows {

void add_featurize_command(CLI::App& app);
void add_info_command(CLI::App& app);
void add_similarity_command(CLI::App& app);
void add_pick_command(CLI::App& app);
void add_train_command(CLI::App& app);
void add_pretrain_command(CLI::App& app);
void add_evaluate_command(CLI::App& app);
void add_calibrate_command(CLI::App& app);
void add_predict_command(CLI::App& app);
void add_screen_command(CLI::App& app);
void add_query_command(CLI::App& app);
void add_report_command(CLI::App& app);
void add_population_commands(CLI::App& app);
void add_cohort_command(CLI::App& app);
void add_cohort_store_commands(CLI::App& app);  // what-if, export-cohort
void add_status_command(CLI::App& app);
void add_submit_command(CLI::App& app);
void add_shard_command(CLI::App& app);
void add_merge_command(CLI::App& app);
void add_serve_command(CLI::App& app);

// The embedded default library: RDKit's 5,000 NCI compounds from rdkit-data.
const char* default_library_path();

}  // namespace molsieve::workflows
