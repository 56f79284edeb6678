"""What the fuzz/make-*-seeds.py scripts share: writing their seeds."""
import os
import sys


def write_seeds(seeds, default_outdir):
    """seeds: name -> bytes; written to argv[1], else default_outdir."""
    outdir = sys.argv[1] if len(sys.argv) > 1 else default_outdir
    os.makedirs(outdir, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(bytes(data))
        print(f'{outdir}/{name}: {len(data)} bytes')
