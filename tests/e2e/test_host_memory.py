"""The bound on host-buffer memory (README: 512 MiB of host buffers per
client; a client that passes it gets an error and is disconnected, and
nobody else notices).

memory-client attaches one 4096x4096 XRGB8888 buffer to N role-less
surfaces: through the proxy each surface needs a host buffer of its own,
64 MiB (the host's rows are 4096 * 4 bytes), so 8 of them are exactly the
bound and a 9th passes it.
"""

import re

import wlgp

SIZE = "4096x4096"
AT_BOUND = 8  # 8 * 64 MiB = 512 MiB


def test_client_past_the_bound_is_disconnected(wl, host, proxy, clients_dir):
    bystander = wl.test_client("pattern-client", ["--animate", "--size", "200x150"],
                               proxy)
    bystander.wait_for_output(r"^READY", 10)
    # Exactly at the bound: allowed, and held while the next client asks
    # for as much again (the bound is per client).
    holder = wl.test_client("memory-client", [AT_BOUND, SIZE], proxy)
    holder.wait_for_output(r"^DONE$", 60)

    offender = wl.test_client("memory-client", [AT_BOUND + 1, SIZE], proxy)
    assert offender.wait(60) == 2, offender.describe()
    out = offender.stdout()
    committed = [int(n) for n in re.findall(r"^COMMITTED (\d+)$", out, re.M)]
    assert committed == list(range(1, AT_BOUND + 1)), offender.describe()
    assert "PROTOCOL_ERROR interface=wl_display id=1 code=3" in out, offender.describe()
    m = re.search(r"^ERROR_MESSAGE (.*)$", out, re.M)
    assert m and f"cannot allocate a {SIZE} host buffer" in m[1], offender.describe()
    log = proxy.stderr()
    assert re.search(rf"client pid {offender.pid}: cannot allocate a {SIZE} host buffer",
                     log), proxy.describe()
    assert f"client pid {offender.pid} disconnected" in log, proxy.describe()

    # Nobody else noticed: the holder keeps its connection and its buffers,
    # the bystander keeps animating, a new client is served.
    assert holder.alive(), holder.describe()
    assert f"client pid {holder.pid} disconnected" not in proxy.stderr()
    wlgp.wait_alive_progress([bystander])
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    assert proxy.alive(), proxy.describe()
