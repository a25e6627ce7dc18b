#pragma once
// Noticing that an input changed under a reader (rewritten in place, truncated, appended to,
// replaced by another file) without reading it again: what stat() says of the file when it is
// first opened, compared with what it says later. A change that keeps the size, the
// modification time (to the nanosecond) and the inode is not noticed.
#include <sys/stat.h>

#include <cstdint>
#include <string>
#include <vector>

namespace molsieve {

struct FileIdentity {
  std::uint64_t size = 0;
  std::int64_t modified_ns = 0;  // st_mtim, nanoseconds since 1970
  std::uint64_t device = 0;
  std::uint64_t inode = 0;
  bool exists = false;
};

// What `path` is now; `exists` is false when it cannot be stat()ed.
FileIdentity file_identity(const std::string& path);
// What a stat() of an existing file said.
FileIdentity file_identity(const struct stat& info);

// "<path>: changed while it was being read (size 1234 -> 1200, modified 12:01:02.250 ->
// 12:01:05.125)" when `path` is no longer `recorded`; empty when it still is.
std::string file_change(const std::string& path, const FileIdentity& recorded);
// Throws molsieve::Error with file_change() and what to do when `path` changed.
void check_unchanged(const std::string& path, const FileIdentity& recorded);

// The identities of a job's input files, recorded when constructed.
class InputWatch {
 public:
  explicit InputWatch(const std::vector<std::string>& paths);

  // "<path>: changed while it was being read (size 1234 -> 1200, ...)" for the first input
  // that changed since it was recorded; empty when none did.
  std::string change() const;
  // Throws molsieve::Error as check_unchanged() does for the first input that changed.
  void check() const;

 private:
  std::vector<std::string> paths_;
  std::vector<FileIdentity> recorded_;
};

}  // namespace molsieve
