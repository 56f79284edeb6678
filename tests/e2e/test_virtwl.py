"""The virtwl transport through the /dev/wl0 emulator, whatever the suite's
WLGP_TRANSPORT: what crosses the device, what is left behind when clients
go, and what a user sees when the device or the host says no.

Every proxy here also passes the teardown check of wlgp.emulator_problems:
no call the real driver would reject (a non-vfd fd in SEND, ...) and none
it would hang on (RECV with len 0)."""

import os
import pwd
import shutil
import signal
import stat
import tempfile
from pathlib import Path

import pytest

import wlgp

# What an idle proxy holds: the host monitor's context and nothing else.
IDLE = {"ctx": 1, "alloc": 0, "pipe": 0, "host_shm": 0, "host_stream": 0, "total": 1}


def start_virtwl_proxy(wl, host, extra=()):
    proxy = wl.start_proxy(host, kind="virtwl", extra=extra)
    assert proxy.emulator_stats is not None
    return proxy


def live(stats):
    return {k: stats["live"].get(k, 0) for k in IDLE}


def wait_idle(proxy, timeout=10):
    stats = wlgp.wait_emulator_stats(proxy.emulator_stats,
                                     lambda s: live(s) == IDLE, timeout)
    assert live(stats) == IDLE, f"vfds left behind: {stats['live']}"
    return stats


def test_frames_cross_as_vfds_and_are_freed(wl, host, proxy_bin, clients_dir):
    proxy = start_virtwl_proxy(wl, host)
    wait_idle(proxy)
    client = wlgp.start_pattern(wl, proxy, ["--seed", "3"])
    wlgp.check_screenshot(wl, host, 3, "virtwl")

    stats = wlgp.read_emulator_stats(proxy.emulator_stats)
    # The picture reached the host in device memory (ALLOC vfds sent in
    # SENDs), and the host's answers came back by RECV.
    assert stats["created"]["alloc"] >= 1, stats
    assert stats["live"]["alloc"] >= 1, stats
    assert stats["created"]["ctx"] >= 2, stats  # monitor + the client
    assert stats["send_fds"] >= 1 and stats["calls"]["recv"] >= 1, stats
    assert stats["max_recv_fds"] <= 28, stats

    client.signal_group(signal.SIGTERM)
    assert client.wait(5) is not None
    stats = wait_idle(proxy)
    assert stats["rejections"] == 0 and stats["violations"] == 0, stats


def test_clients_killed_mid_frame_leave_no_vfds(wl, host, proxy_bin, clients_dir):
    proxy = start_virtwl_proxy(wl, host)
    peak = wlgp.kill_clients_mid_frame(wl, proxy)
    assert peak["live"]["ctx"] >= 7, peak
    wait_idle(proxy)
    # And the proxy still serves.
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    wait_idle(proxy)


@pytest.mark.parametrize("option", [["--transport", "auto"], []], ids=["auto", "default"])
def test_auto_picks_the_device(wl, host, proxy_bin, option):
    """--transport auto, and no --transport at all (auto is the default),
    with /dev/wl0 there: the device.  (Without it: test_cli.py.)"""
    argv = wl.proxy_argv("auto-0", host, kind="virtwl")
    i = argv.index("--transport")
    argv[i:i + 2] = option
    auto = wl.spawn_proxy(argv)
    auto.socket = "auto-0"
    auto.socket_path = wlgp.socket_path(wl.runtime_dir, "auto-0")
    wlgp.wait_for_socket(auto.socket_path, auto, 15)
    auto.wait_for_output(r"over the virtwl transport", 5, stream="stderr")
    info = wl.run(["wayland-info"], auto, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()


def test_unknown_context_name_is_explained(wl, host, proxy_bin):
    argv = wl.proxy_argv("named-0", host, kind="virtwl",
                         extra=["--virtwl-context-name", "nosuchname"])
    proc = wl.spawn_proxy(argv, expect_exit=1)
    rc = proc.wait(10)
    assert rc == 1, proc.describe()
    assert "host refused the connection to 'nosuchname'" in proc.stderr(), proc.describe()
    assert "--wayland-sock" in proc.stderr(), proc.describe()


def test_named_context_reaches_that_socket(wl, proxy_bin, clients_dir):
    """--virtwl-context-name NAME with crosvm's `--wayland-sock PATH,name=NAME`
    beside an unnamed socket: the proxy's clients draw on the named host,
    not on the default one."""
    default_host = wl.start_host()
    named_host = wl.start_host()
    name = "named-ok"
    argv = wl.proxy_argv(name, default_host, kind="virtwl",
                         extra=["--virtwl-context-name", "second"])
    i = argv.index("--wayland-sock") + 2
    argv[i:i] = ["--wayland-sock", f"{named_host.socket_path},name=second"]
    proxy = wl.spawn_proxy(argv)
    proxy.socket = name
    proxy.socket_path = wlgp.socket_path(wl.runtime_dir, name)
    wlgp.wait_for_socket(proxy.socket_path, proxy, 15)
    proxy.wait_for_output(r"relaying to the host's 'second' socket via /dev/wl0 over "
                          r"the virtwl transport$", 5, stream="stderr")
    wlgp.start_pattern(wl, proxy, ["--seed", "4"])
    wlgp.check_screenshot(wl, named_host, 4, "named-context")


@pytest.mark.parametrize("kind", ["virtwl", "auto"])
def test_device_without_permission_is_explained(wl, proxy_bin, kind):
    """A device node the user may not open (a guest's /dev/wl0 is root's,
    mode 0600, until a udev rule says otherwise): the proxy, run as nobody,
    says so, and auto does not fall back to direct.  The node is a real
    character device (/dev/null's numbers): the EACCES is open(2)'s."""
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv missing (Debian package util-linux)", pytrace=False)
    devdir = Path(tempfile.mkdtemp(prefix="wlgp-dev-"))
    try:
        os.chmod(devdir, 0o755)
        node = devdir / "wl0"
        os.mknod(node, stat.S_IFCHR | 0o600, os.makedev(1, 3))
        os.chmod(node, 0o600)
        nobody = pwd.getpwnam("nobody")
        argv = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                "--clear-groups", "--", str(proxy_bin), "--socket", "perm-0",
                "--transport", kind, "--virtwl-device", str(node)]
        proc = wl.spawn_proxy(argv, name="proxy-nobody", expect_exit=1)
        assert proc.wait(10) == 1, proc.describe()
        assert f"permission denied opening {node}: give this user access" in \
            proc.stderr(), proc.describe()

        # The control: the same node open to everyone is opened (and then
        # is no virtio-wayland device, which fails later, differently).
        os.chmod(node, 0o666)
        proc = wl.spawn_proxy(argv, name="proxy-nobody-open", expect_exit=1)
        assert proc.wait(10) == 1, proc.describe()
        assert "permission denied" not in proc.stderr(), proc.describe()
    finally:
        shutil.rmtree(devdir, ignore_errors=True)


def test_missing_device_is_explained(wl, host, proxy_bin):
    argv = wl.proxy_argv("nodev-0", host, kind="virtwl",
                         extra=["--virtwl-device", "/dev/nonexistent-wl0"])
    proc = wl.spawn_proxy(argv, expect_exit=1)
    rc = proc.wait(10)
    assert rc == 1, proc.describe()
    assert "no virtio-wayland device at /dev/nonexistent-wl0" in proc.stderr(), \
        proc.describe()
    assert "CONFIG_VIRTIO_WL" in proc.stderr(), proc.describe()


def test_host_hangup_disconnects_clients_and_frees_vfds(wl, host, proxy_bin,
                                                        clients_dir):
    proxy = start_virtwl_proxy(wl, host)
    client = wlgp.start_pattern(wl, proxy, ["--animate"])
    host.signal_group(signal.SIGKILL)
    assert host.wait(5) is not None
    assert client.wait(5) is not None, "client not disconnected:\n" + client.describe()
    # Without a host nothing is held: the monitor's context went with it.
    stats = wlgp.wait_emulator_stats(proxy.emulator_stats,
                                     lambda s: s["live"]["total"] == 0, 10)
    assert stats["live"]["total"] == 0, stats["live"]
    assert proxy.alive(), proxy.describe()
    new_host = wl.start_host(socket_name=host.socket)
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    wlgp.start_pattern(wl, proxy, ["--seed", "9"])
    wlgp.check_screenshot(wl, new_host, 9, "virtwl-new-host")
