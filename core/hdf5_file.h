#pragma once
// Thin RAII layer over the HDF5 C API: the few operations molsieve's stores need
// (appendable chunked, compressed datasets; UTF-8 strings; attributes), with
// failures turned into molsieve::Error naming the file and the path at fault.
#include <hdf5.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace molsieve::hdf5 {

// Owns one HDF5 identifier and closes it with the matching H5*close.
class Handle {
 public:
  Handle() = default;
  explicit Handle(hid_t id) : id_(id) {}
  Handle(const Handle&) = delete;
  Handle& operator=(const Handle&) = delete;
  Handle(Handle&& other) noexcept : id_(other.id_) { other.id_ = H5I_INVALID_HID; }
  Handle& operator=(Handle&& other) noexcept;
  ~Handle();
  hid_t get() const { return id_; }
  bool valid() const { return id_ >= 0; }
  // Gives up ownership: the caller closes the identifier.
  hid_t release();

 private:
  hid_t id_ = H5I_INVALID_HID;
};

// Element types a dataset can hold.
enum class Type { Int8, UInt8, Int16, Int32, UInt32, Int64, UInt64, Float32, Float64, String };

template <typename T> constexpr Type type_of();
template <> constexpr Type type_of<std::int8_t>() { return Type::Int8; }
template <> constexpr Type type_of<std::uint8_t>() { return Type::UInt8; }
template <> constexpr Type type_of<std::int16_t>() { return Type::Int16; }
template <> constexpr Type type_of<std::int32_t>() { return Type::Int32; }
template <> constexpr Type type_of<std::uint32_t>() { return Type::UInt32; }
template <> constexpr Type type_of<std::int64_t>() { return Type::Int64; }
template <> constexpr Type type_of<std::uint64_t>() { return Type::UInt64; }
template <> constexpr Type type_of<float>() { return Type::Float32; }
template <> constexpr Type type_of<double>() { return Type::Float64; }

class File;

// Where the CRC-32 of each string of the string dataset at `path` is kept ("/checksums" + path).
std::string checksum_path(const std::string& path);

// A dataset of rows (1-D, or 2-D with a fixed row width) that grows by appending. Every
// dataset carries HDF5's Fletcher-32 checksum; string datasets also keep each string's CRC-32
// at checksum_path(path), which File's string reads verify.
class AppendableDataset {
 public:
  AppendableDataset() = default;
  AppendableDataset(File& file, const std::string& path, Type type, std::uint64_t row_width,
                    std::uint64_t chunk_rows);
  void append_raw(const void* data, std::uint64_t rows);
  template <typename T>
  void append(const std::vector<T>& values) {
    append_raw(values.data(), row_width_ ? values.size() / row_width_ : 0);
  }
  void append_strings(const std::vector<std::string>& values);
  std::uint64_t rows() const { return rows_; }
  const std::string& path() const { return path_; }
  hid_t id() const { return dataset_.get(); }

 private:
  std::string file_name_;
  std::string path_;
  Type type_ = Type::Float64;
  std::uint64_t row_width_ = 1;
  bool two_dimensional_ = false;
  std::uint64_t rows_ = 0;
  Handle dataset_;
  std::unique_ptr<AppendableDataset> string_checksums_;
};

class File {
 public:
  enum class Mode { Create, ReadOnly, ReadWrite };
  File(const std::string& name, Mode mode);
  const std::string& name() const { return name_; }
  hid_t id() const { return file_.get(); }

  bool exists(const std::string& path) const;
  void create_group(const std::string& path);
  std::vector<std::string> list(const std::string& group) const;

  // Attributes on any object (group or dataset) at `path`.
  void set_attribute(const std::string& path, const std::string& key, const std::string& value);
  void set_attribute(const std::string& path, const std::string& key, std::int64_t value);
  void set_attribute(const std::string& path, const std::string& key, double value);
  void set_attribute(const std::string& path, const std::string& key,
                     const std::vector<std::string>& values);
  bool has_attribute(const std::string& path, const std::string& key) const;
  std::string string_attribute(const std::string& path, const std::string& key) const;
  std::int64_t int_attribute(const std::string& path, const std::string& key) const;
  double double_attribute(const std::string& path, const std::string& key) const;
  std::vector<std::string> string_list_attribute(const std::string& path,
                                                 const std::string& key) const;

  // Whole-dataset reads. `shape` receives the dimensions.
  template <typename T>
  std::vector<T> read(const std::string& path, std::vector<std::uint64_t>* shape = nullptr) const {
    std::vector<T> out;
    read_raw(path, type_of<T>(), &out, shape);
    return out;
  }
  std::vector<std::string> read_strings(const std::string& path) const;
  // Rows [first, first + count) of a 1-D variable-length string dataset.
  std::vector<std::string> read_string_rows(const std::string& path, std::uint64_t first,
                                            std::uint64_t count) const;
  // Rows [first, first + count) of a 1-D or 2-D dataset.
  template <typename T>
  std::vector<T> read_rows(const std::string& path, std::uint64_t first,
                           std::uint64_t count) const {
    std::vector<T> out;
    read_rows_raw(path, type_of<T>(), first, count, &out);
    return out;
  }
  std::vector<std::uint64_t> shape(const std::string& path) const;

  // Both throw molsieve::Error naming the file and the system's reason when the data cannot
  // be written (a full disk shows here, if not before).
  void flush();
  // Writes everything out and closes the file; the File is unusable after. Every dataset and
  // group opened in it must be closed first.
  void close();

 private:
  template <typename T>
  void read_raw(const std::string& path, Type type, std::vector<T>* out,
                std::vector<std::uint64_t>* shape) const;
  template <typename T>
  void read_rows_raw(const std::string& path, Type type, std::uint64_t first, std::uint64_t count,
                     std::vector<T>* out) const;
  Handle open_object(const std::string& path) const;
  // Compares strings read from rows [first, ...) of `path` with their stored CRC-32.
  void verify_strings(const std::string& path, std::uint64_t first, const std::vector<std::string>& texts) const;

  std::string name_;
  Handle file_;
};

// The link name under which a user-given name (a result column, a model task, a CSV column)
// is stored: '%' and '/' percent-encoded ("-logKd/Ki" is "-logKd%2FKi"), "." is "%2E" and ""
// is "%00"; any other name is itself. Distinct names stay distinct, and readers find the
// original in the dataset's `name` attribute (results tables also list it in `columns`).
std::string link_name(const std::string& name);

// True when `path` is a readable HDF5 file (false for a missing file or any other format).
bool is_hdf5_file(const std::string& path);

// Maps a Type to its native HDF5 type (the string type is variable-length UTF-8).
Handle native_type(Type type);

}  // namespace molsieve::hdf5
