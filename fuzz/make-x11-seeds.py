#!/usr/bin/env python3
"""Writes the x11 target's seeds: small scripts of what real X clients do
(a toplevel with its ICCCM/EWMH properties, dialogs, menus, state
messages, a clipboard owner answering TARGETS, an INCR transfer) and the
hostile variants the notes warn of (xwm-notes.md section 9: wrong types
and lengths, transient loops, huge titles, odd map orders).  The encoding
is fuzz-x11.c's (first comment); atoms are indexes into its atom_names,
read from that file so the two cannot drift apart.

    fuzz/make-x11-seeds.py fuzz/seeds/x11
"""
import os
import re
import struct

HERE = os.path.dirname(os.path.abspath(__file__))
_src = open(os.path.join(HERE, 'fuzz-x11.c')).read()
_names = re.search(r'atom_names\[\] = \{(.*?)\};', _src, re.S).group(1)
ATOMS = re.findall(r'"([^"]+)"', _names)

(CREATE, MAP, UNMAP, DESTROY, REPARENT, CONFIGURE, PROPERTY, TRANSIENT,
 DELETE_PROPERTY, CLIENT_MESSAGE, SET_OWNER, INCR_CHUNK, CONVERT, FOCUS,
 SETTLE, HOST_CONFIGURE, HOST_CLOSE, RENOTIFY) = range(18)
NEVER, ANSWER, INCR, NONE, UNSET = range(5)
ACTIVATED, FULLSCREEN, MAXIMIZED = 1, 2, 4


def atom(name):
    return bytes([ATOMS.index(name)])


class Script:
    def __init__(self):
        self.b = bytearray()
        self.windows = 0

    def u8(self, v):
        self.b.append(v & 0xff)
        return self

    def u16(self, v):
        self.b += struct.pack('<H', v & 0xffff)
        return self

    def u32(self, v):
        self.b += struct.pack('<I', v & 0xffffffff)
        return self

    def op(self, o):
        return self.u8(o)

    def create(self, x=10, y=10, w=200, h=100, o_r=False, parent=None):
        self.op(CREATE)
        if self.windows:
            self.u8(1 if parent is None else 0)
            if parent is not None:
                self.u8(parent)
        self.u16(x).u16(y).u16(w - 1).u16(h - 1).u8(0).u8(int(o_r))
        self.windows += 1
        return self.windows - 1

    def win(self, o, w):
        return self.op(o).u8(w)

    def prop(self, w, name, type_, data, fmt=8, mode=0):
        how = {8: 0, 16: 1, 32: 2}[fmt] | mode << 2
        self.op(PROPERTY).u8(w)
        self.b += atom(name) + atom(type_)
        self.u8(how).u8(len(data))
        self.b += data
        return self

    def big_prop(self, w, name, type_, size, unit):
        self.op(PROPERTY).u8(w)
        self.b += atom(name) + atom(type_)
        self.u8(0x20).u32(size).u8(len(unit) - 1)
        self.b += unit
        return self

    def message(self, w, type_, action, a1, a2, to_root=True):
        self.op(CLIENT_MESSAGE).u8(w)
        self.b += atom(type_)
        self.u8(0x20 if to_root else 0).u8(action)
        self.b += atom(a1) + atom(a2)
        return self.u32(1).u32(0)

    def settle(self):
        return self.op(SETTLE)

    def host_configure(self, which, w, h, states):
        return self.op(HOST_CONFIGURE).u8(which).u16(w).u16(h).u8(states)

    def owner(self, w, answer, primary=False):
        return self.op(SET_OWNER).u8(1 if primary else 0).u8(w).u8(answer)

    def targets_answer(self, *names):
        self.u8(0).u8(len(names))
        for n in names:
            self.b += atom(n)
        return self.u8(1)


def toplevel(s, title=b'xterm', cls=b'xterm\0XTerm\0'):
    w = s.create()
    s.prop(w, '_NET_WM_NAME', 'UTF8_STRING', title)
    s.prop(w, 'WM_NAME', 'STRING', title)
    s.prop(w, 'WM_CLASS', 'STRING', cls)
    return w


def seeds():
    out = {}

    s = Script()
    w = toplevel(s)
    # WM_PROTOCOLS: atoms are the server's, which the target only knows
    # at run time: the fuzzer finds them; here WM_DELETE_WINDOW's slot is
    # written through a client message instead.
    s.prop(w, 'WM_HINTS', 'WM_HINTS', struct.pack('<9I', 1, 1, 0, 0, 0, 0, 0, 0, 0), 32)
    s.prop(w, 'WM_NORMAL_HINTS', 'WM_SIZE_HINTS',
           struct.pack('<18I', 0x30, 0, 0, 0, 0, 100, 50, 800, 600, 0, 0, 0, 0, 0, 0, 0, 0, 0), 32)
    s.win(MAP, w).settle().host_configure(0, 640, 480, ACTIVATED).settle()
    s.op(HOST_CLOSE).u8(0)
    out['toplevel-map-activate-close'] = s

    s = Script()
    a, b = toplevel(s, b'main'), toplevel(s, b'dialog')
    s.op(TRANSIENT).u8(b).u8(a).op(TRANSIENT).u8(a).u8(b)
    s.win(MAP, a).win(MAP, b).settle()
    out['transient-cycle'] = s

    s = Script()
    a = toplevel(s, b'editor')
    s.win(MAP, a).settle().host_configure(0, 800, 600, ACTIVATED).settle()
    m = s.create(x=30, y=40, w=120, h=200, o_r=True)
    s.op(TRANSIENT).u8(m).u8(a)
    s.win(MAP, m).settle().op(CONFIGURE).u8(m).u8(3).u16(50).u16(60).settle()
    s.win(UNMAP, m).settle()
    out['override-redirect-menu'] = s

    s = Script()
    a = toplevel(s, b'video')
    s.win(MAP, a).settle()
    s.message(a, '_NET_WM_STATE', 1, '_NET_WM_STATE_FULLSCREEN', 'FUZZ_X')
    s.settle().host_configure(0, 1024, 768, FULLSCREEN | ACTIVATED).settle()
    s.message(a, '_NET_WM_STATE', 2, '_NET_WM_STATE_MAXIMIZED_VERT',
              '_NET_WM_STATE_MAXIMIZED_HORZ')
    s.message(a, '_NET_WM_STATE', 0, '_NET_WM_STATE_FULLSCREEN', 'FUZZ_X')
    s.message(a, 'WM_CHANGE_STATE', 3, 'FUZZ_X', 'FUZZ_X')
    s.message(a, '_NET_ACTIVE_WINDOW', 1, 'FUZZ_X', 'FUZZ_X')
    s.message(a, '_NET_WM_MOVERESIZE', 8, 'FUZZ_X', 'FUZZ_X')
    s.message(a, 'WL_SURFACE_ID', 3, 'FUZZ_X', 'FUZZ_X')
    s.settle()
    out['net-wm-state-messages'] = s

    s = Script()
    a = s.create()
    s.prop(a, 'WM_NORMAL_HINTS', 'WM_SIZE_HINTS', struct.pack('<3I', 0x10, 5, 5), 32)
    s.prop(a, 'WM_NORMAL_HINTS', 'WM_SIZE_HINTS',
           struct.pack('<18i', 0x30, 0, 0, 0, 0, 900, -4, 100, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0), 32)
    s.prop(a, 'WM_HINTS', 'STRING', b'\x01\x00', 8)
    s.prop(a, 'WM_TRANSIENT_FOR', 'WINDOW', b'\x01\x02', 16)
    s.prop(a, '_NET_WM_WINDOW_TYPE', 'CARDINAL', struct.pack('<2I', 7, 8), 32)
    s.prop(a, '_NET_WM_STATE', 'ATOM', b'\xff' * 7, 8)
    s.prop(a, 'WM_CLASS', 'STRING', b'no-nul-at-all')
    s.prop(a, 'WM_PROTOCOLS', 'ATOM', b'\x00\x01', 16)
    s.win(MAP, a).settle()
    out['wrong-types-and-lengths'] = s

    s = Script()
    a = s.create()
    s.big_prop(a, '_NET_WM_NAME', 'UTF8_STRING', 65536, 'é€😀'.encode() + b'\xff')
    s.big_prop(a, 'WM_NAME', 'STRING', 20000, b'\xe9A')
    s.big_prop(a, 'WM_CLASS', 'STRING', 30000, b'x')
    s.win(MAP, a).settle().host_configure(0, 300, 300, 0).settle()
    out['huge-titles'] = s

    s = Script()
    a, b = s.create(), s.create()
    s.win(MAP, a).win(UNMAP, a).win(MAP, a).op(REPARENT).u8(a).u8(0).u8(b).u16(5).u16(5)
    s.win(MAP, b).settle().win(DESTROY, b).win(MAP, a).op(REPARENT).u8(a).u8(1).u16(0).u16(0)
    s.settle().win(DESTROY, a).win(MAP, a).settle()
    out['map-unmap-reparent-destroy'] = s

    s = Script()
    a = s.create()
    s.owner(a, ANSWER).settle()
    s.targets_answer('UTF8_STRING', 'TEXT', 'STRING', 'text/plain', 'image/png', 'TARGETS')
    s.settle()
    s.owner(a, NEVER, primary=True).settle()
    out['clipboard-owner-targets'] = s

    s = Script()
    a = s.create()
    s.owner(a, ANSWER).settle().targets_answer('UTF8_STRING', 'TEXT').settle()
    s.op(RENOTIFY).targets_answer('image/png', 'text/plain').settle()
    out['clipboard-owner-answers-twice'] = s

    s = Script()
    a = s.create()
    s.owner(a, INCR).settle().u32(0xffffffff).settle()
    s.op(INCR_CHUNK).u8(0).u16(4096).u8(2)  # 4096 bytes of "abc"...
    s.b += b'abc' + atom('UTF8_STRING')
    s.op(INCR_CHUNK).u8(1).u8(0).u8(0x41)    # the zero-length end
    s.b += atom('UTF8_STRING')
    s.settle()
    out['clipboard-owner-incr-bogus-size'] = s

    s = Script()
    a = s.create()
    s.owner(a, NONE).settle().owner(a, UNSET).settle()
    s.b += atom('_WL_SELECTION')
    s.settle()
    s.op(CONVERT).u8(a)
    s.b += atom('CLIPBOARD') + atom('TARGETS') + atom('_WL_SELECTION')
    s.settle()
    out['clipboard-owner-refuses'] = s
    return out


def main():
    from seedfile import write_seeds
    write_seeds({name: s.b for name, s in seeds().items()}, 'fuzz/seeds/x11')


if __name__ == '__main__':
    main()
