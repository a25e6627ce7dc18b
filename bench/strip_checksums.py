#!/usr/bin/env python3
"""Copies an HDF5 store without its checksums: the comparison point of bench/checksums.sh.

    strip_checksums.py SOURCE.h5 OUT.h5

OUT is SOURCE with /checksums (the strings' CRC-32) deleted and every Fletcher-32 dataset
rewritten with the same chunks, shuffle and deflate but no Fletcher-32; string datasets are
left as written, so the heap layout molsieve reads is the same in both. Prints the bytes the
checksums take in SOURCE.
"""
import shutil
import sys

import h5py


def main():
    source, out = sys.argv[1], sys.argv[2]
    shutil.copyfile(source, out)
    crc_bytes = 0
    with h5py.File(source, "r") as f:
        def count(name, obj):
            nonlocal crc_bytes
            if isinstance(obj, h5py.Dataset):
                crc_bytes += obj.id.get_storage_size()
        if "checksums" in f:
            f["checksums"].visititems(count)
    with h5py.File(out, "a") as f:
        if "checksums" in f:
            del f["checksums"]
        checked = []
        f.visititems(lambda name, obj: checked.append(name)
                     if isinstance(obj, h5py.Dataset) and obj.fletcher32 else None)
        for name in checked:
            old = f[name]
            data, attrs = old[()], dict(old.attrs)
            chunks, maxshape = old.chunks, old.maxshape
            del f[name]
            new = f.create_dataset(name, data=data, chunks=chunks, maxshape=maxshape,
                                   compression="gzip", compression_opts=4, shuffle=True)
            for key, value in attrs.items():
                new.attrs[key] = value
    print("string CRC-32 datasets: %d bytes stored" % crc_bytes)


if __name__ == "__main__":
    main()
