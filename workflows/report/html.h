#pragma once
// What the HTML reports (screen and cohort) share: escaping, number formats, one style sheet.
#include <cstdint>
#include <string>

namespace molsieve::workflows::html {

std::string escape(const std::string& text);
// `value` with `digits` decimals; a dash for NaN.
std::string fixed(double value, int digits = 2);
// Thousands separators: 12,345.
std::string thousands(std::uint64_t n);
extern const char* const kStyle;

}  // namespace molsieve::workflows::html
