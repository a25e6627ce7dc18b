#pragma once
// SHA-256 of files, recorded as provenance for every input a store was made from.
#include <cstddef>
#include <cstdint>
#include <string>

namespace molsieve {

class Sha256 {
 public:
  Sha256();
  void update(const void* data, std::size_t size);
  std::string hex_digest();  // finishes the hash; call once

 private:
  void compress(const std::uint8_t* block);
  std::uint32_t state_[8];
  std::uint8_t buffer_[64];
  std::size_t buffered_ = 0;
  std::uint64_t total_bytes_ = 0;
};

// Hex SHA-256 of a whole file; throws molsieve::Error when it cannot be read.
std::string sha256_file(const std::string& path);

}  // namespace molsieve
