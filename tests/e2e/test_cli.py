"""Command line: -- COMMAND, socket ownership, signals."""

import os
import signal
import socket

import pytest

import wlgp


def test_command_exit_status(wl, host, proxy_bin):
    proc = wl.spawn_proxy(wl.proxy_argv("cmd-0", host, ["--", "sh", "-c", "exit 7"]),
                          expect_exit=7)
    rc = proc.wait(10)
    assert rc == 7, proc.describe()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["SIGTERM", "SIGKILL"])
def test_command_killed_by_signal(wl, host, proxy_bin, sig):
    """COMMAND killed by signal N: the proxy exits with 128+N, as a shell
    reports it."""
    proc = wl.spawn_proxy(wl.proxy_argv(f"cmd-sig-{sig}", host,
                                        ["--", "sh", "-c", f"kill -{sig.name[3:]} $$"]),
                          expect_exit=128 + sig)
    rc = proc.wait(10)
    assert rc == 128 + sig, proc.describe()


def test_command_runs_on_proxy_socket(wl, host, proxy_bin):
    proc = wl.spawn_proxy(wl.proxy_argv("cmd-1", host, ["--", "wayland-info"]))
    rc = proc.wait(15)
    assert rc == 0, proc.describe()
    ifaces = {g[0] for g in wlgp.parse_wayland_info(proc.stdout())}
    assert "wl_compositor" in ifaces, proc.describe()


def test_command_sees_proxy_display(wl, host, proxy_bin):
    proc = wl.spawn_proxy(wl.proxy_argv(
        "cmd-2", host, ["--", "sh", "-c", 'printf "%s\\n" "$WAYLAND_DISPLAY"']))
    assert proc.wait(10) == 0, proc.describe()
    value = proc.stdout().strip()
    assert value, proc.describe()
    assert wlgp.socket_path(wl.runtime_dir, value) == wl.runtime_dir / "cmd-2"


def test_second_proxy_refused(wl, host, proxy):
    second = wl.start_proxy(host, socket_name=proxy.socket, wait=False, expect_exit=1)
    rc = second.wait(10)
    assert rc == 1, second.describe()
    assert proxy.socket in second.stderr(), \
        "error message does not mention the socket:\n" + second.describe()
    # The first one is untouched.
    assert proxy.alive(), proxy.describe()
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()


@pytest.mark.parametrize("with_lock_file", [False, True], ids=["socket-only", "socket-and-lock"])
def test_stale_socket_replaced(wl, host, proxy_bin, with_lock_file):
    name = "stale-0"
    path = wl.runtime_dir / name
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.bind(str(path))
    s.close()  # leaves the file behind, nobody listening
    if with_lock_file:
        (wl.runtime_dir / (name + ".lock")).write_text("")
    assert path.exists() and not wlgp.socket_accepts(path)

    proxy = wl.start_proxy(host, socket_name=name)
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()


def test_absolute_paths(wl, host, proxy_bin):
    sock = wl.runtime_dir / "abs-guest"
    proxy = wl.start_proxy(host.socket_path, socket_name=str(sock))
    assert sock.exists()
    assert (wl.runtime_dir / "abs-guest.lock").exists()
    info = wl.run(["wayland-info"], str(sock), timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    assert proxy.alive(), proxy.describe()


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "SIGINT"])
def test_signal_clean_exit(wl, host, proxy, clients_dir, sig):
    client = wl.test_client("pattern-client", ["--size", "100x100"], proxy)
    client.wait_for_output(r"^READY", 10)
    os.kill(proxy.pid, sig)
    rc = proxy.wait(5)
    assert rc == 0, f"exit status {rc}:\n" + proxy.describe()
    assert not proxy.socket_path.exists(), "socket left behind"
    assert client.wait(5) is not None, "client not disconnected:\n" + client.describe()


def test_defaults(wl, host, proxy_bin):
    """No --socket: $XDG_RUNTIME_DIR/wayland-0; no --host-display: the
    proxy's own $WAYLAND_DISPLAY."""
    env = wl.base_env()
    env["WAYLAND_DISPLAY"] = host.socket
    proxy = wl.spawn_proxy(wl.proxy_argv(None, None), env=env)
    proxy.socket = "wayland-0"
    proxy.socket_path = wl.runtime_dir / "wayland-0"
    wlgp.wait_for_socket(proxy.socket_path, proxy, 15)
    assert (wl.runtime_dir / "wayland-0.lock").exists()
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()


@pytest.mark.parametrize("option", [["--transport", "auto"], []], ids=["auto", "default"])
def test_auto_without_device_is_direct(wl, host, proxy_bin, option):
    """--transport auto (and no --transport: auto is the default) on a
    machine without /dev/wl0: the direct transport, said in the start-up
    line, and clients are served.  Not under the emulator, whatever the
    suite's transport: this is the machine without the device."""
    assert not os.path.exists("/dev/wl0"), \
        "this machine has /dev/wl0: auto would pick the device"
    name = "auto-direct"
    argv = [str(proxy_bin), "--socket", name] + option + \
        ["--host-display", host.socket]
    proxy = wl.spawn_proxy(argv)
    proxy.socket = name
    proxy.socket_path = wl.runtime_dir / name
    wlgp.wait_for_socket(proxy.socket_path, proxy, 15)
    proxy.wait_for_output(
        rf"^wl-guest-proxy: listening on {proxy.socket_path}, relaying to "
        rf"{host.socket_path} over the direct transport$", 5, stream="stderr")
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
