#!/usr/bin/env python3
"""Records a real Wayland client's bytes and fds as a seed for the guest
target (fuzz-guest.c's raw ops), by standing between the client and a
compositor as a socket tap.

    fuzz/record-tap.py [--max-bytes N] [--seconds S] OUT UPSTREAM_SOCKET \
        -- CLIENT [ARGS...]

listens on a fresh WAYLAND_DISPLAY, runs CLIENT on it, forwards both
directions to UPSTREAM_SOCKET (a running compositor, e.g. weston
--backend=headless-backend.so) and writes what the client sent to OUT:
byte 0 = 0 (no preamble), then per recvmsg a raw op (0, u16 length,
bytes, fd count, fd kinds: memfds by size, pipes by direction, anything
else as /dev/null) followed by a settle op (3).  --max-bytes stops the
recording (not the forwarding) before the seed would pass N bytes, for
clients that talk a lot (a browser's start-up); --seconds ends the client
after S seconds, for clients that do not exit on their own.  Global names in
wl_registry.bind are the compositor's; the fuzz world's proxy numbers
its own globals, so binds are rewritten to the name the fuzz world gives
that interface when it has one (FUZZ_NAMES, below)."""
import os
import socket
import stat
import struct
import subprocess
import sys
import tempfile
import array
import select
import time

# wl_registry global names as the guest target's world advertises them
# (fuzz-replay-guest with WLGP_FUZZ_VERBOSE shows them; the unit host
# creates its globals in a fixed order).
FUZZ_NAMES = {'wl_shm': (1, 1), 'wl_compositor': (2, 5), 'wl_output': (3, 4),
              'wl_seat': (4, 8), 'zwp_tablet_manager_v2': (5, 1)}


class Rewriter:
    """Follows the client's registries and rewrites its binds."""

    def __init__(self):
        self.registries = set()
        self.buf = b''

    def feed(self, data):
        data = bytearray(self.buf + data)
        pos = 0
        while len(data) - pos >= 8:
            obj, word = struct.unpack_from('<II', data, pos)
            size, opcode = word >> 16, word & 0xffff
            if size < 8 or len(data) - pos < size:
                break
            if obj == 1 and opcode == 1 and size == 12:
                self.registries.add(struct.unpack_from('<I', data, pos + 8)[0])
            elif obj in self.registries and opcode == 0 and size >= 24:
                n = struct.unpack_from('<I', data, pos + 12)[0]
                iface = bytes(data[pos + 16:pos + 16 + n - 1]).decode(errors='replace')
                vpos = pos + 16 + ((n + 3) & ~3)
                if iface in FUZZ_NAMES:
                    name, version = FUZZ_NAMES[iface]
                    struct.pack_into('<I', data, pos + 8, name)
                    v = struct.unpack_from('<I', data, vpos)[0]
                    struct.pack_into('<I', data, vpos, min(v, version))
            pos += size
        self.buf = bytes(data[pos:])
        return bytes(data[:pos])


def fd_spec(fd):
    st = os.fstat(fd)
    if stat.S_ISREG(st.st_mode):
        size = st.st_size
        if size <= 65536:
            return bytes([1]) + struct.pack('<I', size)   # small pool
        return bytes([0]) + struct.pack('<I', min(size, 16 << 20))
    if stat.S_ISFIFO(st.st_mode):
        import fcntl
        mode = fcntl.fcntl(fd, fcntl.F_GETFL) & os.O_ACCMODE
        return bytes([4 if mode == os.O_WRONLY else 3])
    return bytes([5])


def parse_args(argv):
    max_bytes, seconds = None, None
    while argv and argv[0] in ('--max-bytes', '--seconds'):
        if len(argv) < 2:
            sys.exit(__doc__)
        if argv[0] == '--max-bytes':
            max_bytes = int(argv[1])
        else:
            seconds = float(argv[1])
        argv = argv[2:]
    if len(argv) < 4 or argv[2] != '--':
        sys.exit(__doc__)
    return argv[0], argv[1], argv[3:], max_bytes, seconds


def main():
    out_path, upstream, client_argv, max_bytes, seconds = parse_args(sys.argv[1:])
    rundir = tempfile.mkdtemp(prefix='wlgp-tap-')
    path = os.path.join(rundir, 'tap-0')
    lsock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    lsock.bind(path)
    lsock.listen(1)
    env = dict(os.environ, WAYLAND_DISPLAY=path)
    proc = subprocess.Popen(client_argv, env=env)
    lsock.settimeout(30)
    if not upstream.startswith('/'):
        upstream = os.path.join(os.environ['XDG_RUNTIME_DIR'], upstream)
    out = bytearray(b'\x00')
    # Some clients probe the display first (a connection that sends
    # nothing): the seed is the first connection that says something.
    while len(out) == 1:
        try:
            out, proc_done = record(lsock, upstream, proc, out, max_bytes, seconds)
        except socket.timeout:
            break
        if proc_done:
            break
    proc.terminate()
    proc.wait()
    with open(out_path, 'wb') as f:
        f.write(out)
    os.unlink(path)
    os.rmdir(rundir)
    print(f'{out_path}: {len(out)} bytes')


def record(lsock, upstream, proc, out, max_bytes, seconds):
    """Taps one connection; returns the seed and whether the client is done."""
    client, _ = lsock.accept()
    up = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    up.connect(upstream)
    rewriter = Rewriter()
    maxfds = 28

    deadline = time.monotonic() + seconds if seconds else None
    try:
        while True:
            if deadline and time.monotonic() > deadline:
                break
            r, _, _ = select.select([client, up], [], [], 1 if deadline else 5)
            if not r:
                if proc.poll() is not None:
                    break
                continue
            for s in r:
                other = up if s is client else client
                data, anc, _, _ = s.recvmsg(65536, socket.CMSG_LEN(maxfds * 4))
                fds = []
                for level, typ, cdata in anc:
                    if level == socket.SOL_SOCKET and typ == socket.SCM_RIGHTS:
                        a = array.array('i')
                        a.frombytes(cdata[:len(cdata) - len(cdata) % 4])
                        fds.extend(a)
                if not data:
                    raise EOFError
                if s is client:
                    rewritten = rewriter.feed(data)
                    for i in range(0, len(rewritten), 4096):
                        chunk = rewritten[i:i + 4096]
                        these = fds[:4] if i == 0 else []
                        op = bytes([0]) + struct.pack('<H', len(chunk)) + chunk
                        op += bytes([len(these)])
                        for fd in these:
                            op += fd_spec(fd)
                        op += bytes([3])
                        if max_bytes is not None and len(out) + len(op) > max_bytes:
                            max_bytes = len(out)  # full: record no more
                            continue
                        out += op
                other.sendmsg([data], [(socket.SOL_SOCKET, socket.SCM_RIGHTS,
                                        array.array('i', fds))] if fds else [])
                for fd in fds:
                    os.close(fd)
    except (EOFError, ConnectionResetError, BrokenPipeError):
        pass
    client.close()
    up.close()
    timed_out = deadline is not None and time.monotonic() > deadline
    return out, timed_out or proc.poll() is not None


if __name__ == '__main__':
    main()
