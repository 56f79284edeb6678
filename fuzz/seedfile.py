"""What the fuzz/make-*-seeds.py scripts share: writing their seeds."""
import os
import struct
import sys


def write_seeds(seeds, default_outdir):
    """seeds: name -> bytes; written to argv[1], else default_outdir."""
    outdir = sys.argv[1] if len(sys.argv) > 1 else default_outdir
    os.makedirs(outdir, exist_ok=True)
    for name, data in seeds.items():
        with open(os.path.join(outdir, name), 'wb') as f:
            f.write(bytes(data))
        print(f'{outdir}/{name}: {len(data)} bytes')


def wl_message(obj, opcode, *args):
    """A Wayland message: ints (negative ones signed) and strings."""
    body = b''
    for a in args:
        if isinstance(a, str):
            s = a.encode() + b'\0'
            body += struct.pack('<I', len(s)) + s + b'\0' * (-len(s) % 4)
        else:
            body += struct.pack('<i' if a < 0 else '<I', a)
    return struct.pack('<II', obj, (8 + len(body)) << 16 | opcode) + body
