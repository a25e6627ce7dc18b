#include "workflows/screen_parts.h"

#include <algorithm>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "core/hdf5_file.h"
#include "core/sha256.h"
#include "workflows/csv_writer.h"
#include "workflows/screen_source.h"

namespace molsieve::workflows {
namespace {

namespace fs = std::filesystem;

const std::string kJobFile = "job.sha256";
const std::string kResults = "/results";
const std::string kPoolRows = "/pool/rows";
const std::string kPoolFingerprints = "/pool/fingerprints";

}  // namespace

JobFingerprint fingerprint_job(const ScreenJob& job) {
  JobFingerprint out;
  Sha256 hash;
  auto add = [&](const std::string& text) {
    hash.update(text.data(), text.size());
    hash.update("\n", 1);
  };
  add(MOLSIEVE_VERSION);
  add(job.text);
  add(std::to_string(job.chunk_size));
  for (const auto& path : job.library) {
    out.library_sha256.push_back(sha256_file(path));
    add(out.library_sha256.back());
  }
  for (const auto* terms : {&job.affinity, &job.toxicity})
    for (const auto& term : *terms) {
      out.model_sha256.push_back(sha256_file(term.path));
      add(out.model_sha256.back());
    }
  if (!job.references.empty()) {
    out.references_sha256 = sha256_file(job.references);
    add(out.references_sha256);
  }
  out.digest = hash.hex_digest();
  return out;
}

PartsFolder::PartsFolder(const std::string& output, std::string fingerprint)
    : dir_(output + ".parts"), fingerprint_(std::move(fingerprint)) {}

bool PartsFolder::exists() const { return fs::exists(dir_); }

void PartsFolder::start_fresh() const {
  const std::string staging = dir_ + ".partial";
  fs::remove_all(dir_);
  fs::remove_all(staging);
  fs::create_directories(staging);
  write_whole_file(staging + "/" + kJobFile, fingerprint_ + "\n");
  fs::rename(staging, dir_);
}

void PartsFolder::resume(const std::string& output) const {
  std::ifstream in(dir_ + "/" + kJobFile);
  std::string stored;
  in >> stored;
  if (stored != fingerprint_)
    throw Error(output + ": the job file, its models or its library changed since the interrupted run (" + dir_ +
                "); run again with --overwrite to start over");
  for (const auto& entry : fs::directory_iterator(dir_))
    if (entry.path().extension() == ".partial") fs::remove(entry.path());
}

void PartsFolder::remove() const { fs::remove_all(dir_); }

std::string PartsFolder::chunk_path(std::uint64_t index) const {
  char name[40];
  std::snprintf(name, sizeof name, "/chunk-%09llu.h5", static_cast<unsigned long long>(index));
  return dir_ + name;
}

bool PartsFolder::has(std::uint64_t index) const { return fs::exists(chunk_path(index)); }

std::vector<std::uint64_t> PartsFolder::finished() const {
  std::vector<std::uint64_t> out;
  if (!exists()) return out;
  for (const auto& entry : fs::directory_iterator(dir_)) {
    unsigned long long index = 0;
    char tail = 0;
    const std::string name = entry.path().filename().string();
    if (std::sscanf(name.c_str(), "chunk-%9llu.h%c", &index, &tail) == 2 && name.size() == 18 &&
        entry.path().extension() == ".h5")
      out.push_back(index);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void PartsFolder::write(const Chunk& chunk, unsigned fingerprint_words) const {
  const std::string final_path = chunk_path(chunk.index);
  const std::string partial = final_path + ".partial";
  {
    hdf5::File file(partial, hdf5::File::Mode::Create);
    file.set_attribute("/", "first_row", static_cast<std::int64_t>(chunk.first_row));
    file.set_attribute("/", "rows", static_cast<std::int64_t>(chunk.rows));
    write_table(file, kResults, chunk.results);
    hdf5::AppendableDataset(file, kPoolRows, hdf5::Type::UInt64, 0, 1024).append(chunk.pool_rows);
    hdf5::AppendableDataset(file, kPoolFingerprints, hdf5::Type::UInt64, fingerprint_words, 64)
        .append(chunk.pool_fingerprints);
  }
  fs::rename(partial, final_path);
}

std::uint64_t PartsFolder::rows(std::uint64_t index) const {
  const hdf5::File part(chunk_path(index), hdf5::File::Mode::ReadOnly);
  return static_cast<std::uint64_t>(part.int_attribute("/", "rows"));
}

ResultTable PartsFolder::read_results(std::uint64_t index, const std::vector<std::string>& columns) const {
  const hdf5::File part(chunk_path(index), hdf5::File::Mode::ReadOnly);
  return read_table(part, kResults, 0, table_rows(part, kResults), columns);
}

ChunkPool PartsFolder::read_pool(std::uint64_t index) const {
  const hdf5::File part(chunk_path(index), hdf5::File::Mode::ReadOnly);
  ChunkPool pool;
  pool.rows = part.read<std::uint64_t>(kPoolRows);
  if (!pool.rows.empty()) pool.fingerprints = part.read<std::uint64_t>(kPoolFingerprints);
  return pool;
}

}  // namespace molsieve::workflows
