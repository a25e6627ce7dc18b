#include "workflows/cli/usage.h"

#include <algorithm>

#include "core/edit_distance.h"

namespace molsieve::workflows {
namespace {

std::string suggestion(const std::string& word, const std::vector<std::string>& known) {
  const auto near = nearest_word(word, known);
  return near ? " (did you mean '" + *near + "'?)" : "";
}

}  // namespace

std::optional<std::string> nearest_word(const std::string& word, const std::vector<std::string>& known) {
  std::optional<std::string> best;
  std::size_t best_distance = std::max<std::size_t>(2, word.size() / 3) + 1;
  for (const auto& candidate : known) {
    const std::size_t d = edit_distance(word, candidate);
    if (d < best_distance) {
      best_distance = d;
      best = candidate;
    }
  }
  return best;
}

std::optional<std::string> find_usage_mistake(const CLI::App& app, const std::vector<std::string>& args) {
  if (args.empty() || args.front().rfind("-", 0) == 0) return std::nullopt;  // --help, --version
  std::vector<std::string> subcommands;
  for (const CLI::App* sub : app.get_subcommands({})) subcommands.push_back(sub->get_name());
  const std::string& name = args.front();
  if (std::find(subcommands.begin(), subcommands.end(), name) == subcommands.end())
    return "unknown subcommand '" + name + "'" + suggestion(name, subcommands) + "; molsieve --help lists them";
  const CLI::App* sub = app.get_subcommand(name);
  std::vector<std::string> options{"--help"};
  for (const CLI::Option* option : sub->get_options())
    for (const auto& long_name : option->get_lnames()) options.push_back("--" + long_name);
  for (std::size_t i = 1; i < args.size(); ++i) {
    if (args[i] == "--") break;  // what follows is positional
    if (args[i].rfind("--", 0) != 0 || args[i].size() == 2) continue;
    const std::string option = args[i].substr(0, args[i].find('='));
    if (std::find(options.begin(), options.end(), option) == options.end())
      return "unknown option '" + option + "' for " + name + suggestion(option, options) + "; molsieve " + name +
             " --help lists them";
  }
  return std::nullopt;
}

}  // namespace molsieve::workflows
