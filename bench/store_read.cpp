// Reads every dataset of an HDF5 store through molsieve's HDF5 layer (string checksums
// verified where the store has them) and prints the seconds, best of N rounds.
//   molsieve_bench_store_read STORE.h5 [ROUNDS]
#include <hdf5.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "core/error.h"
#include "core/hdf5_file.h"

namespace {

using molsieve::hdf5::File;

herr_t collect(hid_t, const char* name, const H5O_info_t* info, void* paths) {
  if (info->type == H5O_TYPE_DATASET) static_cast<std::vector<std::string>*>(paths)->push_back(std::string("/") + name);
  return 0;
}

// Reads `path` as its stored element type; returns the elements read.
std::size_t read_dataset(const File& file, const std::string& path) {
  const molsieve::hdf5::Handle dataset(H5Dopen2(file.id(), path.c_str(), H5P_DEFAULT));
  const molsieve::hdf5::Handle type(H5Dget_type(dataset.get()));
  const H5T_class_t kind = H5Tget_class(type.get());
  const std::size_t size = H5Tget_size(type.get());
  const bool is_signed = kind == H5T_INTEGER && H5Tget_sign(type.get()) == H5T_SGN_2;
  if (kind == H5T_STRING) return file.read_strings(path).size();
  if (kind == H5T_FLOAT) return size == 4 ? file.read<float>(path).size() : file.read<double>(path).size();
  switch (size) {
    case 1: return is_signed ? file.read<std::int8_t>(path).size() : file.read<std::uint8_t>(path).size();
    case 2: return file.read<std::int16_t>(path).size();
    case 4: return is_signed ? file.read<std::int32_t>(path).size() : file.read<std::uint32_t>(path).size();
    default: return is_signed ? file.read<std::int64_t>(path).size() : file.read<std::uint64_t>(path).size();
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: molsieve_bench_store_read STORE.h5 [ROUNDS]\n");
    return 2;
  }
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  try {
    double best = 1e300;
    std::size_t elements = 0, datasets = 0;
    for (int r = 0; r < rounds; ++r) {
      const auto start = std::chrono::steady_clock::now();
      const File file(argv[1], File::Mode::ReadOnly);
      std::vector<std::string> paths;
      H5Ovisit(file.id(), H5_INDEX_NAME, H5_ITER_NATIVE, collect, &paths);
      elements = 0;
      for (const auto& path : paths) elements += read_dataset(file, path);
      datasets = paths.size();
      best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::printf("%s: %zu datasets, %zu elements, best of %d: %.3f s\n", argv[1], datasets, elements, rounds, best);
  } catch (const molsieve::Error& e) {
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
  return 0;
}
