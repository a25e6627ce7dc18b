#pragma once
// A LibTorch module's parameters as named float32 datasets under one group of a model store,
// readable in any LibTorch version and with h5dump. Internal to models/ (includes LibTorch).
#include <torch/torch.h>

#include <functional>
#include <string>

#include "core/hdf5_file.h"

namespace molsieve::models {

// Writes a model store as every store is written (hdf5::StoreWriter): the schema attributes,
// then `write`, then the `complete` mark, moved into place; on any error nothing is left
// behind and a previous store at `path` stays as it was.
void write_model_store(const std::string& path, const std::string& schema, int schema_version,
                       const std::function<void(hdf5::File&)>& write);

// Opens a model store for reading. Throws molsieve::Error naming `path` when it cannot be
// read, is not HDF5, holds another schema (named), another schema version, or was never
// completed.
hdf5::File open_model_store(const std::string& path, const std::string& schema, int schema_version);

void save_parameters(hdf5::File& file, const std::string& group, const torch::nn::Module& module);
// Throws molsieve::Error naming `path` and the dataset that is missing or has another shape
// than the module's (a store that does not match its card).
void load_parameters(const hdf5::File& file, const std::string& group, torch::nn::Module& module,
                     const std::string& path);

}  // namespace molsieve::models
