#pragma once
// Reads back the per-atom shading of a chem::svg_depiction drawing: RDKit draws each shaded
// atom as an <ellipse class='atom-N' style='fill:#RRGGBB...'>.
#include <cstddef>
#include <map>
#include <regex>
#include <string>
#include <vector>

namespace molsieve::test {

struct AtomShade {
  double strength = 0;  // 0 (white) to 0.7 (full colour), from how far the colour is from white
  int sign = 0;         // +1 green, -1 red
};

// The shading of every shaded atom, by atom index.
inline std::map<std::size_t, AtomShade> atom_shades(const std::string& svg) {
  static const std::regex ellipse("<ellipse[^>]*class='atom-([0-9]+)'[^>]*style='fill:#([0-9A-Fa-f]{2})([0-9A-Fa-f]{2})([0-9A-Fa-f]{2})");
  std::map<std::size_t, AtomShade> out;
  for (std::sregex_iterator it(svg.begin(), svg.end(), ellipse), end; it != end; ++it) {
    const int red = std::stoi((*it)[2], nullptr, 16), green = std::stoi((*it)[3], nullptr, 16);
    const bool positive = green > red;
    out[std::stoul((*it)[1])] = {1.0 - (positive ? red : green) / 255.0, positive ? 1 : -1};
  }
  return out;
}

// The elements other than atom discs that carry the colour `hex` ("#4CFF4C").
inline std::size_t non_atom_elements_filled(const std::string& svg, const std::string& hex) {
  std::size_t n = 0;
  for (std::size_t at = svg.find("fill:" + hex); at != std::string::npos; at = svg.find("fill:" + hex, at + 1)) {
    const std::size_t open = svg.rfind('<', at);
    n += svg.compare(open, 8, "<ellipse") != 0;
  }
  return n;
}

}  // namespace molsieve::test
