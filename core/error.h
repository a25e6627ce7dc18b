#pragma once
// The one exception type for errors a user can fix: bad input, missing files,
// refused overwrites. Messages name the file, line, column or key at fault.
// Broken invariants are programming errors and use assert, not this type.
#include <stdexcept>
#include <string>

namespace molsieve {

class Error : public std::runtime_error {
 public:
  explicit Error(const std::string& message) : std::runtime_error(message) {}
};

}  // namespace molsieve
