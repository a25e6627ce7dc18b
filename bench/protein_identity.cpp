// For each protein of QUERIES, the nearest protein of REFERENCES by models::sequence_identity
// (the drug-target models' protein domain measure), a protein never matching itself by name.
// Prints CSV: name,nearest,identity. Used by bench/protein_domain.py.
//   molsieve_bench_protein_identity QUERIES REFERENCES   (FASTA or name,sequence tables)
#include <cstdio>
#include <exception>
#include <string>

#include "models/proteins.h"

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: %s QUERIES REFERENCES\n", argv[0]);
    return 2;
  }
  try {
    const molsieve::models::ProteinTable queries = molsieve::models::read_protein_table(argv[1]);
    const molsieve::models::ProteinTable references = molsieve::models::read_protein_table(argv[2]);
    std::printf("name,nearest,identity\n");
    for (std::size_t q = 0; q < queries.size(); ++q) {
      double best = -1;
      std::string nearest;
      for (std::size_t r = 0; r < references.size(); ++r) {
        if (references.name(r) == queries.name(q)) continue;
        const double identity = molsieve::models::sequence_identity(queries.sequence(q), references.sequence(r));
        if (identity > best) {
          best = identity;
          nearest = references.name(r);
        }
      }
      std::printf("%s,%s,%.4f\n", queries.name(q).c_str(), nearest.c_str(), best);
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    return 1;
  }
  return 0;
}
