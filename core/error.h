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

// A run stopped on request (Ctrl-C, a scheduler's SIGTERM, a CancellationToken): nothing is
// wrong with the inputs, and running the command again (with --resume where the message
// says so) continues. Front ends tell it apart from Error (the command line by its exit status).
class Interrupted : public Error {
 public:
  using Error::Error;
};

}  // namespace molsieve
