#include "core/hdf5_file.h"

#include <sys/stat.h>

#include <cassert>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>

#include <zlib.h>

#include "core/error.h"

namespace molsieve::hdf5 {
namespace {

// HDF5 1.10 closes the files still open when the program exits, and crashes there on one whose
// writes failed before (a full disk): its exit handler is not installed, since every File
// closes itself.
[[maybe_unused]] const bool kNoExitHandler = H5dont_atexit() >= 0;

// HDF5 prints its own error stack by default; the library must stay silent. A thread-safe
// HDF5 keeps that setting per thread (the screen writes parts on worker threads), so each
// thread that opens a file sets it once.
void silence_hdf5() {
  thread_local const bool silenced = [] {
    H5Eset_auto2(H5E_DEFAULT, nullptr, nullptr);
    return true;
  }();
  (void)silenced;
}

// Why a path that is not an HDF5 file cannot be opened as one, in the user's terms.
std::string why_not_hdf5(const std::string& path) {
  struct stat info {};
  if (stat(path.c_str(), &info) != 0) return errno == ENOENT ? "no such file" : std::strerror(errno);
  if (S_ISDIR(info.st_mode)) return "is a folder, not an HDF5 file";
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::string("cannot read the file: ") + std::strerror(errno);
  std::fclose(f);
  return "not an HDF5 file";
}

// HDF5 gives no reason a read failed; a Fletcher-32 or deflate failure means damage.
std::string cannot_read(const std::string& what) {
  return "cannot read " + what + ": the data is damaged (a checksum or decompression failed) or unreadable";
}

std::uint32_t crc32_of(const std::string& text) {
  return static_cast<std::uint32_t>(
      crc32(0, reinterpret_cast<const Bytef*>(text.data()), static_cast<uInt>(text.size())));
}

[[noreturn]] void fail(const std::string& file, const std::string& what) {
  throw Error(file + ": " + what);
}

hid_t check(hid_t id, const std::string& file, const std::string& what) {
  if (id < 0) fail(file, what);
  return id;
}

void check_status(herr_t status, const std::string& file, const std::string& what) {
  if (status < 0) fail(file, what);
}

// The operating system's reason for the HDF5 write that just failed ("No space left on
// device"): HDF5's file driver records errno in its error stack, which it clears at its next
// call, so this runs before any other HDF5 call. `otherwise` when it recorded none.
std::string os_reason(const std::string& otherwise = "the disk may be full or failing") {
  int error = 0;
  H5Ewalk2(
      H5E_DEFAULT, H5E_WALK_DOWNWARD,
      [](unsigned, const H5E_error2_t* entry, void* found) -> herr_t {
        const char* at = entry->desc ? std::strstr(entry->desc, "errno = ") : nullptr;
        if (!at) return 0;
        *static_cast<int*>(found) = std::atoi(at + 8);
        return 1;
      },
      &error);
  return error > 0 ? std::strerror(error) : otherwise;
}

void check_write(herr_t status, const std::string& file, const std::string& what) {
  if (status < 0) fail(file, what + ": " + os_reason());
}

// Creates the intermediate groups of `path` (everything before the last '/').
Handle link_creation_with_parents() {
  Handle plist(H5Pcreate(H5P_LINK_CREATE));
  H5Pset_create_intermediate_group(plist.get(), 1);
  return plist;
}

}  // namespace

Handle& Handle::operator=(Handle&& other) noexcept {
  if (this != &other) {
    Handle discard(id_);
    id_ = other.id_;
    other.id_ = H5I_INVALID_HID;
  }
  return *this;
}

hid_t Handle::release() {
  const hid_t id = id_;
  id_ = H5I_INVALID_HID;
  return id;
}

Handle::~Handle() {
  if (id_ < 0) return;
  switch (H5Iget_type(id_)) {
    case H5I_FILE: H5Fclose(id_); break;
    case H5I_GROUP: H5Gclose(id_); break;
    case H5I_DATASET: H5Dclose(id_); break;
    case H5I_DATASPACE: H5Sclose(id_); break;
    case H5I_DATATYPE: H5Tclose(id_); break;
    case H5I_ATTR: H5Aclose(id_); break;
    case H5I_GENPROP_LST: H5Pclose(id_); break;
    default: H5Idec_ref(id_); break;
  }
}

Handle native_type(Type type) {
  hid_t base = H5I_INVALID_HID;
  switch (type) {
    case Type::Int8: base = H5T_NATIVE_INT8; break;
    case Type::UInt8: base = H5T_NATIVE_UINT8; break;
    case Type::Int16: base = H5T_NATIVE_INT16; break;
    case Type::Int32: base = H5T_NATIVE_INT32; break;
    case Type::UInt32: base = H5T_NATIVE_UINT32; break;
    case Type::Int64: base = H5T_NATIVE_INT64; break;
    case Type::UInt64: base = H5T_NATIVE_UINT64; break;
    case Type::Float32: base = H5T_NATIVE_FLOAT; break;
    case Type::Float64: base = H5T_NATIVE_DOUBLE; break;
    case Type::String: {
      hid_t str = H5Tcopy(H5T_C_S1);
      H5Tset_size(str, H5T_VARIABLE);
      H5Tset_cset(str, H5T_CSET_UTF8);
      return Handle(str);
    }
  }
  return Handle(H5Tcopy(base));
}

std::string link_name(const std::string& name) {
  if (name.empty()) return "%00";
  if (name == ".") return "%2E";
  std::string out;
  for (const char c : name) {
    if (c == '%')
      out += "%25";
    else if (c == '/')
      out += "%2F";
    else
      out += c;
  }
  return out;
}

bool is_hdf5_file(const std::string& path) {
  silence_hdf5();
  return H5Fis_hdf5(path.c_str()) > 0;
}

File::File(const std::string& name, Mode mode) : name_(name) {
  silence_hdf5();
  hid_t id = H5I_INVALID_HID;
  if (mode == Mode::Create) {
    id = H5Fcreate(name.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
    if (id < 0) fail(name, "cannot create the file: " + os_reason("is the folder writable?"));
  } else {
    if (!is_hdf5_file(name)) fail(name, why_not_hdf5(name));
    id = H5Fopen(name.c_str(), mode == Mode::ReadOnly ? H5F_ACC_RDONLY : H5F_ACC_RDWR,
                 H5P_DEFAULT);
    if (id < 0) fail(name, "cannot open the HDF5 file");
  }
  file_ = Handle(id);
}

bool File::exists(const std::string& path) const {
  if (path == "/") return true;
  // Each prefix must exist before H5Lexists may be asked about the next one.
  std::string::size_type pos = 0;
  while ((pos = path.find('/', pos + 1)) != std::string::npos) {
    if (H5Lexists(file_.get(), path.substr(0, pos).c_str(), H5P_DEFAULT) <= 0) return false;
  }
  return H5Lexists(file_.get(), path.c_str(), H5P_DEFAULT) > 0;
}

void File::create_group(const std::string& path) {
  if (exists(path)) return;
  Handle plist = link_creation_with_parents();
  Handle group(check(H5Gcreate2(file_.get(), path.c_str(), plist.get(), H5P_DEFAULT, H5P_DEFAULT),
                     name_, "cannot create group " + path));
}

std::vector<std::string> File::list(const std::string& group) const {
  std::vector<std::string> names;
  if (!exists(group)) return names;
  Handle g(check(H5Gopen2(file_.get(), group.c_str(), H5P_DEFAULT), name_,
                 "cannot open group " + group));
  H5G_info_t info;
  check_status(H5Gget_info(g.get(), &info), name_, "cannot list group " + group);
  for (hsize_t i = 0; i < info.nlinks; ++i) {
    ssize_t size = H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, nullptr, 0,
                                      H5P_DEFAULT);
    std::string name(static_cast<size_t>(size), '\0');
    H5Lget_name_by_idx(g.get(), ".", H5_INDEX_NAME, H5_ITER_INC, i, name.data(), size + 1,
                       H5P_DEFAULT);
    names.push_back(name);
  }
  return names;
}

Handle File::open_object(const std::string& path) const {
  if (!exists(path)) fail(name_, "missing " + path);
  return Handle(check(H5Oopen(file_.get(), path.c_str(), H5P_DEFAULT), name_,
                      "cannot open " + path));
}

namespace {

Handle replace_attribute(hid_t object, const std::string& key, hid_t type, hid_t space,
                         const std::string& file) {
  if (H5Aexists(object, key.c_str()) > 0) H5Adelete(object, key.c_str());
  return Handle(check(H5Acreate2(object, key.c_str(), type, space, H5P_DEFAULT, H5P_DEFAULT), file,
                      "cannot write attribute " + key));
}

}  // namespace

void File::set_attribute(const std::string& path, const std::string& key,
                         const std::string& value) {
  Handle object = open_object(path);
  Handle type = native_type(Type::String);
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr = replace_attribute(object.get(), key, type.get(), space.get(), name_);
  const char* text = value.c_str();
  check_write(H5Awrite(attr.get(), type.get(), &text), name_, "cannot write attribute " + key);
}

void File::set_attribute(const std::string& path, const std::string& key, std::int64_t value) {
  Handle object = open_object(path);
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr = replace_attribute(object.get(), key, H5T_NATIVE_INT64, space.get(), name_);
  check_write(H5Awrite(attr.get(), H5T_NATIVE_INT64, &value), name_, "cannot write attribute " + key);
}

void File::set_attribute(const std::string& path, const std::string& key, double value) {
  Handle object = open_object(path);
  Handle space(H5Screate(H5S_SCALAR));
  Handle attr = replace_attribute(object.get(), key, H5T_NATIVE_DOUBLE, space.get(), name_);
  check_write(H5Awrite(attr.get(), H5T_NATIVE_DOUBLE, &value), name_, "cannot write attribute " + key);
}

void File::set_attribute(const std::string& path, const std::string& key,
                         const std::vector<std::string>& values) {
  Handle object = open_object(path);
  Handle type = native_type(Type::String);
  hsize_t n = values.size();
  Handle space(H5Screate_simple(1, &n, nullptr));
  Handle attr = replace_attribute(object.get(), key, type.get(), space.get(), name_);
  std::vector<const char*> texts;
  for (const auto& v : values) texts.push_back(v.c_str());
  if (n > 0)
    check_write(H5Awrite(attr.get(), type.get(), texts.data()), name_, "cannot write attribute " + key);
}

bool File::has_attribute(const std::string& path, const std::string& key) const {
  if (!exists(path)) return false;
  Handle object = open_object(path);
  return H5Aexists(object.get(), key.c_str()) > 0;
}

namespace {

Handle open_attribute(hid_t object, const std::string& path, const std::string& key,
                      const std::string& file) {
  if (H5Aexists(object, key.c_str()) <= 0) fail(file, "missing attribute " + key + " on " + path);
  return Handle(H5Aopen(object, key.c_str(), H5P_DEFAULT));
}

std::vector<std::string> read_string_array(hid_t object, bool is_attribute, hid_t space,
                                           hid_t file_type, const std::string& file,
                                           const std::string& what) {
  hssize_t n = H5Sget_simple_extent_npoints(space);
  std::vector<std::string> out;
  if (n <= 0) return out;
  out.reserve(static_cast<size_t>(n));
  if (H5Tis_variable_str(file_type) > 0) {
    Handle mem = native_type(Type::String);
    std::vector<char*> texts(static_cast<size_t>(n), nullptr);
    herr_t status = is_attribute ? H5Aread(object, mem.get(), texts.data())
                                 : H5Dread(object, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                           texts.data());
    check_status(status, file, cannot_read(what));
    for (char* t : texts) out.emplace_back(t ? t : "");
    H5Dvlen_reclaim(mem.get(), space, H5P_DEFAULT, texts.data());
  } else {
    size_t width = H5Tget_size(file_type);
    Handle mem(H5Tcopy(H5T_C_S1));
    H5Tset_size(mem.get(), width);
    std::vector<char> buffer(width * static_cast<size_t>(n));
    herr_t status = is_attribute ? H5Aread(object, mem.get(), buffer.data())
                                 : H5Dread(object, mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT,
                                           buffer.data());
    check_status(status, file, cannot_read(what));
    for (hssize_t i = 0; i < n; ++i) {
      const char* start = buffer.data() + i * width;
      out.emplace_back(start, strnlen(start, width));
    }
  }
  return out;
}

}  // namespace

std::string File::string_attribute(const std::string& path, const std::string& key) const {
  auto values = string_list_attribute(path, key);
  return values.empty() ? std::string() : values.front();
}

std::vector<std::string> File::string_list_attribute(const std::string& path,
                                                     const std::string& key) const {
  Handle object = open_object(path);
  Handle attr = open_attribute(object.get(), path, key, name_);
  Handle type(H5Aget_type(attr.get()));
  if (H5Tget_class(type.get()) != H5T_STRING)
    fail(name_, "attribute " + key + " on " + path + " is not a string");
  Handle space(H5Aget_space(attr.get()));
  return read_string_array(attr.get(), true, space.get(), type.get(), name_, "attribute " + key);
}

std::int64_t File::int_attribute(const std::string& path, const std::string& key) const {
  Handle object = open_object(path);
  Handle attr = open_attribute(object.get(), path, key, name_);
  std::int64_t value = 0;
  check_status(H5Aread(attr.get(), H5T_NATIVE_INT64, &value), name_,
               "attribute " + key + " on " + path + " is not an integer");
  return value;
}

double File::double_attribute(const std::string& path, const std::string& key) const {
  Handle object = open_object(path);
  Handle attr = open_attribute(object.get(), path, key, name_);
  double value = 0;
  check_status(H5Aread(attr.get(), H5T_NATIVE_DOUBLE, &value), name_,
               "attribute " + key + " on " + path + " is not a number");
  return value;
}

std::vector<std::uint64_t> File::shape(const std::string& path) const {
  Handle dataset = open_object(path);
  Handle space(H5Dget_space(dataset.get()));
  int rank = H5Sget_simple_extent_ndims(space.get());
  std::vector<hsize_t> dims(static_cast<size_t>(rank > 0 ? rank : 0));
  if (rank > 0) H5Sget_simple_extent_dims(space.get(), dims.data(), nullptr);
  return {dims.begin(), dims.end()};
}

template <typename T>
void File::read_raw(const std::string& path, Type type, std::vector<T>* out,
                    std::vector<std::uint64_t>* shape_out) const {
  auto dims = shape(path);
  std::uint64_t n = 1;
  for (auto d : dims) n *= d;
  out->resize(n);
  if (shape_out) *shape_out = dims;
  if (n == 0) return;
  Handle dataset = open_object(path);
  Handle mem = native_type(type);
  check_status(H5Dread(dataset.get(), mem.get(), H5S_ALL, H5S_ALL, H5P_DEFAULT, out->data()),
               name_, cannot_read(path));
}

template <typename T>
void File::read_rows_raw(const std::string& path, Type type, std::uint64_t first,
                         std::uint64_t count, std::vector<T>* out) const {
  auto dims = shape(path);
  if (dims.empty() || first + count > dims[0])
    fail(name_, "rows " + std::to_string(first) + ".." + std::to_string(first + count) +
                    " are outside " + path);
  std::uint64_t width = dims.size() > 1 ? dims[1] : 1;
  out->resize(count * width);
  if (count == 0) return;
  Handle dataset = open_object(path);
  Handle file_space(H5Dget_space(dataset.get()));
  hsize_t start[2] = {first, 0};
  hsize_t extent[2] = {count, width};
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, extent, nullptr);
  Handle mem_space(H5Screate_simple(static_cast<int>(dims.size()), extent, nullptr));
  Handle mem = native_type(type);
  check_status(H5Dread(dataset.get(), mem.get(), mem_space.get(), file_space.get(), H5P_DEFAULT,
                       out->data()),
               name_, cannot_read(path));
}

#define MOLSIEVE_INSTANTIATE_READS(T)                                                          \
  template void File::read_raw<T>(const std::string&, Type, std::vector<T>*,                  \
                                  std::vector<std::uint64_t>*) const;                          \
  template void File::read_rows_raw<T>(const std::string&, Type, std::uint64_t, std::uint64_t, \
                                       std::vector<T>*) const;
MOLSIEVE_INSTANTIATE_READS(std::int8_t)
MOLSIEVE_INSTANTIATE_READS(std::uint8_t)
MOLSIEVE_INSTANTIATE_READS(std::int16_t)
MOLSIEVE_INSTANTIATE_READS(std::int32_t)
MOLSIEVE_INSTANTIATE_READS(std::uint32_t)
MOLSIEVE_INSTANTIATE_READS(std::int64_t)
MOLSIEVE_INSTANTIATE_READS(std::uint64_t)
MOLSIEVE_INSTANTIATE_READS(float)
MOLSIEVE_INSTANTIATE_READS(double)
#undef MOLSIEVE_INSTANTIATE_READS

std::vector<std::string> File::read_strings(const std::string& path) const {
  Handle dataset = open_object(path);
  Handle type(H5Dget_type(dataset.get()));
  if (H5Tget_class(type.get()) != H5T_STRING) fail(name_, path + " is not a string dataset");
  Handle space(H5Dget_space(dataset.get()));
  auto out = read_string_array(dataset.get(), false, space.get(), type.get(), name_, path);
  verify_strings(path, 0, out);
  return out;
}

std::string checksum_path(const std::string& path) { return "/checksums" + path; }

void File::verify_strings(const std::string& path, std::uint64_t first, const std::vector<std::string>& texts) const {
  const std::string sums_path = checksum_path(path);
  if (texts.empty() || !exists(sums_path)) return;  // stores written before checksums
  const auto sums = read_rows<std::uint32_t>(sums_path, first, texts.size());
  for (std::size_t i = 0; i < texts.size(); ++i)
    if (crc32_of(texts[i]) != sums[i])
      fail(name_, path + " row " + std::to_string(first + i) +
                      ": checksum mismatch: the store is damaged (restore it or write it again)");
}

std::vector<std::string> File::read_string_rows(const std::string& path, std::uint64_t first,
                                                std::uint64_t count) const {
  auto dims = shape(path);
  if (dims.size() != 1 || first + count > dims[0])
    fail(name_, "rows " + std::to_string(first) + ".." + std::to_string(first + count) +
                    " are outside " + path);
  std::vector<std::string> out;
  if (count == 0) return out;
  Handle dataset = open_object(path);
  Handle type(H5Dget_type(dataset.get()));
  if (H5Tis_variable_str(type.get()) <= 0) fail(name_, path + " is not a variable-length string dataset");
  Handle file_space(H5Dget_space(dataset.get()));
  hsize_t start = first, extent = count;
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, &start, nullptr, &extent, nullptr);
  Handle mem_space(H5Screate_simple(1, &extent, nullptr));
  Handle mem = native_type(Type::String);
  std::vector<char*> texts(count, nullptr);
  check_status(H5Dread(dataset.get(), mem.get(), mem_space.get(), file_space.get(), H5P_DEFAULT,
                       texts.data()),
               name_, cannot_read(path));
  out.reserve(count);
  for (char* t : texts) out.emplace_back(t ? t : "");
  H5Dvlen_reclaim(mem.get(), mem_space.get(), H5P_DEFAULT, texts.data());
  verify_strings(path, first, out);
  return out;
}

void File::flush() { check_write(H5Fflush(file_.get(), H5F_SCOPE_GLOBAL), name_, "cannot write the file"); }

void File::close() {
  // With an object still open, H5Fclose would only defer the close and its writes, unchecked.
  assert(H5Fget_obj_count(file_.get(), H5F_OBJ_DATASET | H5F_OBJ_GROUP | H5F_OBJ_DATATYPE | H5F_OBJ_ATTR |
                                           H5F_OBJ_LOCAL) == 0);
  check_write(H5Fclose(file_.release()), name_, "cannot write the file");
}


AppendableDataset::AppendableDataset(File& file, const std::string& path, Type type,
                                     std::uint64_t row_width, std::uint64_t chunk_rows)
    : file_name_(file.name()),
      path_(path),
      type_(type),
      row_width_(row_width == 0 ? 1 : row_width),
      two_dimensional_(row_width > 0) {
  const int rank = two_dimensional_ ? 2 : 1;
  hsize_t dims[2] = {0, row_width_};
  hsize_t max_dims[2] = {H5S_UNLIMITED, row_width_};
  hsize_t chunk[2] = {chunk_rows == 0 ? 1 : chunk_rows, row_width_};
  Handle space(H5Screate_simple(rank, dims, max_dims));
  Handle create(H5Pcreate(H5P_DATASET_CREATE));
  H5Pset_chunk(create.get(), rank, chunk);
  H5Pset_shuffle(create.get());
  H5Pset_deflate(create.get(), 4);
  // Fletcher-32 over each stored (compressed) chunk: a damaged chunk fails its read. HDF5
  // refuses it (and ignores deflate) for variable-length strings: see string_checksums_.
  if (type != Type::String) H5Pset_fletcher32(create.get());
  Handle link = link_creation_with_parents();
  Handle element = native_type(type);
  dataset_ = Handle(check(H5Dcreate2(file.id(), path.c_str(), element.get(), space.get(),
                                     link.get(), create.get(), H5P_DEFAULT),
                          file_name_, "cannot create dataset " + path));
  // Variable-length strings live in the file's global heap, which no filter covers: each
  // string's CRC-32 is kept beside them and checked on every read.
  if (type == Type::String)
    string_checksums_ = std::make_unique<AppendableDataset>(file, checksum_path(path), Type::UInt32, 0, chunk_rows);
}

void AppendableDataset::append_raw(const void* data, std::uint64_t rows) {
  if (rows == 0) return;
  const int rank = two_dimensional_ ? 2 : 1;
  hsize_t new_dims[2] = {rows_ + rows, row_width_};
  check_write(H5Dset_extent(dataset_.get(), new_dims), file_name_, "cannot extend " + path_);
  Handle file_space(H5Dget_space(dataset_.get()));
  hsize_t start[2] = {rows_, 0};
  hsize_t count[2] = {rows, row_width_};
  H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start, nullptr, count, nullptr);
  Handle mem_space(H5Screate_simple(rank, count, nullptr));
  Handle element = native_type(type_);
  check_write(H5Dwrite(dataset_.get(), element.get(), mem_space.get(), file_space.get(), H5P_DEFAULT, data),
              file_name_, "cannot write " + path_);
  rows_ += rows;
}

void AppendableDataset::append_strings(const std::vector<std::string>& values) {
  std::vector<const char*> texts;
  texts.reserve(values.size());
  for (const auto& v : values) texts.push_back(v.c_str());
  append_raw(texts.data(), values.size());
  std::vector<std::uint32_t> sums;
  sums.reserve(values.size());
  for (const auto& v : values) sums.push_back(crc32_of(v));
  string_checksums_->append(sums);
}

}  // namespace molsieve::hdf5
