"""Memory that follows use: host buffers a surface stopped using are freed.

A windowed pattern-client draws 40 frames, each after the previous frame
callback (the proxy keeps two host buffers for it: the one weston shows and
the one it released), then stops.  Within a few seconds the proxy must be
down to one host buffer of that size (the one on screen; freeing it would
take the picture away), while an animating bystander of another size keeps
its two.  Read from the proxy's own mappings in /proc (its host buffers are
memfds, or pieces of the device on virtwl), not from the proxy's log.
"""

import os
import time

import wlgp

# memfds on direct, pieces of the device on virtwl, the cross-domain
# blobs (PRIME exports of the host's memfds) on virtgpu
NAMES = ("wl-guest-proxy-host-buffer", "virtwl_alloc", "wl0", "cross-domain-blob")


def host_buffer_sizes(pid):
    """Sizes of the proxy's host-buffer mappings, in bytes."""
    sizes = []
    with open(f"/proc/{pid}/maps") as f:
        for line in f:
            fields = line.split()
            if len(fields) >= 6 and any(n in fields[5] for n in NAMES):
                start, end = (int(v, 16) for v in fields[0].split("-"))
                sizes.append(end - start)
    return sizes


def proxy_pid(proc):
    """The wl-guest-proxy process: proc itself on direct; on virtwl proc is
    the emulator and the proxy its child."""
    def comm(pid):
        with open(f"/proc/{pid}/comm") as f:
            return f.read().strip()
    if comm(proc.pid).startswith("wl-guest-proxy"):
        return proc.pid
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                ppid = int(f.read().rsplit(")", 1)[1].split()[1])
            if ppid == proc.pid and comm(entry).startswith("wl-guest-proxy"):
                return int(entry)
        except (OSError, ValueError, IndexError):
            continue
    raise AssertionError(f"no wl-guest-proxy process under {proc.describe()}")


def mapped(size):
    return (size + 4095) // 4096 * 4096


def count(pid, nbytes):
    return host_buffer_sizes(pid).count(mapped(nbytes))


def test_unused_host_buffers_are_freed(wl, host, proxy, clients_dir):
    pid = proxy_pid(proxy)
    idle_bytes, busy_bytes = 400 * 300 * 4, 200 * 150 * 4
    bystander = wl.test_client("pattern-client", ["--animate", "--size", "200x150"],
                               proxy)
    bystander.wait_for_output(r"^READY", 10)
    idler = wl.test_client("pattern-client", ["--frames", "40", "--size", "400x300",
                                              "--seed", "8"], proxy)
    idler.wait_for_output(r"^READY", 20)
    at_ready = count(pid, idle_bytes)
    assert at_ready >= 2, (f"{at_ready} host buffers for the idle client right after "
                           f"its last frame: {host_buffer_sizes(pid)}")
    deadline = time.monotonic() + 15
    while count(pid, idle_bytes) > 1 and time.monotonic() < deadline:
        time.sleep(0.1)
    assert count(pid, idle_bytes) == 1, (
        f"the idle client still has {count(pid, idle_bytes)} host buffers: "
        f"{host_buffer_sizes(pid)}")
    # The animating one is using both of its buffers all along.
    assert count(pid, busy_bytes) >= 2, host_buffer_sizes(pid)
    assert idler.alive() and bystander.alive() and proxy.alive(), proxy.describe()
