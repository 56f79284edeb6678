#!/usr/bin/env python3
"""Writes the xdomain target's seeds: what a cross-domain host puts in the
channel ring for real traffic (Wayland events, a keymap blob, a data offer's
write pipes, clipboard READs into the client's pipes) and the edges of the
ABI (the old 4-entry identifier array, too many identifiers, oversized data,
an unknown command, a hostile handshake).  Format: fuzz-xdomain.c's first
comment.

    fuzz/make-xdomain-seeds.py fuzz/seeds/xdomain
"""
import struct

from seedfile import wl_message, write_seeds

BLOB, WRITE_PIPE, READ_PIPE, SYNC, EVENT, SOCKET = 0, 1, 2, 3, 4, 5  # type selectors
FRESH, AGAIN = 0, 1                                                  # id selectors
SIZE_0, SIZE_PAGE, SIZE_SMALL = 0, 1, 5
RING = 4096


def setup(old=False, pipes=0, hostile=False, small_pipes=False,
          pipes_closed=False):
    return bytes([(1 if old else 0) | pipes << 1 | (8 if hostile else 0)
                  | (16 if small_pipes else 0) | (32 if pipes_closed else 0)])


wl = wl_message


def receive(data, ids=(), n=28):
    """ids: (id selector, type selector, size selector[, size u16])."""
    out = b'\x00' + bytes([len(ids)])
    for i in ids[:n]:  # the target reads no more than the array holds
        out += bytes([i[0] << 4 | i[1], i[2]])
        if i[2] == 2:
            out += struct.pack('<H', i[3] - 1)     # 1..3 pages, unaligned
    return out + struct.pack('<H', len(data)) + data


def read(pipe, data, hang_up=0):
    return b'\x02' + bytes([pipe, hang_up]) + struct.pack('<H', len(data)) + data


def read_pattern(pipe, length, hang_up=0):
    """A READ whose data the target makes up (costs no input)."""
    return b'\x02' + bytes([pipe, hang_up | 4]) + struct.pack('<H', length)


HANGUP = b'\x04'
registry = wl(2, 0, 1, 'wl_compositor', 5) + wl(2, 0, 2, 'wl_shm', 1)
keymap = wl(5, 0, 1, 48311)  # wl_keyboard.keymap(format, fd, size)

SEEDS = {
    'registry-events': setup() + receive(registry[:28]) + receive(registry[28:])
    + receive(wl(3, 0, 0)) + HANGUP,
    'keymap-blob': setup() + receive(keymap, [(FRESH, BLOB, 2, 48311)]) + HANGUP,
    'format-table-blob-page': setup()
    + receive(wl(6, 0, 4096), [(FRESH, BLOB, SIZE_PAGE)]) + HANGUP,
    'data-offer-write-pipes': setup()
    + receive(wl(7, 1, 'text/plain'), [(FRESH, WRITE_PIPE, SIZE_0)])
    + receive(wl(7, 1, 'text/html'), [(FRESH, BLOB, SIZE_0)]) + HANGUP,
    'clipboard-reads': setup(pipes=2) + read(0, b'hello ') + read(1, b'x' * 100)
    + read(0, b'world', hang_up=1) + read(1, b'', hang_up=1) + HANGUP,
    'clipboard-pressure': setup(pipes=1, small_pipes=True)
    + read_pattern(0, 4072) * 3 + read_pattern(0, 100, hang_up=1) + HANGUP,
    'clipboard-reader-left': setup(pipes=1, pipes_closed=True)
    + read(0, b'lost') + read(0, b'', hang_up=1) + receive(wl(1, 1, 3)) + HANGUP,
    'old-host-4-ids': setup(old=True)
    + receive(wl(8, 0), [(FRESH, BLOB, SIZE_PAGE), (AGAIN, BLOB, SIZE_PAGE),
                         (FRESH, WRITE_PIPE, SIZE_0), (FRESH, EVENT, SIZE_0)])
    + HANGUP,
    'too-many-ids-old-host': setup(old=True)
    + receive(b'abcd', [(FRESH, SYNC, SIZE_0)] * 5, n=4)
    + receive(wl(1, 0)) + HANGUP,
    'oversized-data': setup(old=True) + b'\x00\x00' + struct.pack('<H', RING - 64 + 3)
    + b'z' * 64 + HANGUP,
    'unknown-command': setup() + b'\x03\x09\x04abcd' + receive(wl(1, 1, 3)) + HANGUP,
    'hostile-handshake': setup(hostile=True)
    + receive(wl(2, 0, 1) + wl(1, 1, 2) + wl(9, 9)) + receive(wl(1, 1, 3)) + HANGUP,
}

if __name__ == '__main__':
    write_seeds(SEEDS, 'fuzz/seeds/xdomain')
