#pragma once
// Command-line usage mistakes, found before CLI11 parses: an unknown subcommand or option is
// named with the nearest known one ("featurise": did you mean "featurize"?).
#include <CLI/CLI.hpp>

#include <optional>
#include <string>
#include <vector>

namespace molsieve::workflows {

// The exit status of a command line that could not be parsed (docs: README, "Exit status").
constexpr int kUsageExitStatus = 2;
// The exit status of a run stopped by Ctrl-C or SIGTERM (sysexits.h's EX_TEMPFAIL): try again,
// with --resume where the message says so.
constexpr int kInterruptedExitStatus = 75;

// The known word nearest to `word` by edit distance, when it is near enough to be a typo.
std::optional<std::string> nearest_word(const std::string& word, const std::vector<std::string>& known);

// The first unknown subcommand or long option of `args` (argv without the program name), as
// a message with a suggestion; nothing when every subcommand and long option is known.
std::optional<std::string> find_usage_mistake(const CLI::App& app, const std::vector<std::string>& args);

}  // namespace molsieve::workflows
