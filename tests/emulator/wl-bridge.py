#!/usr/bin/python3
"""A minimal guest proxy for one Wayland client, through the emulated
/dev/wl0: NEW CTX, then client bytes go out with SEND and host bytes and
vfds come back with RECV.  The client must not send fds (wayland-info does
not).  Used by run-selftest.py to run a real client against a real
compositor through the emulator.

usage (under wl0-emulator): wl-bridge.py CLIENT [ARGS...]
"""
import array
import fcntl
import os
import select
import socket
import struct
import subprocess
import sys

NEW, SEND, RECV = 0xC0307700, 0x80747701, 0x40747702
MAX_FDS = 28


def new_ctx():
    dev = os.open("/dev/wl0", os.O_RDWR | os.O_CLOEXEC)
    req = bytearray(struct.pack("=Iii", 0, -1, 0) + bytes(36))
    fcntl.ioctl(dev, NEW, req)
    os.close(dev)
    return struct.unpack_from("=i", req, 4)[0]


def send(ctx, data):
    fcntl.ioctl(ctx, SEND, bytearray(struct.pack(f"={MAX_FDS}iI", *([-1] * MAX_FDS), len(data)) + data))


def recv(ctx, cap=4096):
    txn = bytearray(struct.pack(f"={MAX_FDS}iI", *([0] * MAX_FDS), cap) + bytes(cap))
    fcntl.ioctl(ctx, RECV, txn)
    fds = list(struct.unpack_from(f"={MAX_FDS}i", txn))
    fds = fds[:fds.index(-1)] if -1 in fds else fds
    n = struct.unpack_from("=I", txn, 4 * MAX_FDS)[0]
    return bytes(txn[4 * MAX_FDS + 4:4 * MAX_FDS + 4 + n]), fds


def main():
    ctx = new_ctx()
    ours, theirs = socket.socketpair()
    client = subprocess.Popen(sys.argv[1:], pass_fds=[theirs.fileno()],
                              env=dict(os.environ, WAYLAND_SOCKET=str(theirs.fileno())),
                              stdout=subprocess.DEVNULL)
    theirs.close()
    host_fds = 0
    while True:
        ready, _, _ = select.select([ours, ctx], [], [], 10)
        if not ready:
            print("wl-bridge: timeout", file=sys.stderr)
            break
        if ours in ready:
            data, anc, _, _ = ours.recvmsg(4096, socket.CMSG_SPACE(4 * MAX_FDS))
            if not data:
                break
            if anc:
                print("wl-bridge: the client sent fds", file=sys.stderr)
                break
            send(ctx, data)
        if ctx in ready:
            data, fds = recv(ctx)
            if not data and not fds:
                break
            host_fds += len(fds)
            anc = [(socket.SOL_SOCKET, socket.SCM_RIGHTS, array.array("i", fds))] if fds else []
            ours.sendmsg([data], anc)
            for fd in fds:
                os.close(fd)
    ours.close()
    rc = client.wait()
    os.close(ctx)
    print(f"wl-bridge: client exit {rc}, host fds {host_fds}", file=sys.stderr)
    return rc


if __name__ == "__main__":
    sys.exit(main())
