#include "workflows/cli/common_options.h"

#include <CLI/CLI.hpp>

#include <filesystem>

#include "core/error.h"

namespace molsieve::workflows {

void add_run_options(CLI::App& command, RunValues& values) {
  add_threads_option(command, values.threads);
  add_device_option(command, values.device);
  add_overwrite_flag(command, values.overwrite);
  add_quiet_flag(command, values.quiet);
}

CLI::Option* add_threads_option(CLI::App& command, unsigned& threads, const std::string& help) {
  return command.add_option("--threads", threads, help)->capture_default_str();
}

kernels::DeviceChoice parse_device_option(const std::string& text) {
  try {
    return kernels::parse_device(text);
  } catch (const Error& e) {
    throw CLI::ValidationError(e.what());  // main reports it as a usage error
  }
}

CLI::Option* add_device_option(CLI::App& command, kernels::DeviceChoice& device, const std::string& help) {
  return command
      .add_option_function<std::string>(
          "--device", [&device](const std::string& text) { device = parse_device_option(text); }, help)
      ->type_name("DEVICE")
      ->default_str(kernels::to_string(device));
}

CLI::Option* add_overwrite_flag(CLI::App& command, bool& overwrite, const std::string& help) {
  return command.add_flag("--overwrite", overwrite, help);
}

CLI::Option* add_quiet_flag(CLI::App& command, bool& quiet, const std::string& help) {
  return command.add_flag("-q,--quiet", quiet, help);
}

void refuse_existing_outputs(const std::vector<std::string>& paths, bool overwrite) {
  if (overwrite) return;
  for (const std::string& path : paths)
    if (!path.empty() && std::filesystem::exists(path))
      throw Error(path + ": exists (use --overwrite to replace it)");
}

}  // namespace molsieve::workflows
