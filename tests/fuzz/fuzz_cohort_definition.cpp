// libFuzzer target: the cohort definition parser (JSON). Bad input must end in
// molsieve::Error naming the JSON path, never a crash.
#include <cstdint>
#include <string>

#include "cohort/cohort_definition.h"
#include "core/error.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  try {
    molsieve::cohort::parse_cohort_definition(std::string(reinterpret_cast<const char*>(data), size), "fuzz.json");
  } catch (const molsieve::Error&) {
  }
  return 0;
}
