#include "workflows/report/html.h"

#include <cmath>
#include <cstdio>

namespace molsieve::workflows::html {

std::string escape(const std::string& text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '&': out += "&amp;"; break;
      case '"': out += "&quot;"; break;
      default: out += c;
    }
  }
  return out;
}

std::string fixed(double value, int digits) {
  if (std::isnan(value)) return "&ndash;";
  char text[32];
  std::snprintf(text, sizeof text, "%.*f", digits, value);
  return text;
}

std::string thousands(std::uint64_t n) {
  std::string digits = std::to_string(n), out;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return out;
}

const char* const kStyle = R"(
body { font-family: sans-serif; margin: 24px; color: #222; max-width: 1200px; }
h1 { font-size: 24px; } h2 { font-size: 19px; border-bottom: 1px solid #ccc; padding-bottom: 4px; margin-top: 32px; }
table { border-collapse: collapse; font-size: 13px; } td, th { border: 1px solid #ddd; padding: 3px 7px; text-align: left; }
th { background: #f2f2f2; } pre { background: #f7f7f7; padding: 8px; font-size: 12px; overflow-x: auto; }
.figures { display: flex; flex-wrap: wrap; gap: 16px; } .candidate { border: 1px solid #ccc; margin: 12px 0; padding: 10px; }
.drawings { display: flex; gap: 12px; } .drawings figure { margin: 0; font-size: 12px; text-align: center; }
.warn { color: #a33; } .small { font-size: 12px; color: #555; } code { font-size: 12px; }
)";

}  // namespace molsieve::workflows::html
