#pragma once
#include <string>

namespace molsieve {

// The current UTC time as ISO 8601 (2026-01-31T12:00:00Z), for provenance attributes.
std::string utc_timestamp();

}  // namespace molsieve
