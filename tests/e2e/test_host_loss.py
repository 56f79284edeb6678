"""The host compositor dies: clients go, the proxy stays, a new host works."""

import os
import re
import signal
import time

import wlgp


def test_host_dies_and_comes_back(wl, host, proxy_bin, clients_dir):
    # --verbose: each retry that finds no host is a debug line.
    proxy = wlgp.start_verbose_proxy(wl, host)
    pattern = wl.test_client("pattern-client", ["--animate", "--size", "200x150"], proxy)
    pattern.wait_for_output(r"^READY", 10)
    shm = wl.client(["weston-simple-shm"], proxy)
    wlgp.wait_alive_progress([pattern])
    assert shm.alive(), shm.describe()

    host.signal_group(signal.SIGKILL)
    assert host.wait(5) is not None

    # Every client of the dead host is disconnected...
    assert pattern.wait(5) is not None, "client not disconnected:\n" + pattern.describe()
    assert pattern.returncode != 0, pattern.describe()
    assert shm.wait(5) is not None, "client not disconnected:\n" + shm.describe()
    # ...but the proxy keeps running and listening, and says it retries.
    assert proxy.alive(), proxy.describe()
    proxy.wait_for_output(
        r"^wl-guest-proxy: warning: host compositor .+ went away: "
        r"disconnecting its clients; still listening and retrying every 1000 ms$",
        5, stream="stderr")
    assert wlgp.socket_accepts(proxy.socket_path)

    # A client arriving while there is no host is turned away, quickly.
    orphan = wl.run(["wayland-info"], proxy, timeout=8, name="wayland-info-nohost")
    assert not orphan.timed_out, "client hangs while the host is down:\n" + orphan.describe()
    # (wayland-info exits 0 even after a protocol error: look at what it listed.)
    assert not wlgp.parse_wayland_info(orphan.stdout), \
        "globals listed with no host behind the proxy:\n" + orphan.describe()
    assert proxy.alive(), proxy.describe()

    # It goes on retrying while there is no host...
    retry = r"^wl-guest-proxy: debug: host compositor still unavailable: "
    assert wlgp.wait_until(
        lambda: len(re.findall(retry, proxy.stderr(), re.M)) >= 2, 10), proxy.describe()

    # ...so a new host on the same socket name is found by the proxy by
    # itself (no client asked yet), and serves new clients.
    new_host = wl.start_host(socket_name=host.socket)
    proxy.wait_for_output(
        r"^wl-guest-proxy: host compositor .+ is back; "
        r"serving clients again$", 10, stream="stderr")
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    wlgp.start_pattern(wl, proxy, ["--seed", "5"])
    wlgp.check_screenshot(wl, new_host, 5, "new-host")
    assert proxy.alive(), proxy.describe()


def test_hung_host_does_not_hold_up_the_proxy(wl, host):
    """After the host died, a compositor that takes the connection and
    never answers (hung) holds the host socket: each retry gives up on it
    in bounded time, and meanwhile the proxy keeps serving: it turns a
    client away at once and ends on SIGTERM (checked at teardown)."""
    proxy = wlgp.start_verbose_proxy(wl, host)
    host.signal_group(signal.SIGKILL)
    assert host.wait(5) is not None
    proxy.wait_for_output(r"^wl-guest-proxy: warning: host compositor .+ went away", 5,
                          stream="stderr")

    path = wlgp.socket_path(wl.runtime_dir, host.socket)
    if os.path.exists(path):
        os.unlink(path)
    with wlgp.SilentHost(path):
        # (on virtgpu the transport ends the context first: "without
        # answering")
        retry = (r"^wl-guest-proxy: debug: host compositor still unavailable: "
                 r".*(did not answer|without answering)")
        assert wlgp.wait_until(
            lambda: len(re.findall(retry, proxy.stderr(), re.M)) >= 2, 20), \
            proxy.describe()
        orphan = wl.run(["wayland-info"], proxy, timeout=8, name="wayland-info-hung")
        assert not orphan.timed_out, \
            "a client hangs while the host is hung:\n" + orphan.describe()
        assert proxy.alive(), proxy.describe()


def test_sigterm_while_the_host_has_not_answered(wl):
    """At start-up the proxy serves nothing until the host compositor has
    answered once, however long that takes (a service manager's start
    timeout bounds it), but it keeps its event loop running meanwhile: a
    SIGTERM ends it at once and cleanly, as it does a serving proxy."""
    host_path = wl.runtime_dir / "silent-host"
    with wlgp.SilentHost(host_path) as silent:
        name = wl.unique("guest")
        proxy = wl.spawn_proxy(wl.proxy_argv(name, str(host_path)), expect_exit=0)
        # The proxy (or, on the devices, the emulated host for it) connects
        # and asks; the answer never comes.
        silent.first_request()
        time.sleep(0.5)
        assert proxy.alive(), proxy.describe()
        assert not os.path.exists(wlgp.socket_path(wl.runtime_dir, name)), \
            "the proxy listens for guests before the host answered:\n" + proxy.describe()

        proxy.signal_group(signal.SIGTERM)
        rc = proxy.wait(5)
        assert rc == 0, "SIGTERM while waiting for the host:\n" + proxy.describe()
        assert "received SIGTERM, shutting down" in proxy.stderr(), proxy.describe()
