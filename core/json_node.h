#pragma once
// The strict JSON reader of molsieve's input documents (cohort definitions, quota files):
// every value carries its JSON path, so an error names the file and the path at fault
// ("def.json: /inclusion_rules/2/window: expected a whole number"), and unknown keys are
// errors, so a misspelt key never silently loosens a criterion.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <cstdint>
#include <initializer_list>
#include <string>

#include "core/error.h"

namespace molsieve {

// Parses `text`; throws molsieve::Error naming `where` and the byte at fault.
inline nlohmann::json parse_json_document(const std::string& text, const std::string& where) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw Error(where + ": not valid JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  } catch (const nlohmann::json::exception& e) {  // a number beyond a double's range, say
    throw Error(where + ": not valid JSON: " + e.what());
  }
}

// A value of a parsed document with its path. Holds references: the document and `where`
// outlive it.
class JsonNode {
 public:
  JsonNode(const nlohmann::json& value, std::string path, const std::string& where)
      : value_(value), path_(std::move(path)), where_(where) {}
  [[noreturn]] void fail(const std::string& message) const {
    throw Error(where_ + ": " + (path_.empty() ? "/" : path_) + ": " + message);
  }
  const std::string& path() const { return path_; }
  // A key that is present and not null.
  bool has(const std::string& key) const { return value_.is_object() && value_.contains(key) && !value_[key].is_null(); }
  JsonNode at(const std::string& key) const {
    if (!value_.is_object()) fail("expected an object");
    if (!has(key)) JsonNode(value_, path_ + "/" + key, where_).fail("missing");
    return JsonNode(value_[key], path_ + "/" + key, where_);
  }
  JsonNode element(std::size_t i) const { return JsonNode(value_[i], path_ + "/" + std::to_string(i), where_); }
  std::size_t size() const {
    if (!value_.is_array()) fail("expected an array");
    return value_.size();
  }
  bool is_array() const { return value_.is_array(); }
  bool is_object() const { return value_.is_object(); }
  bool is_string() const { return value_.is_string(); }
  const nlohmann::json& raw() const { return value_; }
  // Calls `visit(key, node)` for each member of an object, in the document's key order.
  template <typename Visit>
  void for_each_member(Visit&& visit, const char* expected = "expected an object") const {
    if (!value_.is_object()) fail(expected);
    for (const auto& item : value_.items()) visit(item.key(), JsonNode(item.value(), path_ + "/" + item.key(), where_));
  }
  void allow(std::initializer_list<const char*> keys) const {
    if (!value_.is_object()) fail("expected an object");
    for (const auto& item : value_.items())
      if (std::none_of(keys.begin(), keys.end(), [&](const char* k) { return item.key() == k; })) {
        std::string known;
        for (const char* k : keys) known += (known.empty() ? "" : ", ") + std::string(k);
        JsonNode(item.value(), path_ + "/" + item.key(), where_).fail("unknown key (known: " + known + ")");
      }
  }
  std::string text() const {
    if (!value_.is_string()) fail("expected a string");
    return value_.get<std::string>();
  }
  double number() const {
    if (!value_.is_number()) fail("expected a number");
    return value_.get<double>();
  }
  std::int64_t integer() const {
    if (!value_.is_number_integer()) fail("expected a whole number");
    return value_.get<std::int64_t>();
  }

 private:
  const nlohmann::json& value_;
  std::string path_;
  const std::string& where_;
};

}  // namespace molsieve
