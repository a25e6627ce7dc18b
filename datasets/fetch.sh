#!/usr/bin/env bash
# Downloads the public data sets of datasets/manifest.tsv into a folder (default:
# ../shared/datasets beside the checkout, where tests and benchmarks look; or
# MOLSIEVE_DATASETS). Files already present are kept. PDBbind needs a registration at
# its site and is not fetched.
#   bash datasets/fetch.sh [DEST]
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
dest="${1:-${MOLSIEVE_DATASETS:-$here/../../shared/datasets}}"
mkdir -p "$dest"
tail -n +3 "$here/manifest.tsv" | while IFS=$'\t' read -r name file rows task columns source licence url; do
  case "$url" in
    *deepchemdata*)
      target="$dest/$(basename "$url")"
      if [ -s "$target" ]; then echo "have  $name ($target)"; continue; fi
      echo "fetch $name <- $url"
      curl -fsSL --retry 3 -o "$target.part" "$url" && mv "$target.part" "$target"
      ;;
    *) echo "skip  $name: get it from $url ($licence)" ;;
  esac
done
