#include "models/module_store.h"

#include <unistd.h>

#include <vector>

#include "core/error.h"
#include "core/store_file.h"

namespace molsieve::models {

void write_model_store(const std::string& path, const std::string& schema, int schema_version,
                       const std::function<void(hdf5::File&)>& write) {
  hdf5::StoreWriter store(path, schema, schema_version);
  write(store.file());
  store.commit();
}

hdf5::File open_model_store(const std::string& path, const std::string& schema, int schema_version) {
  if (access(path.c_str(), R_OK) != 0) throw Error(path + ": cannot open the model store");
  if (!hdf5::is_hdf5_file(path)) throw Error(path + ": not an HDF5 model store");
  hdf5::File file(path, hdf5::File::Mode::ReadOnly);
  const hdf5::StoreHeader header = hdf5::read_store_header(file);
  if (header.schema != schema)
    throw Error(path + ": not a " + schema + (header.schema.empty() ? "" : " (it is a " + header.schema + ")"));
  if (header.schema_version != schema_version)
    throw Error(path + ": " + schema + " schema version " + std::to_string(header.schema_version) +
                ", this molsieve reads " + std::to_string(schema_version));
  if (!header.complete) throw Error(path + ": model store is incomplete");
  return file;
}

void save_parameters(hdf5::File& file, const std::string& group, const torch::nn::Module& module) {
  for (const auto& parameter : module.named_parameters()) {
    const torch::Tensor value = parameter.value().detach().to(torch::kCPU).contiguous();
    // Tensors of more than two dimensions (convolution kernels) are stored as rows x the rest.
    const std::uint64_t rows = static_cast<std::uint64_t>(value.size(0));
    const std::uint64_t width = value.dim() >= 2 ? static_cast<std::uint64_t>(value.numel()) / rows : 0;
    hdf5::AppendableDataset dataset(file, group + "/" + parameter.key(), hdf5::Type::Float32, width, rows);
    dataset.append_raw(value.data_ptr<float>(), rows);
  }
}

void load_parameters(const hdf5::File& file, const std::string& group, torch::nn::Module& module,
                     const std::string& path) {
  torch::NoGradGuard no_grad;
  for (auto& parameter : module.named_parameters()) {
    const std::string dataset = group + "/" + parameter.key();
    if (!file.exists(dataset)) throw Error(path + ": missing weights " + dataset);
    std::vector<std::uint64_t> shape;
    std::vector<float> values = file.read<float>(dataset, &shape);
    const torch::Tensor& value = parameter.value();
    const std::int64_t rows = value.size(0);
    const std::vector<std::uint64_t> expected =
        value.dim() >= 2 ? std::vector<std::uint64_t>{static_cast<std::uint64_t>(rows),
                                                      static_cast<std::uint64_t>(value.numel() / rows)}
                         : std::vector<std::uint64_t>{static_cast<std::uint64_t>(rows)};
    if (shape != expected)
      throw Error(path + ": " + dataset + " has the wrong shape for the model card's architecture");
    parameter.value().copy_(torch::from_blob(values.data(), value.sizes(), torch::kFloat32));
  }
}

}  // namespace molsieve::models
