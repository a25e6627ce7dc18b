#pragma once
// Proteins as drug-target models see them: a table of named amino-acid sequences, read from
// FASTA or a two-column name,sequence table, and the checks every sequence passes.
#include <cstddef>
#include <map>
#include <string>
#include <vector>

namespace molsieve::models {

// The one-letter codes accepted in a sequence: the 20 standard residues, U (selenocysteine),
// O (pyrrolysine) and the ambiguity codes B, Z, J and X. Lower case is read as upper case.
inline constexpr char kResidueLetters[] = "ACDEFGHIKLMNPQRSTVWYUOBZJX";

// What is wrong with a sequence (empty, or the first letter that is not a residue code and
// its position), or "" when nothing is.
std::string sequence_problem(const std::string& sequence);
// The sequence in upper case. Throws molsieve::Error naming `where` and sequence_problem().
std::string checked_sequence(const std::string& sequence, const std::string& where);

// Identity of two sequences: identical residues in their best alignment over the length of
// the shorter one. The alignment is global with free end gaps (so a domain inside a longer
// chain scores 1), BLOSUM62 with EMBOSS needle's gap costs (open 10, extend 0.5), Gotoh's
// algorithm in O(|a| |b|) time and O(|b|) memory. 1 for identical sequences.
double sequence_identity(const std::string& a, const std::string& b);

class ProteinTable {
 public:
  // Adds a protein; throws molsieve::Error naming `where` for a bad sequence, an empty name,
  // or a name already in the table with another sequence.
  std::size_t add(const std::string& name, const std::string& sequence, const std::string& where);
  // Index of `name`, or size() when the table does not hold it.
  std::size_t find(const std::string& name) const;
  std::size_t size() const { return names_.size(); }
  const std::string& name(std::size_t i) const { return names_[i]; }
  const std::string& sequence(std::size_t i) const { return sequences_[i]; }

 private:
  std::vector<std::string> names_, sequences_;
  std::map<std::string, std::size_t> index_;
};

// A protein table from FASTA (`>NAME description` then sequence lines; the name is the first
// word) or, for any other file, lines `name,sequence` (or tab-separated) under a header.
// Errors name the file and line.
ProteinTable read_protein_table(const std::string& path);

}  // namespace molsieve::models
