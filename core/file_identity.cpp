#include "core/file_identity.h"

#include <cstdio>
#include <ctime>

#include "core/error.h"

namespace molsieve {
namespace {

// Local wall-clock time to the millisecond, as a user compares it with `ls -l --full-time`.
std::string clock_time(std::int64_t ns) {
  const std::time_t seconds = static_cast<std::time_t>(ns / 1000000000);
  std::tm local{};
  localtime_r(&seconds, &local);
  char text[32];
  std::snprintf(text, sizeof text, "%02d:%02d:%02d.%03d", local.tm_hour, local.tm_min, local.tm_sec,
                static_cast<int>(ns % 1000000000 / 1000000));
  return text;
}

std::string describe_change(const FileIdentity& before, const FileIdentity& now) {
  if (before.exists && !now.exists) return "removed";
  if (!before.exists && now.exists) return "created";
  std::string what;
  auto add = [&](const std::string& part) { what += (what.empty() ? "" : ", ") + part; };
  if (before.device != now.device || before.inode != now.inode) add("replaced by another file");
  if (before.size != now.size) add("size " + std::to_string(before.size) + " -> " + std::to_string(now.size));
  if (before.modified_ns != now.modified_ns)
    add("modified " + clock_time(before.modified_ns) + " -> " + clock_time(now.modified_ns));
  return what;
}

}  // namespace

FileIdentity file_identity(const std::string& path) {
  struct stat info {};
  return stat(path.c_str(), &info) == 0 ? file_identity(info) : FileIdentity{};
}

FileIdentity file_identity(const struct stat& info) {
  FileIdentity id;
  id.exists = true;
  id.size = static_cast<std::uint64_t>(info.st_size);
  id.modified_ns = static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1000000000 + info.st_mtim.tv_nsec;
  id.device = static_cast<std::uint64_t>(info.st_dev);
  id.inode = static_cast<std::uint64_t>(info.st_ino);
  return id;
}

std::string file_change(const std::string& path, const FileIdentity& recorded) {
  const std::string what = describe_change(recorded, file_identity(path));
  return what.empty() ? what : path + ": changed while it was being read (" + what + ")";
}

void check_unchanged(const std::string& path, const FileIdentity& recorded) {
  const std::string change = file_change(path, recorded);
  if (!change.empty()) throw Error(change + "; run again once it no longer changes");
}

InputWatch::InputWatch(const std::vector<std::string>& paths) : paths_(paths) {
  for (const auto& path : paths_) recorded_.push_back(file_identity(path));
}

std::string InputWatch::change() const {
  for (std::size_t i = 0; i < paths_.size(); ++i)
    if (std::string what = file_change(paths_[i], recorded_[i]); !what.empty()) return what;
  return "";
}

void InputWatch::check() const {
  for (std::size_t i = 0; i < paths_.size(); ++i) check_unchanged(paths_[i], recorded_[i]);
}

}  // namespace molsieve
