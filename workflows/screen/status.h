#pragma once
// How far a screen has got, stage by stage: what its progress callback receives, from the
// chunk pipeline up to the front end.
#include <cstdint>

namespace molsieve::workflows {

// Rows through each stage so far (this run and, for resumed chunks, earlier runs).
struct ScreenStatus {
  std::uint64_t rows_read = 0;
  std::uint64_t rows_featurized = 0;
  std::uint64_t rows_scored = 0;
  std::uint64_t rows_written = 0;
  std::uint64_t chunks_resumed = 0;  // finished by an earlier run
  std::uint64_t rows_total = 0;      // 0 while unknown (molecule files)
  std::uint64_t bytes_done = 0;      // input bytes consumed (molecule files)
  std::uint64_t bytes_total = 0;
};

}  // namespace molsieve::workflows
