#include "chem/molecule_reader.h"

#include <sys/stat.h>
#include <zlib.h>

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <cstring>
#include <memory>
#include <optional>

#include "core/csv_record.h"
#include "core/error.h"

namespace molsieve::chem {
namespace {

bool ends_with(const std::string& text, const std::string& suffix) {
  return text.size() >= suffix.size() &&
         std::equal(suffix.rbegin(), suffix.rend(), text.rbegin(),
                    [](char a, char b) { return std::tolower(a) == std::tolower(b); });
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

std::string trim(const std::string& text) {
  const char* spaces = " \t\r\n";
  auto first = text.find_first_not_of(spaces);
  if (first == std::string::npos) return "";
  auto last = text.find_last_not_of(spaces);
  return text.substr(first, last - first + 1);
}

std::string file_stem(const std::string& path) {
  std::string name = path.substr(path.find_last_of('/') + 1);
  if (ends_with(name, ".gz")) name.resize(name.size() - 3);
  auto dot = name.find_last_of('.');
  return dot == std::string::npos ? name : name.substr(0, dot);
}


}  // namespace

bool is_valid_utf8(const std::string& text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  std::size_t i = 0;
  while (i < n) {
    unsigned char c = s[i];
    int extra;
    std::uint32_t min_value;
    if (c < 0x80) { ++i; continue; }
    if ((c & 0xE0) == 0xC0) { extra = 1; min_value = 0x80; }
    else if ((c & 0xF0) == 0xE0) { extra = 2; min_value = 0x800; }
    else if ((c & 0xF8) == 0xF0) { extra = 3; min_value = 0x10000; }
    else return false;
    if (i + static_cast<std::size_t>(extra) >= n) return false;
    std::uint32_t value = c & (0x3F >> extra);
    for (int k = 1; k <= extra; ++k) {
      unsigned char next = s[i + k];
      if ((next & 0xC0) != 0x80) return false;
      value = (value << 6) | (next & 0x3F);
    }
    if (value < min_value || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF))
      return false;
    i += extra + 1;
  }
  return true;
}

FileFormat format_of(const std::string& path) {
  std::string name = path;
  if (ends_with(name, ".gz")) name.resize(name.size() - 3);
  if (ends_with(name, ".smi") || ends_with(name, ".smiles")) return FileFormat::Smiles;
  if (ends_with(name, ".csv")) return FileFormat::Csv;
  if (ends_with(name, ".tsv")) return FileFormat::Tsv;
  if (ends_with(name, ".sdf") || ends_with(name, ".sd") || ends_with(name, ".mol"))
    return FileFormat::Sdf;
  throw Error(path +
              ": unknown molecule file type (expected .smi, .smiles, .csv, .tsv or .sdf, "
              "optionally .gz)");
}

// One open input file: reads lines through zlib (which passes plain files through) and
// turns them into records of the file's format.
class MoleculeReader::FileCursor {
 public:
  // `count_text`: progress counts uncompressed text (gztell), else compressed bytes.
  FileCursor(const std::string& path, const ReaderOptions& options, bool count_text)
      : path_(path), stem_(file_stem(path)), format_(format_of(path)), options_(options), count_text_(count_text) {
    file_.reset(gzopen(path.c_str(), "rb"));
    if (!file_) throw Error(path + ": cannot open for reading (" + std::strerror(errno) + ")");
    // A small buffer keeps the compressed offset, used for progress, close to the truth.
    gzbuffer(file_.get(), 1 << 16);
    if (format_ == FileFormat::Csv || format_ == FileFormat::Tsv) read_header();
  }

  // Plain files: the bytes handed out as lines (zlib reads ahead by a whole buffer).
  // Compressed files: the text handed out, or zlib's compressed position when the text's size is unknown.
  std::uint64_t bytes_consumed() const {
    if (gzdirect(file_.get())) return text_bytes_;
    return static_cast<std::uint64_t>(count_text_ ? gztell(file_.get()) : gzoffset(file_.get()));
  }

  // Reads the next record; false at the end of the file.
  bool next(InputRecord& record) {
    switch (format_) {
      case FileFormat::Smiles: return next_smiles(record);
      case FileFormat::Csv:
      case FileFormat::Tsv: return next_delimited(record);
      case FileFormat::Sdf: return next_sdf(record);
    }
    return false;
  }

 private:
  bool read_line(std::string& line) {
    line.clear();
    char buffer[8192];
    bool any = false;
    while (gzgets(file_.get(), buffer, sizeof buffer) != nullptr) {
      any = true;
      std::size_t len = std::strlen(buffer);
      text_bytes_ += len;
      line.append(buffer, len);
      if (len > 0 && buffer[len - 1] == '\n') break;
    }
    if (!any) {
      int code = 0;
      const char* message = gzerror(file_.get(), &code);
      if (code != Z_OK && code != Z_STREAM_END)
        throw Error(path_ + ":" + std::to_string(line_number_ + 1) + ": read error (" + message +
                    ")");
      return false;
    }
    ++line_number_;
    if (!line.empty() && line.back() == '\n') line.pop_back();
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }

  std::string here() const { return path_ + ":" + std::to_string(line_number_); }

  std::string next_id() { return stem_ + "_" + std::to_string(records_); }

  bool next_smiles(InputRecord& record) {
    std::string line;
    if (!read_line(line)) return false;
    // A first line whose first field is "smiles" is a header, not a molecule.
    if (line_number_ == 1) {
      std::string first = lower(trim(line).substr(0, trim(line).find_first_of(" \t")));
      if (first == "smiles") {
        if (!read_line(line)) return false;
      }
    }
    ++records_;
    record.location = here();
    record.format = RecordFormat::Smiles;
    if (!is_valid_utf8(line)) {
      record.status = RecordStatus::NotUtf8;
      record.error = record.location + ": line is not valid UTF-8";
      record.id = next_id();
      return true;
    }
    std::string content = trim(line);
    auto split = content.find_first_of(" \t");
    record.text = content.substr(0, split);
    record.id = split == std::string::npos ? next_id() : trim(content.substr(split));
    if (record.text.empty()) {
      record.status = RecordStatus::Empty;
      record.error = record.location + ": empty line";
    }
    return true;
  }

  void read_header() {
    std::string line;
    if (!read_line(line)) throw Error(path_ + ": empty file, expected a header row");
    if (!is_valid_utf8(line)) throw Error(path_ + ":1: header is not valid UTF-8");
    columns_ = split_csv_record(line, delimiter());
    for (auto& c : columns_) c = trim(c);
    smiles_index_ = column_index(options_.smiles_column, "--smiles-column");
    if (!options_.id_column.empty()) id_index_ = column_index(options_.id_column, "--id-column");
  }

  char delimiter() const { return format_ == FileFormat::Tsv ? '\t' : ','; }

  long column_index(const std::string& wanted, const char* flag) const {
    for (std::size_t i = 0; i < columns_.size(); ++i)
      if (columns_[i] == wanted) return static_cast<long>(i);
    for (std::size_t i = 0; i < columns_.size(); ++i)
      if (lower(columns_[i]) == lower(wanted)) return static_cast<long>(i);
    std::string names;
    for (const auto& c : columns_) names += (names.empty() ? "" : ", ") + c;
    throw Error(path_ + ":1: no column '" + wanted + "' (" + flag + "); the columns are: " +
                names);
  }

  bool next_delimited(InputRecord& record) {
    std::string line;
    if (!read_line(line)) return false;
    record.location = here();
    // An input that ends inside a quoted field keeps what it has: the record then fails on its SMILES.
    complete_csv_record(line, [this](std::string& next) { return read_line(next); });
    ++records_;
    record.format = RecordFormat::Smiles;
    if (!is_valid_utf8(line)) {
      record.status = RecordStatus::NotUtf8;
      record.error = record.location + ": row is not valid UTF-8";
      record.id = next_id();
      return true;
    }
    auto fields = split_csv_record(line, delimiter());
    auto field = [&](long index) -> std::string {
      return index >= 0 && static_cast<std::size_t>(index) < fields.size()
                 ? trim(fields[static_cast<std::size_t>(index)])
                 : std::string();
    };
    record.text = field(smiles_index_);
    record.id = id_index_ >= 0 ? field(id_index_) : next_id();
    for (std::size_t i = 0; i < columns_.size(); ++i) {
      if (static_cast<long>(i) == smiles_index_ || static_cast<long>(i) == id_index_) continue;
      record.properties.emplace_back(columns_[i], field(static_cast<long>(i)));
    }
    if (record.text.empty()) {
      record.status = RecordStatus::Empty;
      record.error = record.location + ": no value in column '" +
                     columns_[static_cast<std::size_t>(smiles_index_)] + "'";
    }
    return true;
  }

  bool next_sdf(InputRecord& record) {
    std::string line;
    std::string block;
    bool in_properties = false;
    bool any = false;
    std::string property_name;
    std::string property_value;
    std::size_t property_lines = 0;
    auto finish_property = [&] {
      if (!property_name.empty())
        record.properties.emplace_back(property_name, property_value);
      property_name.clear();
      property_value.clear();
      property_lines = 0;
    };
    while (read_line(line)) {
      if (!any) {
        any = true;
        record.location = here();
        record.id = trim(line);
      }
      if (line.rfind("$$$$", 0) == 0) break;
      if (!in_properties) {
        block += line;
        block += '\n';
        if (line.rfind("M  END", 0) == 0) in_properties = true;
        continue;
      }
      if (!line.empty() && line[0] == '>') {
        finish_property();
        auto open = line.find('<');
        auto close = line.find('>', open == std::string::npos ? 1 : open);
        if (open != std::string::npos && close != std::string::npos)
          property_name = line.substr(open + 1, close - open - 1);
      } else if (!property_name.empty() && !trim(line).empty()) {
        property_value += (property_lines++ ? "\n" : "") + line;
      }
    }
    if (!any) return false;
    finish_property();
    ++records_;
    record.format = RecordFormat::MolBlock;
    record.text = block;
    if (!options_.id_column.empty()) {
      for (const auto& [key, value] : record.properties)
        if (key == options_.id_column) record.id = value;
    }
    if (record.id.empty()) record.id = next_id();
    if (!is_valid_utf8(block) || !is_valid_utf8(record.id)) {
      record.status = RecordStatus::NotUtf8;
      record.error = record.location + ": record is not valid UTF-8";
      record.text.clear();
      record.id = next_id();
    } else if (!in_properties) {
      record.status = RecordStatus::ParseFailed;
      record.error = record.location + ": record has no 'M  END' line";
    }
    return true;
  }

  std::string path_;
  std::string stem_;
  FileFormat format_;
  ReaderOptions options_;
  // Closed by its owner, also when the constructor throws (a bad CSV header, say).
  struct Closer {
    void operator()(gzFile file) const { gzclose(file); }
  };
  std::unique_ptr<gzFile_s, Closer> file_;
  bool count_text_ = false;
  std::uint64_t line_number_ = 0;
  std::uint64_t text_bytes_ = 0;
  std::uint64_t records_ = 0;
  std::vector<std::string> columns_;
  long smiles_index_ = -1;
  long id_index_ = -1;
};

namespace {

// The uncompressed size a single-member gzip file records in its last four bytes (ISIZE,
// modulo 2^32), when it is plausible; nothing for plain files and for files where it cannot
// be trusted (concatenated members, 4 GiB or more of text).
std::optional<std::uint64_t> gzip_text_size(const std::string& path, std::uint64_t file_size) {
  constexpr std::uint64_t kTrusted = std::uint64_t{1} << 28;  // far below 4 GiB of text at any gzip ratio
  if (file_size < 18 || file_size > kTrusted) return std::nullopt;
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) return std::nullopt;
  unsigned char magic[2] = {0, 0}, trailer[4] = {0, 0, 0, 0};
  const bool read = std::fread(magic, 1, 2, f) == 2 && std::fseek(f, -4, SEEK_END) == 0 &&
                    std::fread(trailer, 1, 4, f) == 4;
  std::fclose(f);
  if (!read || magic[0] != 0x1f || magic[1] != 0x8b) return std::nullopt;
  const std::uint64_t size = trailer[0] | trailer[1] << 8 | trailer[2] << 16 | std::uint64_t{trailer[3]} << 24;
  if (size < file_size / 2) return std::nullopt;  // no text compresses to more than its size
  return size;
}

}  // namespace

MoleculeReader::MoleculeReader(std::vector<std::string> paths, ReaderOptions options)
    : paths_(std::move(paths)), options_(std::move(options)) {
  if (paths_.empty()) throw Error("no input files given");
  // Fail before any work when an input is missing or of an unknown type.
  for (const auto& path : paths_) {
    format_of(path);
    struct stat info {};
    if (stat(path.c_str(), &info) != 0)
      throw Error(path + ": cannot open for reading (" + std::strerror(errno) + ")");
    if (S_ISDIR(info.st_mode)) throw Error(path + ": is a folder, expected a molecule file");
    identities_.push_back(file_identity(info));
    // Progress of a compressed input counts its text when the size of that is known: zlib's
    // read-ahead makes the compressed offset jump (91% read after 15% of a small file).
    const auto text_size = gzip_text_size(path, static_cast<std::uint64_t>(info.st_size));
    file_counts_text_.push_back(text_size.has_value());
    file_bytes_.push_back(text_size.value_or(static_cast<std::uint64_t>(info.st_size)));
    bytes_total_ += file_bytes_.back();
  }
}

MoleculeReader::~MoleculeReader() = default;

bool MoleculeReader::open_next_file() {
  if (cursor_) {
    bytes_of_finished_files_ += file_bytes_[next_path_ - 1];
    if (next_row_ == rows_before_file_) empty_inputs_.push_back(paths_[next_path_ - 1]);
    cursor_.reset();
  }
  if (next_path_ >= paths_.size()) return false;
  cursor_ = std::make_unique<FileCursor>(paths_[next_path_], options_, file_counts_text_[next_path_]);
  ++next_path_;
  rows_before_file_ = next_row_;
  return true;
}

bool MoleculeReader::next_batch(std::vector<InputRecord>& out, std::size_t max_records) {
  if (cursor_) check_unchanged(paths_[next_path_ - 1], identities_[next_path_ - 1]);
  std::size_t added = 0;
  while (added < max_records) {
    if (!cursor_ && !open_next_file()) break;
    InputRecord record;
    if (!cursor_->next(record)) {
      // The file's last records are only whole if it did not change before its end was read.
      check_unchanged(paths_[next_path_ - 1], identities_[next_path_ - 1]);
      if (!open_next_file()) break;
      continue;
    }
    record.row = next_row_++;
    out.push_back(std::move(record));
    ++added;
  }
  return added > 0;
}

Progress MoleculeReader::progress() const {
  Progress p;
  p.records_done = next_row_;
  p.bytes_total = bytes_total_;
  p.bytes_done = bytes_of_finished_files_ + (cursor_ ? cursor_->bytes_consumed() : 0);
  return p;
}

}  // namespace molsieve::chem
