"""Host compositors with a real seat, for the keyboard, clipboard and
drag-and-drop tests (docs/test-environment.md, host compositor B).

- weston_x11: weston's x11 backend in a private Xvfb.  A wl_seat with
  keyboard and pointer, the X server's keymap, a clipboard; keys typed into
  its X window with xdotool reach the focused Wayland client.
- sway_x11: sway (wlroots) on its x11 backend in a private Xvfb.  Weston 10
  has no primary selection (zwp_primary_selection_device_manager_v1), so
  the primary-selection tests need a compositor that has one.  sway refuses
  to run as root, so as root it runs as `nobody`, with a runtime dir of its
  own; the host's socket is then an absolute path, which WAYLAND_DISPLAY,
  --host-display and the emulator's --wayland-sock all take.

Both are started through a WlEnv, so its cleanup stops them with
everything else; the returned process has .socket and .socket_path like
WlEnv.start_host's, plus .x_display (":N").

On pasting with wl-paste: a Wayland compositor sends the selection only to
the client with keyboard focus, and wl-paste on a compositor without
wlr-data-control (weston; or any host behind the proxy, which does not
relay that wlroots protocol) maps a tiny window of its own to get it.  A
newly mapped window gets the focus on both hosts, so a plain wl-paste
works as long as the seat has a keyboard: on a seat without one (sway
headless) it fails with "This seat has no keyboard", hence the x11
backends.  wl-copy likewise needs a keyboard-enter serial for
set_selection, and the same window gives it one.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import wlgp

SEAT_WIDTH = 640
SEAT_HEIGHT = 480

SWAY_CONFIG = """\
xwayland disable
default_border none
focus_follows_mouse no
"""


def missing_tools():
    """The programs the seat tests need that are not installed."""
    tools = ("Xvfb", "xdotool", "weston", "sway", "wl-copy", "wl-paste", "setpriv")
    return [t for t in tools if shutil.which(t) is None]


# --------------------------------------------------------------------------
# Xvfb

def start_xvfb(wl, timeout=10):
    """A private Xvfb; returns its Proc with .x_display.

    Xvfb picks its display number itself (-displayfd: the first number
    whose sockets it can bind, written to its stdout), so test runs side
    by side never share one.  A number picked here from the free ones
    could be taken by another run before Xvfb started: this Xvfb then
    exited ("already active") while the other run's server answered for
    it, and two westons shared one X server and its input focus (keys
    typed for one test went to the other's window; seen under load)."""
    proc = wl.spawn("xvfb", ["Xvfb", "-displayfd", "1", "-screen", "0",
                              "1024x768x24", "-nolisten", "tcp", "-noreset"],
                    wl.base_env())
    n = int(proc.wait_for_output(r"^(\d+)$", timeout)[1])
    deadline = time.monotonic() + timeout
    while not _answers(f":{n}"):
        if not proc.alive() or time.monotonic() > deadline:
            raise AssertionError(f"Xvfb on :{n} does not answer:\n{proc.describe()}")
        time.sleep(0.05)
    proc.x_display = f":{n}"
    # The pointer starts in the middle of the screen, where a window at
    # 0,0 would be mapped under it, and then never gets an EnterNotify:
    # weston's x11 backend takes the pointer's absolute position from that
    # event alone (its motion is relative).  Park it outside.
    xdotool(proc.x_display, "mousemove", "1023", "767")
    return proc


def _answers(display):
    try:
        return xdotool(display, "getdisplaygeometry", check=False,
                       timeout=2).returncode == 0
    except subprocess.TimeoutExpired:
        return False


def xdotool(display, *args, check=True, timeout=10):
    env = dict(os.environ, DISPLAY=display)
    result = subprocess.run(["xdotool", *args], env=env, capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"xdotool {' '.join(args)} failed: {result.stderr}")
    return result


def find_x_window(display, xclass, timeout=10):
    """The first X window of this WM_CLASS, once it exists."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        r = xdotool(display, "search", "--class", xclass, check=False)
        ids = r.stdout.split()
        if r.returncode == 0 and ids:
            return ids[0]
        time.sleep(0.1)
    raise AssertionError(f"no X window of class {xclass} on {display}")


# --------------------------------------------------------------------------
# host compositor B: weston on Xvfb

def start_weston_x11(wl, timeout=15, env=None):
    """env: extra environment for weston (e.g. WAYLAND_DEBUG=server)."""
    xvfb = start_xvfb(wl)
    socket_name = wl.unique("seat-host")
    env = {**wl.base_env(), **(env or {})}
    env["DISPLAY"] = xvfb.x_display
    argv = [
        shutil.which("weston") or "weston",
        "--backend=x11-backend.so",
        "--use-pixman",
        f"--socket={socket_name}",
        f"--config={wl.weston_ini}",
        f"--width={SEAT_WIDTH}",
        f"--height={SEAT_HEIGHT}",
        "--idle-time=0",
        "--debug",
    ]
    proc = wl.spawn("weston", argv, env)
    proc.socket = socket_name
    proc.socket_path = wlgp.socket_path(wl.runtime_dir, socket_name)
    proc.x_display = xvfb.x_display
    wlgp.wait_for_socket(proc.socket_path, proc, timeout)
    proc.x_window = find_x_window(proc.x_display, "weston")
    # The X input focus for good, before any client maps (see type_keys).
    xdotool(proc.x_display, "windowfocus", "--sync", proc.x_window)
    wl.hosts.append(proc)
    return proc


def type_keys(host, *keys, delay_ms=30):
    """xdotool key names (a, y, Return, shift+a...) typed into the host's
    window: the focused Wayland client gets them.

    Keys go through XTEST to the X input focus, which start_weston_x11 gave
    weston's window once and for all, not as XSendEvent to a window
    (xdotool --window): weston's x11 backend takes modifier state from the
    X server's XKB state notifications, which synthetic events never
    change, so shift+a would arrive as a.  Moving the X focus again during
    a test would make weston send the client leave (and enter) on its own
    schedule."""
    xdotool(host.x_display, "key", "--delay", str(delay_ms), *keys)


def type_text(host, text, delay_ms=30):
    xdotool(host.x_display, "type", "--delay", str(delay_ms), text)


# --------------------------------------------------------------------------
# host compositor C: sway on Xvfb (primary selection)

def start_sway_x11(wl, request, timeout=15, extra_env=None):
    """sway on a private Xvfb.  `request` is the pytest request: the
    runtime dir sway gets (owned by the user it runs as) is removed when
    the test ends.  extra_env: more environment (e.g. WAYLAND_DEBUG)."""
    xvfb = start_xvfb(wl)
    rundir = Path(tempfile.mkdtemp(prefix="wlgp-sway-"))
    request.addfinalizer(lambda: shutil.rmtree(rundir, ignore_errors=True))
    config = rundir / "config"
    config.write_text(SWAY_CONFIG)

    env = {
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "XDG_RUNTIME_DIR": str(rundir),
        "HOME": str(rundir),
        "DISPLAY": xvfb.x_display,
        "WLR_BACKENDS": "x11",
        "WLR_RENDERER": "pixman",
        "WLR_X11_OUTPUTS": "1",
        "LC_ALL": "C.UTF-8",
        **(extra_env or {}),
    }
    argv = ["sway", "--config", str(config)]
    if os.geteuid() == 0:
        # sway will not run as root ("Unable to drop root").
        nobody = pwd.getpwnam("nobody")
        os.chown(rundir, nobody.pw_uid, nobody.pw_gid)
        os.chown(config, nobody.pw_uid, nobody.pw_gid)
        argv = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                "--clear-groups", "--"] + argv
    os.chmod(rundir, 0o700)
    proc = wl.spawn("sway", argv, env)
    proc.x_display = xvfb.x_display
    # sway takes the first free wayland-N in its runtime dir.
    deadline = time.monotonic() + timeout
    while True:
        socks = [p for p in rundir.glob("wayland-*") if not p.name.endswith(".lock")]
        if socks:
            break
        if not proc.alive() or time.monotonic() > deadline:
            raise AssertionError(f"sway did not start:\n{proc.describe()}")
        time.sleep(0.05)
    proc.socket_path = socks[0]
    proc.socket = str(proc.socket_path)
    wlgp.wait_for_socket(proc.socket_path, proc, timeout)
    wl.hosts.append(proc)
    return proc
