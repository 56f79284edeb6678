#!/usr/bin/env python3
"""Writes the guest target's hand-made seeds: whole, valid sessions of the
kind no recorded client gives it against the fuzz world's host (which has
no xdg_wm_base, so real toplevel clients are refused early): wl_shm
pools and buffers in several formats and strides, surfaces committed with
scale, transform and damage, and a keyboard.  Same format as
record-tap.py's output (fuzz-guest.c's raw ops).

    fuzz/make-seeds.py fuzz/seeds/guest
"""
import struct

from seedfile import wl_message, write_seeds

SHM, COMPOSITOR, OUTPUT, SEAT = 1, 2, 3, 4  # the fuzz world's global names


class Session:
    def __init__(self):
        self.out = bytearray(b'\x00')
        self.next_id = 2

    def new(self):
        i = self.next_id
        self.next_id += 1
        return i

    def msg(self, obj, opcode, *args, fds=()):
        m = wl_message(obj, opcode, *args)
        self.out += b'\x00' + struct.pack('<H', len(m)) + m
        self.out += bytes([len(fds)]) + b''.join(fds)
        return self

    def settle(self):
        self.out += b'\x03'
        return self


def small_memfd(size):
    return b'\x01' + struct.pack('<I', size)


def session(fmt, bpp, width, height, pad, scale, transform, damages,
            shrink=False):
    s = Session()
    reg = s.new()
    s.msg(1, 1, reg).settle()                      # get_registry
    shm, comp = s.new(), s.new()
    s.msg(reg, 0, SHM, 'wl_shm', 1, shm)
    s.msg(reg, 0, COMPOSITOR, 'wl_compositor', 5, comp).settle()
    stride = width * bpp + pad
    size = stride * height
    pool, buf, surf = s.new(), s.new(), s.new()
    s.msg(shm, 0, pool, size, fds=[small_memfd(size)])   # create_pool
    s.msg(pool, 0, buf, 0, width, height, stride, fmt)    # create_buffer
    s.msg(comp, 0, surf)                                  # create_surface
    s.msg(surf, 8, scale)                                 # set_buffer_scale
    s.msg(surf, 7, transform)                             # set_buffer_transform
    for i in range(2):
        if shrink and i == 1:
            # the guest target's shrink op: its first memfd to 0 bytes,
            # so the next copy reads past the end of the file (SIGBUS)
            s.out += b'\x04\x00' + struct.pack('<H', 0)
        s.msg(surf, 1, buf, 0, 0)                         # attach
        for (x, y, w, h) in damages:
            s.msg(surf, 2, x, y, w, h)                    # damage
            s.msg(surf, 9, x, y, w, h)                    # damage_buffer
        cb = s.new()
        s.msg(surf, 3, cb)                                # frame
        s.msg(surf, 6).settle()                           # commit
    s.msg(buf, 0)                                         # wl_buffer.destroy
    s.msg(surf, 0).settle()                               # wl_surface.destroy
    return bytes(s.out)


def keyboard():
    s = Session()
    reg = s.new()
    s.msg(1, 1, reg).settle()
    seat = s.new()
    s.msg(reg, 0, SEAT, 'wl_seat', 8, seat).settle()
    kb, ptr = s.new(), s.new()
    s.msg(seat, 1, kb).msg(seat, 0, ptr).settle()         # get_keyboard, get_pointer
    s.msg(kb, 0).msg(ptr, 1).settle()                     # release both
    return bytes(s.out)


SEEDS = {
    'session-xrgb': session(1, 4, 64, 48, 0, 1, 0, [(0, 0, 64, 48)]),
    'session-argb-scale2-rot90': session(0, 4, 40, 30, 12, 2, 1,
                                         [(3, 4, 10, 7), (-5, -5, 2147483647, 9)]),
    'session-rgb565-flipped': session(0x36314752, 2, 33, 17, 2, 3, 6,
                                      [(1, 1, 5, 5)]),
    'session-shrunk-pool': session(1, 4, 32, 32, 0, 1, 0, [(0, 0, 32, 32)],
                                   shrink=True),
    'keyboard-pointer': keyboard(),
}

if __name__ == '__main__':
    write_seeds(SEEDS, 'fuzz/seeds/guest')
