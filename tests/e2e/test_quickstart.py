"""./quickstart.sh run: inside a Wayland session (a weston of the test's
standing in for the desktop, named by WAYLAND_DISPLAY) it relays to that
compositor through the emulated device and says so; without one it starts
a private headless weston.  What the session's compositor receives comes
from its protocol debug stream."""

import os
import signal

import wlgp

QUICKSTART = wlgp.REPO / "quickstart.sh"


def start_quickstart(wl, env):
    # Its own X display: the suite's other runs (other transports, ASan)
    # start quick starts at the same time, and the first free number
    # would be the same for all.
    from test_x11 import free_display
    env = dict(env, WLGP_X_DISPLAY=str(free_display()))
    proc = wl.spawn("quickstart", [str(QUICKSTART), "run"], env, cwd=str(wlgp.REPO))
    proc.is_proxy = True
    # Ctrl-C (SIGINT to the group) is how it is stopped: the proxy exits
    # 0 on it, so does the emulator with it, and the script with them.
    proc.expected_exit = 0
    proc.emulator_stats = None
    return proc


def stop(proc):
    proc.signal_group(signal.SIGINT)
    return proc.wait(20)


def test_quickstart_uses_the_session_compositor(wl):
    desktop = wl.start_host()
    stream = wl.proto_stream(desktop)
    env = wl.base_env()
    env["WAYLAND_DISPLAY"] = desktop.socket
    qs = start_quickstart(wl, env)
    qs.wait_for_output(r"^== host: the compositor of this Wayland session", 120)
    sock = wl.runtime_dir / "wlgp-0"
    wlgp.wait_for_socket(sock, qs, 30)
    out = qs.stdout()
    assert str(desktop.socket_path) in out, out
    assert "headless" not in out, out

    c = wl.test_client("pattern-client", ["--size", "64x64", "--title", "on-desktop"],
                       str(sock))
    c.wait_for_output(r"^READY", 15)
    titles = [args for _c, d, iface, _id, msg, args in stream.messages()
              if iface == "xdg_toplevel" and msg == "set_title"]
    assert '"on-desktop"' in titles, titles
    c.stop()
    assert stop(qs) == 0, qs.describe()
    # Through the emulated device, not straight to the socket.
    assert "over the virtwl transport" in qs.stderr(), qs.describe()


def test_quickstart_without_a_session_starts_weston(wl):
    # The control: WAYLAND_DISPLAY names nothing that answers.
    desktop = wl.start_host()
    stream = wl.proto_stream(desktop)
    env = wl.base_env()
    env["WAYLAND_DISPLAY"] = "no-such-display"
    qs = start_quickstart(wl, env)
    qs.wait_for_output(r"^== host: headless weston on ", 120)
    sock = wl.runtime_dir / "wlgp-0"
    wlgp.wait_for_socket(sock, qs, 30)
    c = wl.test_client("pattern-client", ["--size", "64x64", "--title", "elsewhere"],
                       str(sock))
    c.wait_for_output(r"^READY", 15)
    titles = [args for _c, d, iface, _id, msg, args in stream.messages()
              if iface == "xdg_toplevel" and msg == "set_title"]
    assert '"elsewhere"' not in titles, titles
    c.stop()
    assert stop(qs) == 0, qs.describe()
