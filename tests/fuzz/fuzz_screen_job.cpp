// libFuzzer target: the screening job parser (TOML). Bad input must end in molsieve::Error
// naming the line or key, never a crash.
#include <cstdint>

#include "core/error.h"
#include "fuzz_input_file.h"
#include "workflows/screen/job.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const molsieve::fuzz::InputFile file(data, size, ".toml");
  try {
    molsieve::workflows::read_screen_job(file.path());
  } catch (const molsieve::Error&) {
  }
  return 0;
}
