#pragma once
// How far a screen has got, stage by stage: what its progress callback receives, from the
// chunk pipeline up to the front end.
#include <cstdint>

namespace molsieve::workflows {

// Rows through each stage so far (this run and, for resumed chunks, earlier runs): read >=
// featurized >= scored >= written, each monotone. Under MPI rank 0 counts the whole job's
// rows read (the chunks handed out to any rank) and written (their parts), not the other
// ranks' featurized and scored rows; every other rank counts its own chunks.
struct ScreenStatus {
  std::uint64_t rows_read = 0;
  std::uint64_t rows_featurized = 0;
  std::uint64_t rows_scored = 0;
  std::uint64_t rows_written = 0;
  std::uint64_t chunks_resumed = 0;  // finished by an earlier run
  std::uint64_t rows_total = 0;      // 0 while unknown (molecule files)
  std::uint64_t bytes_done = 0;      // input bytes consumed (molecule files)
  std::uint64_t bytes_total = 0;
  std::uint64_t chunk = 0;       // the chunk this rank has just written
  std::uint64_t chunk_rows = 0;  // its rows
};

}  // namespace molsieve::workflows
