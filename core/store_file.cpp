#include "core/store_file.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "core/error.h"

namespace molsieve {
namespace {

const std::string kPartial = ".partial-";

// Removes a partial file or folder; one that cannot be removed is left, since the error being
// reported says more than this one would.
void discard(const std::string& partial) {
  std::error_code ignored;
  std::filesystem::remove_all(partial, ignored);
}

// fsync of the file or folder at `path`: 0, or the errno of the failure.
int sync_to_disk(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return errno;
  const int error = ::fsync(fd) == 0 ? 0 : errno;
  ::close(fd);
  return error;
}

std::string folder_of(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

}  // namespace

std::string partial_path(const std::string& path) { return path + kPartial + std::to_string(::getpid()); }

bool is_partial_path(const std::string& name) {
  const std::string::size_type at = name.rfind(kPartial);
  if (at == std::string::npos || at + kPartial.size() == name.size()) return false;
  return name.find_first_not_of("0123456789", at + kPartial.size()) == std::string::npos;
}

void move_into_place(const std::string& partial, const std::string& path) {
  if (const int error = sync_to_disk(partial)) {
    discard(partial);
    throw Error(path + ": cannot write the finished file to disk: " + std::strerror(error));
  }
  if (std::rename(partial.c_str(), path.c_str()) != 0) {
    const int error = errno;
    discard(partial);
    throw Error(path + ": cannot move the finished file into place: " + std::strerror(error));
  }
  // Makes the rename itself survive a power cut. The file is whole and in place whatever this
  // returns, so a failure here is no failure of the write.
  sync_to_disk(folder_of(path));
}

namespace hdf5 {

StoreWriter::StoreWriter(std::string path, const std::string& schema, std::int64_t schema_version, Access access)
    : path_(std::move(path)), partial_(partial_path(path_)) {
  try {
    if (access == Access::Owner) {
      // Created with its mode before HDF5 opens it (HDF5 truncates and keeps the mode), so the
      // file is never readable by others, not even empty.
      discard(partial_);
      const int fd = ::open(partial_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd < 0) throw Error(path_ + ": cannot create " + partial_ + ": " + std::strerror(errno));
      ::close(fd);
    }
    file_ = std::make_unique<File>(partial_, File::Mode::Create);
    file_->set_attribute("/", "schema", schema);
    file_->set_attribute("/", "schema_version", schema_version);
  } catch (...) {
    file_.reset();
    discard(partial_);
    throw;
  }
}

StoreWriter::~StoreWriter() {
  if (committed_) return;
  file_.reset();
  discard(partial_);
}

void StoreWriter::commit() {
  file_->set_attribute("/", "complete", std::int64_t{1});
  file_->close();
  move_into_place(partial_, path_);
  committed_ = true;
}

StoreHeader read_store_header(const File& file) {
  StoreHeader header;
  if (file.has_attribute("/", "schema")) header.schema = file.string_attribute("/", "schema");
  for (const char* key : {"schema_version", "version"})
    if (file.has_attribute("/", key)) {
      header.schema_version = file.int_attribute("/", key);
      break;
    }
  header.complete = file.has_attribute("/", "complete") && file.int_attribute("/", "complete") == 1;
  return header;
}

}  // namespace hdf5
}  // namespace molsieve
