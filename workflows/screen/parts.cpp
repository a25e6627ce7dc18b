#include "workflows/screen/parts.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "core/csv_writer.h"
#include "core/error.h"
#include "core/hdf5_file.h"
#include "core/sha256.h"
#include "core/store_file.h"
#include "workflows/screen/source.h"

namespace molsieve::workflows {
namespace {

namespace fs = std::filesystem;

const std::string kPartSchema = "molsieve screen part";
constexpr std::int64_t kPartSchemaVersion = 2;  // 2: the library's own columns under /inputs
const std::string kJobFile = "job.sha256";
const std::string kRunFile = "run.json";
const std::string kGrantsFile = "grants.log";
const std::string kResults = "/results";
const std::string kPoolRows = "/pool/rows";
const std::string kPoolFingerprints = "/pool/fingerprints";
const std::string kInputs = "/inputs";

// SHA-256 over lines of text.
class LineHash {
 public:
  void add(const std::string& text) {
    hash_.update(text.data(), text.size());
    hash_.update("\n", 1);
  }
  std::string hex() { return hash_.hex_digest(); }

 private:
  Sha256 hash_;
};

}  // namespace

JobFingerprint fingerprint_job(const ScreenJob& job) {
  JobFingerprint out;
  LineHash hash;
  hash.add(MOLSIEVE_VERSION);
  hash.add(job.text);
  hash.add(std::to_string(job.chunk_size));
  for (const auto* terms : {&job.affinity, &job.toxicity})
    for (const auto& term : *terms) {
      out.model_sha256.push_back(sha256_file(term.path));
      hash.add(out.model_sha256.back());
    }
  // A panel's model changes the parts as much as a scored model does (the provenance's list
  // names the scored models only).
  for (const auto& panel : job.panels) hash.add(sha256_file(panel.path));
  if (!job.references.empty()) {
    out.references_sha256 = sha256_file(job.references);
    hash.add(out.references_sha256);
  }
  out.campaign = hash.hex();
  for (const auto& path : job.library) out.library_sha256.push_back(sha256_file(path));
  out.digest = job_digest(out.campaign, out.library_sha256);
  return out;
}

std::string job_digest(const std::string& campaign, const std::vector<std::string>& library_sha256) {
  LineHash hash;
  hash.add(campaign);
  for (const auto& sha : library_sha256) hash.add(sha);
  return hash.hex();
}

std::uint64_t chunk_rows(std::uint64_t index, std::uint64_t chunk_size, std::uint64_t rows_total) {
  if (rows_total == 0) return chunk_size;
  const std::uint64_t first = index * chunk_size;
  return first >= rows_total ? 0 : std::min(chunk_size, rows_total - first);
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
  move_into_place(staging, dir_);
}

std::vector<DamagedPart> PartsFolder::resume(const std::string& output) const {
  std::ifstream in(dir_ + "/" + kJobFile);
  std::string stored;
  in >> stored;
  if (stored != fingerprint_)
    throw Error(output + ": the job file, its models or its library changed since the interrupted run (" + dir_ +
                "); run again with --overwrite to start over");
  for (const auto& entry : fs::directory_iterator(dir_))
    if (is_partial_path(entry.path().filename().string())) fs::remove(entry.path());
  std::vector<DamagedPart> damaged;
  for (const std::uint64_t index : finished()) {
    std::string reason = damage(index, /*read_rows=*/true);
    if (reason.empty()) continue;
    fs::remove(chunk_path(index));
    damaged.push_back({index, std::move(reason)});
  }
  return damaged;
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

void PartsFolder::write_run_record(const RunRecord& r) const {
  const nlohmann::json j = {{"started", r.started},       {"started_epoch", r.started_epoch},
                            {"ranks", r.ranks},           {"chunk_size", r.chunk_size},
                            {"rows_total", r.rows_total}, {"chunks_total", r.chunks_total}};
  write_whole_file(dir_ + "/" + kRunFile, j.dump(2) + "\n");
}

RunRecord PartsFolder::read_run_record() const {
  const std::string path = dir_ + "/" + kRunFile;
  std::ifstream in(path);
  if (!in) throw Error(dir_ + ": no " + kRunFile + " (not the parts folder of a screen, or one older than this molsieve)");
  try {
    const nlohmann::json j = nlohmann::json::parse(in);
    RunRecord r;
    r.started = j.at("started").get<std::string>();
    r.started_epoch = j.at("started_epoch").get<double>();
    r.ranks = j.at("ranks").get<int>();
    r.chunk_size = j.at("chunk_size").get<std::uint64_t>();
    r.rows_total = j.at("rows_total").get<std::uint64_t>();
    r.chunks_total = j.at("chunks_total").get<std::uint64_t>();
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw Error(path + ": " + e.what());
  }
}

void PartsFolder::record_grant(std::uint64_t chunk, int rank) const {
  std::ofstream out(dir_ + "/" + kGrantsFile, std::ios::app);
  out << chunk << " " << rank << "\n";
}

std::vector<std::pair<std::uint64_t, int>> PartsFolder::grants() const {
  std::map<std::uint64_t, int> latest;
  std::ifstream in(dir_ + "/" + kGrantsFile);
  std::uint64_t chunk = 0;
  int rank = 0;
  while (in >> chunk >> rank) latest[chunk] = rank;
  return {latest.begin(), latest.end()};
}

std::vector<PartInfo> PartsFolder::part_infos() const {
  std::vector<PartInfo> out;
  for (const std::uint64_t index : finished()) {
    PartInfo info;
    info.index = index;
    struct stat st {};
    if (::stat(chunk_path(index).c_str(), &st) == 0)
      info.written_epoch = static_cast<double>(st.st_mtim.tv_sec) + st.st_mtim.tv_nsec * 1e-9;
    info.damage = damage(index, /*read_rows=*/false);
    out.push_back(info);
  }
  return out;
}

std::string PartsFolder::damage(std::uint64_t index, bool read_rows) const {
  const std::string path = chunk_path(index);
  try {
    if (!hdf5::is_hdf5_file(path)) return "not an HDF5 file";
    const hdf5::File part(path, hdf5::File::Mode::ReadOnly);
    const hdf5::StoreHeader header = hdf5::read_store_header(part);
    if (header.schema != kPartSchema) return "not a screen part";
    if (!header.complete) return "no complete mark";
    if (header.schema_version != kPartSchemaVersion)
      return "schema version " + std::to_string(header.schema_version) + ", not " + std::to_string(kPartSchemaVersion);
    if (!read_rows) return "";
    const std::int64_t rows = part.int_attribute("/", "rows");
    const std::uint64_t stored = read_table(part, kResults, 0, table_rows(part, kResults)).rows();
    if (stored != static_cast<std::uint64_t>(rows))
      return "holds " + std::to_string(stored) + " rows of its " + std::to_string(rows);
    read_pool(index);
    if (!read_input_columns(index).names.empty() && read_inputs(index).rows() != static_cast<std::uint64_t>(rows))
      return "holds input columns of another length than its " + std::to_string(rows) + " rows";
    return "";
  } catch (const std::exception& e) {
    // The reason without the path, which the caller names by its chunk.
    const std::string message = e.what();
    return message.rfind(path + ": ", 0) == 0 ? message.substr(path.size() + 2) : message;
  }
}

void PartsFolder::write(const Chunk& chunk, unsigned fingerprint_words) const {
  hdf5::StoreWriter part(chunk_path(chunk.index), kPartSchema, kPartSchemaVersion);
  hdf5::File& file = part.file();
  file.set_attribute("/", "first_row", static_cast<std::int64_t>(chunk.first_row));
  file.set_attribute("/", "rows", static_cast<std::int64_t>(chunk.rows));
  write_table(file, kResults, chunk.results);
  write_table(file, kInputs, chunk.inputs);
  std::vector<std::string> numeric;
  for (const Column& column : chunk.inputs.columns()) {
    double value = 0;
    if (std::all_of(column.texts.begin(), column.texts.end(),
                    [&](const std::string& text) { return parse_input_number(text, value); }))
      numeric.push_back(column.name);
  }
  file.set_attribute(kInputs, "numeric", numeric);
  hdf5::AppendableDataset(file, kPoolRows, hdf5::Type::UInt64, 0, 1024).append(chunk.pool_rows);
  hdf5::AppendableDataset(file, kPoolFingerprints, hdf5::Type::UInt64, fingerprint_words, 64)
      .append(chunk.pool_fingerprints);
  part.commit();
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

PartInputColumns PartsFolder::read_input_columns(std::uint64_t index) const {
  const hdf5::File part(chunk_path(index), hdf5::File::Mode::ReadOnly);
  PartInputColumns columns;
  for (const auto& [name, kind] : table_columns(part, kInputs)) columns.names.push_back(name);
  columns.numeric = part.string_list_attribute(kInputs, "numeric");
  return columns;
}

ResultTable PartsFolder::read_inputs(std::uint64_t index) const {
  const hdf5::File part(chunk_path(index), hdf5::File::Mode::ReadOnly);
  return read_table(part, kInputs, 0, table_rows(part, kInputs));
}

namespace {

std::string lock_path(const std::string& output) { return output + ".lock"; }

std::string read_holder(int fd) {
  char text[256] = {};
  const ssize_t n = ::pread(fd, text, sizeof text - 1, 0);
  std::string holder(text, n > 0 ? static_cast<std::size_t>(n) : 0);
  while (!holder.empty() && holder.back() == '\n') holder.pop_back();
  return holder.empty() ? "unknown process" : holder;
}

}  // namespace

OutputLock::OutputLock(const std::string& output) : path_(lock_path(output)) {
  // The file is unlinked when released: after taking the lock, check that the path still
  // names the locked file (else another run replaced it meanwhile) and try again.
  for (;;) {
    fd_ = ::open(path_.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(path_ + ": cannot create the lock file: " + std::strerror(errno));
    if (::flock(fd_, LOCK_EX | LOCK_NB) != 0) {
      const std::string holder = read_holder(fd_);
      ::close(fd_);
      fd_ = -1;
      throw Error(output + ": another screen is writing it (" + holder + ", lock " + path_ +
                  "); wait for it to finish, or stop it and run again with --resume");
    }
    struct stat by_fd {}, by_path {};
    if (::fstat(fd_, &by_fd) == 0 && ::stat(path_.c_str(), &by_path) == 0 && by_fd.st_ino == by_path.st_ino &&
        by_fd.st_dev == by_path.st_dev)
      break;
    ::close(fd_);
  }
  char host[256] = {};
  ::gethostname(host, sizeof host - 1);
  const std::string holder = "pid " + std::to_string(::getpid()) + " on host " + host + "\n";
  // The holder's name is for messages only: the lock holds whether or not it is written.
  if (::ftruncate(fd_, 0) == 0) (void)!::pwrite(fd_, holder.data(), holder.size(), 0);
}

OutputLock::~OutputLock() {
  if (fd_ < 0) return;
  ::unlink(path_.c_str());
  ::close(fd_);
}

bool OutputLock::held(const std::string& output, std::string* holder) {
  const int fd = ::open(lock_path(output).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool locked = ::flock(fd, LOCK_SH | LOCK_NB) != 0;
  if (locked && holder) *holder = read_holder(fd);
  ::close(fd);
  return locked;
}

}  // namespace molsieve::workflows
