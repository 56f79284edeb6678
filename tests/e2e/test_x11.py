"""X11 apps through the proxy's Xwayland (--x-display): the display's lock
and sockets, Xwayland started on the first X connection, real X11 apps
(xterm, xeyes, xlogo, glxgears, a Qt 5 and a GTK 3 app) shown on a real
host, keys and clicks from the host's seat reaching them, titles and
app_ids the host receives, Xwayland dying mid-session.

Oracles: the host's own protocol log (`weston-debug proto`: what weston
received on the X windows' xdg_toplevels), the host's screen (weston's
x11 backend window in Xvfb, captured with `import`: weston's headless
screenshooter writes XRGB pixels whose unused byte is 0, as Xwayland's
are, fully transparent), and the X server's own view of its windows
(xwininfo, xdotool on the guest display)."""

import os
import random
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

import pytest

import seat_host
import wlgp

QT_EXAMPLE = Path("/usr/lib/x86_64-linux-gnu/qt5/examples/widgets/widgets/analogclock/analogclock")
TOOLS = ("Xwayland", "xterm", "xeyes", "xlogo", "xmessage", "glxgears", "xwininfo",
         "xdotool", "xprop", "xdpyinfo", "wmctrl", "xclip", "wl-copy", "wl-paste", "gtk3-widget-factory", "weston-debug",
         "import")


@pytest.fixture
def x_tools(proxy_bin):
    missing = [t for t in TOOLS if shutil.which(t) is None]
    if not QT_EXAMPLE.exists():
        missing.append(str(QT_EXAMPLE))
    if missing:
        pytest.fail(f"missing tools for the X11 tests: {missing}", pytrace=False)


def free_display():
    # 200-899: seat_host's Xvfb hosts take the lowest free numbers (-displayfd).
    for n in random.sample(range(200, 900), 100):
        if not (os.path.exists(f"/tmp/.X{n}-lock") or
                os.path.exists(f"/tmp/.X11-unix/X{n}")):
            return n
    raise AssertionError("no free X display number")


def start_x_proxy(wl, host, number=None, verbose=False, extra=()):
    number = free_display() if number is None else number
    extra = ["--x-display", str(number)] + list(extra)
    if verbose and not os.environ.get("WLGP_PROXY_VERBOSE"):
        extra.append("--verbose")
    proxy = wl.start_proxy(host, extra=extra)
    proxy.x_display = f":{number}"
    proxy.wait_for_output(r"serving X display :%d" % number, 10, stream="stderr")
    return proxy


def x_env(wl, proxy, extra=None):
    env = wl.base_env()
    env["DISPLAY"] = proxy.x_display
    env["ASAN_OPTIONS"] = "detect_leaks=0"
    # No Wayland for toolkits that would prefer it.
    env["GDK_BACKEND"] = "x11"
    env["QT_QPA_PLATFORM"] = "xcb"
    env["LIBGL_ALWAYS_SOFTWARE"] = "1"
    if extra:
        env.update(extra)
    return env


def x_client(wl, proxy, argv, name=None, env=None):
    return wl.spawn(name or Path(str(argv[0])).name, argv, x_env(wl, proxy, env))


def x_run(proxy, *argv, check=True, timeout=10):
    env = dict(os.environ, DISPLAY=proxy.x_display)
    r = subprocess.run(list(argv), env=env, capture_output=True, text=True,
                       timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError(f"{argv} failed ({r.returncode}): {r.stderr}")
    return r


def wait_x_window(proxy, xclass, client, timeout=20):
    """The mapped X window of this WM_CLASS ("name:NAME": of this WM_NAME)
    on the guest display."""
    how = ["--class", xclass]
    if xclass.startswith("name:"):
        how = ["--name", xclass[5:]]
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if client is not None and not client.alive():
            raise AssertionError(f"X client exited:\n{client.describe()}")
        r = x_run(proxy, "xdotool", "search", "--onlyvisible", *how, check=False)
        ids = r.stdout.split()
        if ids:
            return ids[-1]
        time.sleep(0.1)
    raise AssertionError(f"no mapped X window of class {xclass} on {proxy.x_display}"
                         + (f":\n{client.describe()}" if client else ""))


def x_geometry(proxy, window):
    out = x_run(proxy, "xwininfo", "-id", str(window)).stdout
    get = lambda key: int(re.search(rf"{key}:\s+(-?\d+)", out)[1])  # noqa: E731
    return (get("Absolute upper-left X"), get("Absolute upper-left Y"),
            get("Width"), get("Height"))


class HostProto:
    """weston's protocol log (weston-debug proto) of the host."""

    def __init__(self, wl, host):
        self.path = wl.logdir / wl.unique("proto.log")
        self.proc = wl.client(["weston-debug", "proto", "-o", str(self.path)], host,
                              name="weston-debug")
        wlgp.wait_until(lambda: self.path.exists(), 5)

    def text(self):
        try:
            return self.path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def requests(self, message):
        """Arguments of every `xdg_toplevel.<message>` the host received."""
        return re.findall(rf"rq xdg_toplevel@\d+\.{message}\((.*)\)$", self.text(), re.M)

    def wait_request(self, message, args, timeout=15, count=1):
        ok = wlgp.wait_until(lambda: self.requests(message).count(args) >= count,
                             timeout, 0.05)
        assert ok, (f"the host never got xdg_toplevel.{message}({args}) {count} "
                    f"times; it got {self.requests(message)}")


def buffers_before_first_ack(text):
    """xdg-shell: no buffer on an xdg_surface's wl_surface before its first
    configure is acked.  From weston's own log: (attach lines that broke
    the rule, number of xdg_surfaces seen)."""
    surface_of, state, bad, made = {}, {}, [], 0
    rq = re.compile(r"client (0x[0-9a-f]+) rq (\w+)@(\d+)\.(\w+)\((.*)\)$")
    for line in text.splitlines():
        m = rq.search(line)
        if not m:
            continue
        client, iface, oid, req, args = m.groups()
        if iface == "xdg_wm_base" and req == "get_xdg_surface":
            xdg, surface = re.search(r"xdg_surface@(\d+), wl_surface@(\d+)", args).groups()
            surface_of[(client, xdg)] = surface
            state[(client, surface)] = False
            made += 1
        elif iface == "xdg_surface" and req == "ack_configure":
            surface = surface_of.get((client, oid))
            if surface:
                state[(client, surface)] = True
        elif iface == "wl_surface" and req == "attach" and not args.startswith("nil"):
            if state.get((client, oid)) is False:
                bad.append(line)
    return bad, made


# --------------------------------------------------------------------------
# the host's screen (weston on Xvfb)

def host_shot(wl, seat):
    path = wl.logdir / f"{wl.unique('host-shot')}.png"
    subprocess.run(["import", "-display", seat.x_display, "-window", seat.x_window,
                    str(path)], check=True, capture_output=True, timeout=20)
    return wlgp.decode_png(path)


def host_baseline(wl, seat):
    """The host's screen once weston has painted its background (right
    after start its window in Xvfb is still black)."""
    bg = bytes(wlgp.BACKGROUND_RGB)
    shot = None

    def painted():
        nonlocal shot
        shot = host_shot(wl, seat)
        w, h, rgb = shot
        return all(rgb[(y * w + x) * 3:(y * w + x) * 3 + 3] == bg
                   for x, y in ((1, 1), (w - 2, 1), (1, h - 2), (w - 2, h - 2), (w // 2, h // 2)))
    assert wlgp.wait_until(painted, 15, 0.3), "the host never painted its background"
    return shot


def changed_box(before, after):
    """(count, bounding box (x0, y0, x1, y1)) of the pixels that differ."""
    w, h, a = before
    _w, _h, b = after
    assert (w, h) == (_w, _h)
    count, x0, y0, x1, y1 = 0, w, h, -1, -1
    for y in range(h):
        row_a = a[y * w * 3:(y + 1) * w * 3]
        row_b = b[y * w * 3:(y + 1) * w * 3]
        if row_a == row_b:
            continue
        for x in range(w):
            if row_a[x * 3:x * 3 + 3] != row_b[x * 3:x * 3 + 3]:
                count += 1
                x0, x1 = min(x0, x), max(x1, x)
                y0, y1 = min(y0, y), max(y1, y)
    return count, (x0, y0, x1, y1)


def x_window_image(wl, proxy, window, corner=None):
    """The window's pixels as the X server has them (corner=(w, h): only
    its top-left corner, for a window larger than the host's screen)."""
    path = wl.logdir / f"{wl.unique('x-window')}.png"
    subprocess.run(["import", "-display", proxy.x_display, "-window", str(window),
                    str(path)], check=True, capture_output=True, timeout=20)
    w, h, rgb = wlgp.decode_png(path)
    if corner:
        cw, ch = min(corner[0], w), min(corner[1], h)
        return cw, ch, wlgp.crop_rgb(rgb, w, 0, 0, cw, ch)
    return w, h, rgb


def find_on_host(shot, image):
    """Where the host shows the X window's pixels: (x, y) of its top-left
    corner, or None.  Rows of more than one colour vote for the origins
    where the host has them; the winner must match at least 80% of the
    window's rows that fall on the host's screen (the pointer may cover
    some), and at least 10 of them."""
    sw, sh, srgb = shot
    w, h, rgb = image
    row = lambda y: rgb[y * w * 3:(y + 1) * w * 3]  # noqa: E731
    rows = [y for y in range(h) if len(set(row(y)[i:i + 3] for i in range(0, w * 3, 3))) > 1]
    votes = {}
    for y in rows[::max(1, len(rows) // 40)]:
        needle = row(y)
        for hy in range(sh):
            hrow = srgb[hy * sw * 3:(hy + 1) * sw * 3]
            at = hrow.find(needle)
            while at >= 0:
                if at % 3 == 0:
                    origin = (at // 3, hy - y)
                    votes[origin] = votes.get(origin, 0) + 1
                at = hrow.find(needle, at + 1)
    for (ox, oy), _count in sorted(votes.items(), key=lambda kv: -kv[1])[:3]:
        if ox < 0 or ox + w > sw:
            continue
        visible = [y for y in range(h) if 0 <= oy + y < sh]
        same = sum(1 for y in visible
                   if srgb[((oy + y) * sw + ox) * 3:((oy + y) * sw + ox + w) * 3] == row(y))
        if len(visible) >= 10 and same * 5 >= len(visible) * 4:
            return ox, oy
    return None


def wait_on_host(wl, seat, proxy, window, timeout=20, corner=None):
    """The host position of the X window, once the host shows exactly its
    pixels."""
    found = None

    def shown():
        nonlocal found
        found = find_on_host(host_shot(wl, seat),
                             x_window_image(wl, proxy, window, corner))
        return found is not None
    assert wlgp.wait_until(shown, timeout, 0.5), \
        f"the host does not show X window {window}'s pixels (logs in {wl.logdir})"
    return found


def distinct_colours(shot, box):
    w, _h, rgb = shot
    x0, y0, x1, y1 = box
    return {rgb[(y * w + x) * 3:(y * w + x) * 3 + 3]
            for y in range(y0, y1 + 1, 2) for x in range(x0, x1 + 1, 2)}


@pytest.fixture
def seat(wl, x_tools):
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    return seat_host.start_weston_x11(wl)


# --------------------------------------------------------------------------
# the display: lock, sockets, lazy start

def read_lock(number):
    return Path(f"/tmp/.X{number}-lock").read_text()


def abstract_listening(number):
    return bool(wlgp.unix_socket_flags(f"@/tmp/.X11-unix/X{number}"))


def test_x_display_lock_sockets_and_lazy_start(wl, host, x_tools):
    number = free_display()
    # A stale lock of a dead process is taken over.
    dead = subprocess.Popen(["true"])
    dead.wait()
    Path(f"/tmp/.X{number}-lock").write_text("%10d\n" % dead.pid)
    try:
        proxy = start_x_proxy(wl, host, number)
    finally:
        pass
    lock = read_lock(number)
    assert re.fullmatch(r" *\d+\n", lock) and len(lock) == 11, repr(lock)
    owner = int(lock)
    assert Path(f"/proc/{owner}/comm").read_text().strip() == "wl-guest-proxy"
    assert Path(f"/tmp/.X11-unix/X{number}").is_socket()
    assert abstract_listening(number)
    # Nothing started before an X client comes.
    time.sleep(0.5)
    assert "started Xwayland" not in proxy.stderr()
    assert subprocess.run(["pgrep", "-f", f"Xwayland :{number} "],
                          timeout=10).returncode == 1

    # A second server on the same display is refused, clearly.
    second = wl.spawn_proxy(wl.proxy_argv(wl.unique("guest"), host,
                                          ["--x-display", str(number)]),
                            expect_exit=1)
    assert second.wait(10) == 1, second.describe()
    assert f"X display :{number} is taken" in second.stderr(), second.describe()

    # The first X client starts Xwayland, and is served.
    r = x_run(proxy, "xdpyinfo", check=False) if shutil.which("xdpyinfo") else \
        x_run(proxy, "xwininfo", "-root", check=False)
    assert r.returncode == 0, r.stderr
    assert "started Xwayland" in proxy.stderr()

    os.kill(proxy.pid, signal.SIGTERM)
    assert proxy.wait(10) == 0, proxy.describe()
    assert not os.path.exists(f"/tmp/.X{number}-lock")
    assert not os.path.exists(f"/tmp/.X11-unix/X{number}")
    assert not abstract_listening(number)


# --------------------------------------------------------------------------
# apps on the host's screen, titles and app_ids

APPS = [
    # (name, argv, WM_CLASS to find, app_id the host must get, animated)
    ("xterm", ["xterm", "-T", "x11-test-xterm"], "XTerm", "XTerm", False),
    ("xeyes", ["xeyes"], "XEyes", "XEyes", False),
    ("glxgears", ["glxgears"], "name:glxgears", None, True),
    ("qt5", [str(QT_EXAMPLE)], "analogclock", "analogclock", False),
    ("gtk3", ["gtk3-widget-factory"], "Gtk3-widget-factory", "Gtk3-widget-factory", False),
]


def test_x11_apps_draw_on_host(wl, seat, x_tools):
    """Each app's window shows on the host with exactly the pixels the X
    server has for it (animated ones: most of its area changed), and the
    app stays up."""
    proxy = start_x_proxy(wl, seat)
    proto = HostProto(wl, seat)
    for name, argv, xclass, app_id, animated in APPS:
        before = host_baseline(wl, seat)
        client = x_client(wl, proxy, argv, name=name)
        window = wait_x_window(proxy, xclass, client, timeout=30)
        _x, _y, w, h = x_geometry(proxy, window)
        if app_id:
            proto.wait_request("set_app_id", f'"{app_id}"')
        if animated:
            def drawn():
                count, box = changed_box(before, host_shot(wl, seat))
                visible = min(w, seat_host.SEAT_WIDTH) * min(h, seat_host.SEAT_HEIGHT)
                return count >= visible // 3
            assert wlgp.wait_until(drawn, 20, 0.5), \
                f"{name} ({w}x{h}) is not on the host's screen:\n{client.describe()}"
            after = host_shot(wl, seat)
            assert len(distinct_colours(after, changed_box(before, after)[1])) > 1, \
                f"{name} drew one flat colour"
        else:
            wait_on_host(wl, seat, proxy, window, timeout=30)
        time.sleep(1)
        assert client.alive(), client.describe()
        client.stop()
        assert wlgp.wait_until(lambda: not x_run(
            proxy, "xwininfo", "-id", window, check=False).returncode == 0, 10), \
            f"{name}'s window stayed"
    assert proxy.stderr().count("started Xwayland") == 1
    # weston's log may lag behind a little.
    assert wlgp.wait_until(lambda: buffers_before_first_ack(proto.text())[1] >= len(APPS),
                           10, 0.2), buffers_before_first_ack(proto.text())
    bad, _count = buffers_before_first_ack(proto.text())
    assert not bad, bad


def wlgp_seat_width():
    return seat_host.SEAT_WIDTH


def wlgp_seat_height():
    return seat_host.SEAT_HEIGHT


def test_x11_title_and_app_id_follow(wl, host, x_tools):
    proxy = start_x_proxy(wl, host)
    proto = HostProto(wl, host)
    client = x_client(wl, proxy, ["xlogo", "-name", "wlgp-logo"], name="xlogo")
    window = wait_x_window(proxy, "XLogo", client)
    proto.wait_request("set_title", '"wlgp-logo"')
    proto.wait_request("set_app_id", '"XLogo"')
    # WM_NAME alone (Latin-1) and then _NET_WM_NAME (UTF-8), which wins.
    x_run(proxy, "xdotool", "set_window", "--name", "second title", window)
    proto.wait_request("set_title", '"second title"')
    # A 100 kB title is cut (at 1 KiB: a Wayland message has at most 4),
    # not passed on whole, and nothing else suffers.
    x_run(proxy, "xprop", "-id", window, "-f", "_NET_WM_NAME", "8u", "-set",
          "_NET_WM_NAME", "y" * 100000)
    proto.wait_request("set_title", '"' + "y" * 1024 + '"')
    x_run(proxy, "xprop", "-id", window, "-f", "_NET_WM_NAME", "8u", "-set",
          "_NET_WM_NAME", "third title")
    proto.wait_request("set_title", '"third title"')
    assert client.alive()
    assert proxy.alive()


def test_x11_windows_carry_tag_and_app_id_prefix(wl, host, x_tools):
    """--tag and --app-id-prefix reach the host for X11 windows too (from
    WM_NAME and WM_CLASS), title changes included; the X side keeps the
    client's own title."""
    proxy = start_x_proxy(wl, host, extra=["--tag", "[vm1] ", "--app-id-prefix", "vm1"])
    proto = HostProto(wl, host)
    client = x_client(wl, proxy, ["xlogo", "-name", "wlgp-logo"], name="xlogo")
    window = wait_x_window(proxy, "XLogo", client)
    proto.wait_request("set_title", '"[vm1] wlgp-logo"')
    proto.wait_request("set_app_id", '"vm1.XLogo"')
    x_run(proxy, "xdotool", "set_window", "--name", "second title", window)
    proto.wait_request("set_title", '"[vm1] second title"')
    seen = x_run(proxy, "xprop", "-id", window, "WM_NAME").stdout
    assert '"second title"' in seen and "vm1" not in seen, seen
    assert client.alive() and proxy.alive()


# --------------------------------------------------------------------------
# input from the host's seat

def test_x11_keys_reach_xterm(wl, seat, x_tools, tmp_path):
    proxy = start_x_proxy(wl, seat)
    HostProto(wl, seat)  # for the logs
    out = tmp_path / "typed.txt"
    client = x_client(wl, proxy, ["xterm", "-e", "sh", "-c", f"cat > {out}"],
                      name="xterm")
    window = wait_x_window(proxy, "XTerm", client)
    # The host activates the new window, and the WM gives it the X focus:
    # wait for the WM to say so (the file below is the real check).
    assert wlgp.wait_until(lambda: "%#x" % int(window) in x_run(
        proxy, "xprop", "-root", "_NET_ACTIVE_WINDOW").stdout, 15, 0.2), \
        "the host never activated xterm"
    seat_host.type_text(seat, "hello x11")
    seat_host.type_keys(seat, "Return")
    assert wlgp.wait_until(lambda: out.exists() and out.read_text() == "hello x11\n",
                           10), f"xterm got {out.read_text() if out.exists() else None!r}"


def xmessage_button(proxy, window):
    """(w, h, x, y) of xmessage's button in root coordinates, from the X
    server's own window tree: its lowest widget (the text above it, the
    button row below)."""
    tree = x_run(proxy, "xwininfo", "-tree", "-id", window).stdout
    boxes = [tuple(int(v) for v in m.groups()) for m in re.finditer(
        r"(\d+)x(\d+)\+-?\d+\+-?\d+\s+\+(-?\d+)\+(-?\d+)", tree)]
    assert len(boxes) >= 3, tree
    return max(boxes, key=lambda b: b[3])


def start_xmessage(wl, proxy, seat, code, text, size="300x100"):
    client = x_client(wl, proxy, ["xmessage", "-buttons", f"press-me:{code}",
                                  "-geometry", f"{size}+0+0", text], name="xmessage")
    window = wait_x_window(proxy, "Xmessage", client)
    return client, window


def click_button(wl, seat, proxy, window, host_xy):
    wx, wy, _w, _h = x_geometry(proxy, window)
    bw, bh, ax, ay = xmessage_button(proxy, window)
    x = host_xy[0] + (ax - wx) + bw // 2
    y = host_xy[1] + (ay - wy) + bh // 2
    ox, oy = weston_window_origin(seat)
    seat_host.xdotool(seat.x_display, "mousemove", str(ox + x), str(oy + y))
    time.sleep(0.3)
    seat_host.xdotool(seat.x_display, "click", "1")
    return x, y


def test_x11_click_reaches_button(wl, seat, x_tools):
    proxy = start_x_proxy(wl, seat)
    HostProto(wl, seat)  # for the logs
    host_baseline(wl, seat)
    client, window = start_xmessage(wl, proxy, seat, 7, "click the button")
    at = wait_on_host(wl, seat, proxy, window)
    x, y = click_button(wl, seat, proxy, window, at)
    assert client.wait(10) == 7, \
        f"clicked at {x},{y} (window at {at} on the host):\n{client.describe()}"


def test_x11_click_reaches_window_below_in_x(wl, seat, x_tools):
    """Two X windows on top of each other in X (both at 0,0), apart on the
    host: a click on the one X has below reaches it, not the one X has on
    top (the WM raises the window the pointer enters)."""
    proxy = start_x_proxy(wl, seat)
    host_baseline(wl, seat)
    first, first_window = start_xmessage(wl, proxy, seat, 3, "first")
    first_at = wait_on_host(wl, seat, proxy, first_window)
    # weston places windows at random: until the second one leaves the
    # first one's pixels (its button) uncovered on the host.
    fw, fh, first_rgb = x_window_image(wl, proxy, first_window)
    for _attempt in range(8):
        second, second_window = start_xmessage(wl, proxy, seat, 4, "second", "320x120")
        wait_on_host(wl, seat, proxy, second_window, corner=(120, 60))
        sw_, _sh, shot = host_shot(wl, seat)
        if first_at[0] + fw <= sw_ and wlgp.crop_rgb(shot, sw_, first_at[0], first_at[1],
                                                    fw, fh) == first_rgb:
            break  # every pixel of the first one still shows
        second.stop()
    else:
        raise AssertionError("the first window never showed whole beside the second "
                             "(weston places windows at random)")
    # In X the second one covers the first one's button.
    fx, fy, _fw, _fh = x_geometry(proxy, first_window)
    sx, sy, sw, sh = x_geometry(proxy, second_window)
    bw, bh, bx, by = xmessage_button(proxy, first_window)
    assert sx <= bx and bx + bw <= sx + sw and sy <= by and by + bh <= sy + sh
    click_button(wl, seat, proxy, first_window, first_at)
    assert first.wait(10) == 3, first.describe()
    assert second.alive(), second.describe()


def weston_window_origin(seat):
    out = seat_host.xdotool(seat.x_display, "getwindowgeometry", seat.x_window).stdout
    m = re.search(r"Position: (-?\d+),(-?\d+)", out)
    return int(m[1]), int(m[2])


def test_x11_menu_beside_its_window(wl, seat, x_tools):
    """An override-redirect menu (xterm's ctrl+click "Main Options") shows
    on the host with its own pixels, at its X position relative to its
    window, above it."""
    proxy = start_x_proxy(wl, seat)
    host_baseline(wl, seat)
    client = x_client(wl, proxy, ["xterm", "-geometry", "40x8"], name="xterm")
    window = wait_x_window(proxy, "XTerm", client)
    wx, wy, w, h = x_geometry(proxy, window)
    hx, hy = wait_on_host(wl, seat, proxy, window)
    ox, oy = weston_window_origin(seat)
    seat_host.xdotool(seat.x_display, "mousemove", str(ox + hx + w // 2),
                      str(oy + hy + h // 2))
    time.sleep(0.3)
    seat_host.xdotool(seat.x_display, "keydown", "ctrl", "mousedown", "1")
    try:
        menu = None
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline and menu is None:
            tree = x_run(proxy, "xwininfo", "-root", "-children").stdout
            for wid in re.findall(r"^\s+(0x[0-9a-f]+) ", tree, re.M):
                if int(wid, 16) == int(window, 0):
                    continue
                info = x_run(proxy, "xwininfo", "-id", wid, check=False).stdout
                if "IsViewable" in info and "Override Redirect State: yes" in info:
                    menu = wid
            time.sleep(0.2)
        assert menu, "no override-redirect menu was mapped"
        mx, my, mw, mh = x_geometry(proxy, menu)
        # xwininfo's corners are the border's, `import` takes the inside.
        border = int(re.search(r"Border width:\s+(\d+)", x_run(
            proxy, "xwininfo", "-id", menu).stdout)[1])
        at = wait_on_host(wl, seat, proxy, menu)
        assert at == (hx + mx - wx + border, hy + my - wy + border), \
            f"menu at {at} on the host, xterm at {(hx, hy)}; in X {(mx, my)} and {(wx, wy)}\n" \
            + x_run(proxy, "xwininfo", "-id", menu).stdout + x_run(proxy, "xwininfo", "-id", window).stdout
    finally:
        seat_host.xdotool(seat.x_display, "mouseup", "1", "keyup", "ctrl", check=False)
    assert client.alive(), client.describe()


def mapped_override_redirect(proxy, exclude=()):
    """The X windows that are mapped and override-redirect, from the X
    server's own tree."""
    found = []
    tree = x_run(proxy, "xwininfo", "-root", "-children").stdout
    for wid in re.findall(r"^\s+(0x[0-9a-f]+) ", tree, re.M):
        if int(wid, 16) in [int(e, 0) for e in exclude]:
            continue
        info = x_run(proxy, "xwininfo", "-id", wid, check=False).stdout
        if "IsViewable" in info and "Override Redirect State: yes" in info:
            w = int(re.search(r"Width: (\d+)", info)[1])
            h = int(re.search(r"Height: (\d+)", info)[1])
            if w > 20 and h > 20:  # not GTK's 10x10 helper windows
                found.append(wid)
    return found


def test_x11_gtk3_menu_beside_its_window(wl, seat, x_tools):
    """gtk3-widget-factory under GDK_BACKEND=x11: shift+F10 opens the
    focused entry's context menu, an override-redirect GtkMenu, which the
    host shows with its own pixels at its X position relative to the
    window, above it."""
    proxy = start_x_proxy(wl, seat)
    host_baseline(wl, seat)
    client = x_client(wl, proxy, ["gtk3-widget-factory"], name="gtk3")
    window = wait_x_window(proxy, "Gtk3-widget-factory", client, timeout=30)
    wx, wy, _w, _h = x_geometry(proxy, window)
    # Larger than the seat's 640x480 screen: its top-left corner will do.
    hx, hy = wait_on_host(wl, seat, proxy, window, timeout=30, corner=(300, 200))
    before = set(mapped_override_redirect(proxy))
    seat_host.type_keys(seat, "shift+F10")
    menus = []
    assert wlgp.wait_until(lambda: menus.extend(
        set(mapped_override_redirect(proxy)) - before) or menus, 10, 0.2), \
        "no override-redirect menu was mapped"
    menu = menus[0]
    mx, my, _mw, _mh = x_geometry(proxy, menu)
    border = int(re.search(r"Border width:\s+(\d+)", x_run(
        proxy, "xwininfo", "-id", menu).stdout)[1])
    at = wait_on_host(wl, seat, proxy, menu)
    assert at == (hx + mx - wx + border, hy + my - wy + border), \
        f"menu at {at} on the host, window at {(hx, hy)}; in X {(mx, my)} and {(wx, wy)}"
    assert client.alive(), client.describe()


# --------------------------------------------------------------------------
# sizes the host decides

def test_x11_fullscreen_reaches_x_window(wl, host, x_tools):
    """An X client asks for fullscreen the EWMH way (wmctrl sends the
    _NET_WM_STATE client message); the host decides the size, which must
    reach the X window; and back."""
    proxy = start_x_proxy(wl, host)
    proto = HostProto(wl, host)
    client = x_client(wl, proxy, ["xlogo"], name="xlogo")
    window = wait_x_window(proxy, "XLogo", client)
    proto.wait_request("set_app_id", '"XLogo"')
    small = x_geometry(proxy, window)[2:]
    assert small != (wlgp.HOST_WIDTH, wlgp.HOST_HEIGHT)
    # Several rounds, each undoing the state as soon as the X window has
    # the host's size: weston 10 drops an unset that comes after the
    # configure's ack but before the buffer that follows it (role.c).
    for n in range(1, 4):
        x_run(proxy, "wmctrl", "-i", "-r", window, "-b", "add,fullscreen")
        proto.wait_request("set_fullscreen", "nil", count=n)
        assert wlgp.wait_until(lambda: x_geometry(proxy, window)[2:] ==
                               (wlgp.HOST_WIDTH, wlgp.HOST_HEIGHT), 10, 0.05), \
            f"the X window stayed {x_geometry(proxy, window)[2:]}"
        x_run(proxy, "wmctrl", "-i", "-r", window, "-b", "remove,fullscreen")
        proto.wait_request("unset_fullscreen", "", count=n)
        assert wlgp.wait_until(lambda: x_geometry(proxy, window)[2:] == small,
                               10, 0.05), \
            f"the X window stayed {x_geometry(proxy, window)[2:]} after unset"
        state = x_run(proxy, "xprop", "-id", window, "_NET_WM_STATE").stdout
        assert "FULLSCREEN" not in state, state
    x_run(proxy, "wmctrl", "-i", "-r", window, "-b", "add,fullscreen")
    assert wlgp.wait_until(lambda: "_NET_WM_STATE_FULLSCREEN" in x_run(
        proxy, "xprop", "-id", window, "_NET_WM_STATE").stdout, 10, 0.2)
    assert client.alive(), client.describe()


def test_x11_host_driven_maximize_resizes_x_window(wl, host, x_tools):
    """Maximize, the other host-driven resize: the X client asks the EWMH
    way, the host answers with a configure of the size it chose (weston's
    whole output here), and that size must reach the X window."""
    proxy = start_x_proxy(wl, host)
    proto = HostProto(wl, host)
    client = x_client(wl, proxy, ["xlogo", "-geometry", "150x100"], name="xlogo")
    window = wait_x_window(proxy, "XLogo", client)
    proto.wait_request("set_app_id", '"XLogo"')
    assert wlgp.wait_until(lambda: x_geometry(proxy, window)[2:] == (150, 100), 10, 0.2), \
        x_geometry(proxy, window)
    x_run(proxy, "wmctrl", "-i", "-r", window, "-b", "add,maximized_vert,maximized_horz")
    proto.wait_request("set_maximized", "")
    assert wlgp.wait_until(lambda: x_geometry(proxy, window)[2:] ==
                           (wlgp.HOST_WIDTH, wlgp.HOST_HEIGHT), 10, 0.2), \
        f"the X window stayed {x_geometry(proxy, window)[2:]}"
    state = x_run(proxy, "xprop", "-id", window, "_NET_WM_STATE").stdout
    assert "_NET_WM_STATE_MAXIMIZED_VERT" in state and \
        "_NET_WM_STATE_MAXIMIZED_HORZ" in state, state
    assert client.alive(), client.describe()


# --------------------------------------------------------------------------
# Xwayland and X clients dying

def xwayland_pid(proxy):
    r = subprocess.run(["pgrep", "-f", f"^Xwayland {proxy.x_display} "],
                       capture_output=True, text=True, timeout=10)
    pids = r.stdout.split()
    assert len(pids) == 1, f"Xwayland processes for {proxy.x_display}: {pids}"
    return int(pids[0])


def test_xwayland_killed_then_next_client_works(wl, host, x_tools):
    proxy = start_x_proxy(wl, host)
    proto = HostProto(wl, host)
    first = x_client(wl, proxy, ["xlogo", "-name", "before-kill"], name="xlogo")
    wait_x_window(proxy, "XLogo", first)
    proto.wait_request("set_title", '"before-kill"')
    os.kill(xwayland_pid(proxy), signal.SIGKILL)
    assert first.wait(10) is not None, "the X client outlived its X server"
    # Logged once, whichever end noticed first (its exit, its Wayland
    # connection, the window manager's X connection).
    proxy.wait_for_output(r"warning: Xwayland on :\d+: ", 10, stream="stderr")
    assert proxy.alive(), proxy.describe()
    # The next X client starts a new Xwayland (after the restart delay).
    second = x_client(wl, proxy, ["xlogo", "-name", "after-kill"], name="xlogo")
    wait_x_window(proxy, "XLogo", second, timeout=30)
    proto.wait_request("set_title", '"after-kill"')
    assert len(re.findall(r"warning: Xwayland on :", proxy.stderr())) == 1, proxy.stderr()
    assert proxy.stderr().count("started Xwayland") == 2, proxy.stderr()
    assert proxy.alive()


# Xwayland stopped (SIGSTOP) right after it reported ready on -displayfd,
# the moment the window manager connects to it: an X server that takes
# the connection and does not answer.  Its argv[0] stays "Xwayland".
STOPPED_XWAYLAND = r"""#!/usr/bin/python3
import os, shutil, signal, sys
args = sys.argv[1:]
at = args.index("-displayfd") + 1
ready = int(args[at])
r, w = os.pipe()
os.set_inheritable(w, True)
args[at] = str(w)
if os.fork() == 0:
    os.close(w)
    line = b""
    while not line.endswith(b"\n"):
        chunk = os.read(r, 64)
        if not chunk:
            os._exit(1)
        line += chunk
    os.kill(os.getppid(), signal.SIGSTOP)
    os.write(ready, line)
    os._exit(0)
os.close(r)
os.close(ready)
os.execv(shutil.which("Xwayland"), ["Xwayland"] + args)
"""


def process_state(pid):
    """The state letter of /proc/PID/stat (R, S, T, Z...), None once gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return None


def start_stopped_xwayland(wl, host, tmp_path):
    """A proxy whose Xwayland, started by an xdpyinfo, is stopped as the
    window manager connects; returns (proxy, xdpyinfo, Xwayland's pid)."""
    fake = tmp_path / "stopped-xwayland"
    fake.write_text(STOPPED_XWAYLAND)
    fake.chmod(0o755)
    proxy = start_x_proxy(wl, host, extra=["--xwayland", str(fake)])
    waiting = x_client(wl, proxy, ["xdpyinfo"], name="xdpyinfo")
    proxy.wait_for_output(r"Xwayland \(pid \d+\) is ready", 20, stream="stderr")
    pid = xwayland_pid(proxy)
    assert wlgp.wait_until(lambda: process_state(pid) == "T", 5), process_state(pid)
    return proxy, waiting, pid


def test_stopped_xwayland_holds_up_only_its_x_clients(wl, host, x_tools, tmp_path):
    """The window manager's start-up waits for Xwayland in the loop, never
    blocking it: while Xwayland does not answer, Wayland clients are served
    as ever, and once it runs again the window manager starts and the X
    client that waited is served."""
    proxy, waiting, pid = start_stopped_xwayland(wl, host, tmp_path)
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert not info.timed_out and info.returncode == 0, \
        "a Wayland client waits on a stopped Xwayland:\n" + info.describe()
    assert "wl_compositor" in info.stdout, info.describe()
    assert waiting.alive(), waiting.describe()
    assert "managing X windows" not in proxy.stderr(), proxy.describe()
    os.kill(pid, signal.SIGCONT)
    assert waiting.wait(20) == 0, waiting.describe()
    assert "xwm: managing X windows" in proxy.stderr(), proxy.describe()
    assert proxy.stderr().count("started Xwayland") == 1, proxy.describe()


def test_sigterm_while_xwayland_is_stopped(wl, host, x_tools, tmp_path):
    """A SIGTERM ends a proxy whose window manager is still waiting for a
    stopped Xwayland, at once and cleanly, and that Xwayland does not stay
    behind (stopped, its SIGTERM pending for good)."""
    proxy, waiting, pid = start_stopped_xwayland(wl, host, tmp_path)
    os.kill(proxy.pid, signal.SIGTERM)
    assert proxy.wait(10) == 0, proxy.describe()
    assert "received SIGTERM, shutting down" in proxy.stderr(), proxy.describe()
    assert wlgp.wait_until(lambda: process_state(pid) in (None, "Z"), 10), \
        f"Xwayland {pid} outlived the proxy: state {process_state(pid)}"
    assert waiting.wait(10) is not None, "its X client outlived Xwayland"


def test_x_client_past_host_memory_bound_goes_alone(wl, host, x_tools):
    """Xwayland is one guest client for every X client, with one host memory
    bound (512 MiB): an X window whose buffer would pass it costs its own X
    client, not Xwayland and every other X client (the fuzz x11 target's
    finding)."""
    proxy = start_x_proxy(wl, host)
    proto = HostProto(wl, host)
    bystander = x_client(wl, proxy, ["xlogo", "-name", "bystander"], name="xlogo")
    proto.wait_request("set_title", '"bystander"')
    pid = xwayland_pid(proxy)
    # 11600x11600 XRGB: 538 MB, past the bound with its first buffer.
    greedy = x_client(wl, proxy, ["xlogo", "-name", "greedy", "-geometry", "11600x11600"],
                      name="xlogo-greedy")
    proxy.wait_for_output(r"warning: xwm: the X client of window 0x[0-9a-f]+ wants a "
                          r"11600x11600 buffer, past Xwayland's host memory bound: "
                          r"disconnecting that X client only", 20, stream="stderr")
    assert greedy.wait(10) is not None, "the greedy X client was not disconnected"
    assert bystander.alive(), bystander.describe()
    assert xwayland_pid(proxy) == pid, "Xwayland was replaced"
    late = x_client(wl, proxy, ["xlogo", "-name", "after-greedy"], name="xlogo")
    proto.wait_request("set_title", '"after-greedy"', timeout=20)
    assert late.alive() and bystander.alive()
    assert "started Xwayland" in proxy.stderr() and \
        proxy.stderr().count("started Xwayland") == 1, proxy.stderr()
    assert proxy.alive(), proxy.describe()


def test_many_x_clients_one_killed(wl, host, x_tools):
    proxy = start_x_proxy(wl, host)
    proto = HostProto(wl, host)
    clients = [x_client(wl, proxy, ["xlogo", "-name", f"many-{i}"], name="xlogo")
               for i in range(8)]
    for i in range(8):
        proto.wait_request("set_title", f'"many-{i}"', timeout=30)
    clients[3].kill9()
    late = x_client(wl, proxy, ["xeyes", "-name", "late"], name="xeyes")
    proto.wait_request("set_title", '"late"', timeout=20)
    for i, c in enumerate(clients):
        if i != 3:
            assert c.alive(), c.describe()
    assert late.alive()
    assert proxy.alive()


# --------------------------------------------------------------------------
# socket activation

def test_x11_socket_activation(wl, host, x_tools):
    """systemd passes the X display's socket as "x11" beside "wayland": the
    first X client starts the proxy, which takes the display's lock, starts
    Xwayland on that socket and manages the client's window."""
    from test_deploy import activation_argv
    number = free_display()
    x_path = f"/tmp/.X11-unix/X{number}"
    wl_path = wl.runtime_dir / "wayland-act"
    env = wl.base_env()
    argv = activation_argv(wl, wl_path, wl.proxy_argv(None, host), env)
    argv[argv.index("--fdname=wayland")] = "--fdname=wayland:x11"
    argv[3:3] = ["-l", x_path]
    proxy = wl.spawn_proxy(argv, env=env)
    try:
        assert wlgp.wait_until(lambda: os.path.exists(x_path), 10), proxy.describe()
        proto = HostProto(wl, host)
        proxy.x_display = f":{number}"
        client = x_client(wl, proxy, ["xlogo", "-name", "activated"], name="xlogo")
        proto.wait_request("set_title", '"activated"', timeout=30)
        assert client.alive(), client.describe()
        assert int(read_lock(number)) > 0
        assert "started Xwayland" in proxy.stderr()
        os.kill(proxy.pid, signal.SIGTERM)
        assert proxy.wait(10) == 0, proxy.describe()
        assert not os.path.exists(f"/tmp/.X{number}-lock")
    finally:
        # systemd-socket-activate's socket, not the proxy's to remove.
        wlgp.unlink_quiet(x_path)


# --------------------------------------------------------------------------
# -- COMMAND, a crashing Xwayland

def test_command_gets_display(wl, host, x_tools):
    number = free_display()
    argv = wl.proxy_argv(wl.unique("guest"), host, [
        "--x-display", str(number), "--", "sh", "-c",
        'echo "DISPLAY=$DISPLAY"; xlogo -name from-command & sleep 1; '
        'xdpyinfo >/dev/null && echo served'])
    proxy = wl.spawn_proxy(argv)
    assert proxy.wait(30) == 0, proxy.describe()
    assert f"DISPLAY=:{number}" in proxy.stdout(), proxy.describe()
    assert "served" in proxy.stdout(), proxy.describe()
    assert not os.path.exists(f"/tmp/.X{number}-lock")


def test_crashing_xwayland_is_rate_limited(wl, host, x_tools):
    """An Xwayland that dies at once (here /bin/false) is restarted by the
    next X connection no sooner than 5 s after the last start: the proxy
    does not spin, and carries on."""
    number = free_display()
    proxy = wl.start_proxy(host, extra=["--x-display", str(number),
                                        "--xwayland", "/bin/false"])
    proxy.x_display = f":{number}"
    start = time.monotonic()
    waiting = x_client(wl, proxy, ["xdpyinfo"], name="xdpyinfo")
    time.sleep(7)
    starts = proxy.stderr().count("started Xwayland")
    assert 1 <= starts <= 2, proxy.describe()
    assert time.monotonic() - start < 10
    assert proxy.alive(), proxy.describe()
    # The proxy is idle meanwhile, not polling the waiting connection.
    stat = lambda: sum(int(v) for v in Path(f"/proc/{proxy.pid}/stat").read_text()  # noqa: E731
                       .rsplit(")", 1)[1].split()[11:13])
    before = stat()
    time.sleep(2)
    assert stat() - before < 50, "the proxy spins while Xwayland cannot start"
    waiting.stop()
    # Still a Wayland proxy.
    info = wl.run(["wayland-info"], proxy, timeout=20)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()


# --------------------------------------------------------------------------
# the clipboard between X11 and Wayland

BLOB_TYPE = "application/x-wlgp-blob"


def xclip_copy(wl, proxy, path, target=None, selection="clipboard"):
    """xclip owning the selection with the file's bytes, in the foreground
    (-quiet), until stopped.  Not -loops: the WM's TARGETS question counts
    as one of them."""
    argv = ["xclip", "-quiet", "-i", "-selection", selection]
    if target:
        argv += ["-t", target]
    return x_client(wl, proxy, argv + [str(path)], name="xclip-in")


def xclip_paste(proxy, target=None, timeout=60):
    argv = ["xclip", "-o", "-selection", "clipboard"]
    if target:
        argv += ["-t", target]
    env = dict(os.environ, DISPLAY=proxy.x_display)
    return subprocess.run(argv, env=env, capture_output=True, timeout=timeout)


def wl_paste(wl, display, out, mime=None, timeout=60):
    mime_arg = f"-t {mime} " if mime else ""
    return subprocess.run(f"wl-paste -n {mime_arg}> {out}", shell=True,
                          env=wl.client_env(getattr(display, "socket", display)),
                          capture_output=True, timeout=timeout)


def wl_copy(wl, display, path, mime=None):
    """wl-copy serving the file's bytes (in the foreground: the test's
    cleanup stops it)."""
    mime_arg = f"-t {mime} " if mime else ""
    return wl.client(["sh", "-c", f"exec wl-copy --foreground {mime_arg}< {path}"],
                     display, name="wl-copy")


@pytest.fixture
def x_clip_setup(wl, seat):
    """A proxy serving X on the seat host, with xterm focused (the host
    gives the selection to the focused client's connection)."""
    if shutil.which("xclip") is None:
        pytest.fail("xclip is missing", pytrace=False)
    proxy = start_x_proxy(wl, seat, verbose=True)
    client = x_client(wl, proxy, ["xterm"], name="xterm")
    window = wait_x_window(proxy, "XTerm", client)
    assert wlgp.wait_until(lambda: "%#x" % int(window) in x_run(
        proxy, "xprop", "-root", "_NET_ACTIVE_WINDOW").stdout, 15, 0.2)
    return proxy


def test_x11_clipboard_text_both_ways(wl, seat, x_clip_setup, tmp_path):
    proxy = x_clip_setup
    text = "clipboard from X: grüße\n"
    src = tmp_path / "x.txt"
    src.write_text(text)
    owner = xclip_copy(wl, proxy, src)
    out = tmp_path / "host.txt"
    assert wlgp.wait_until(lambda: wl_paste(wl, seat, out).returncode == 0 and
                           out.read_text() == text, 10, 0.3), \
        f"the host pasted {out.read_text() if out.exists() else None!r}"
    owner.stop()

    text = "clipboard from the host: ça va\n"
    src.write_text(text)
    copier = wl_copy(wl, seat, src)
    assert wlgp.wait_until(lambda: xclip_paste(proxy).stdout.decode() == text, 10, 0.3), \
        f"X pasted {xclip_paste(proxy).stdout!r}:\n{copier.describe()}"
    targets = xclip_paste(proxy, "TARGETS").stdout.decode().split()
    assert "UTF8_STRING" in targets and "TARGETS" in targets, targets
    assert xclip_paste(proxy, "UTF8_STRING").stdout.decode() == text


def test_x11_clipboard_32mib_blob_both_ways(wl, seat, x_clip_setup, tmp_path):
    """A binary type by its own name, byte-exact, large enough for INCR."""
    proxy = x_clip_setup
    blob = os.urandom(32 << 20)
    src = tmp_path / "blob"
    src.write_bytes(blob)
    owner = xclip_copy(wl, proxy, src, BLOB_TYPE)
    out = tmp_path / "host.bin"
    assert wlgp.wait_until(lambda: wl_paste(wl, seat, out, BLOB_TYPE).returncode == 0 and
                           out.stat().st_size == len(blob), 20, 0.5), \
        f"the host pasted {out.stat().st_size if out.exists() else None} bytes"
    assert out.read_bytes() == blob
    owner.stop()

    blob = os.urandom(32 << 20)
    src.write_bytes(blob)
    wl_copy(wl, seat, src, BLOB_TYPE)
    assert wlgp.wait_until(lambda: len(xclip_paste(proxy, BLOB_TYPE).stdout) ==
                           len(blob), 20, 0.5)
    got = xclip_paste(proxy, BLOB_TYPE).stdout
    assert got == blob, f"{len(got)} bytes, differing"
    # Both ways took the INCR path (the bytes above are the real check).
    log = proxy.stderr()
    assert "an X client sends its clipboard incrementally" in log
    assert "33554432 bytes of the host's clipboard go to an X client incrementally" in log


def test_x11_clipboard_with_guest_wayland_app(wl, seat, x_clip_setup, tmp_path):
    """X → a Wayland app of the same guest, and back, through the host."""
    proxy = x_clip_setup
    text = "from X to a guest Wayland app\n"
    src = tmp_path / "x.txt"
    src.write_text(text)
    owner = xclip_copy(wl, proxy, src)
    out = tmp_path / "guest.txt"
    assert wlgp.wait_until(lambda: wl_paste(wl, proxy, out).returncode == 0 and
                           out.read_text() == text, 10, 0.3), \
        f"the guest app pasted {out.read_text() if out.exists() else None!r}"
    owner.stop()
    text = "from a guest Wayland app to X\n"
    src.write_text(text)
    wl_copy(wl, proxy, src)
    assert wlgp.wait_until(lambda: xclip_paste(proxy).stdout.decode() == text, 10, 0.3), \
        f"X pasted {xclip_paste(proxy).stdout!r}"


def test_x11_primary_selection_both_ways_on_sway(wl, x_tools, request, tmp_path):
    """PRIMARY between X and a host that has the primary selection (sway:
    weston 10 has none), text both ways, separate from CLIPBOARD."""
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    sway = seat_host.start_sway_x11(wl, request)
    proxy = start_x_proxy(wl, sway, verbose=True)
    client = x_client(wl, proxy, ["xterm"], name="xterm")
    window = wait_x_window(proxy, "XTerm", client)
    assert wlgp.wait_until(lambda: "%#x" % int(window) in x_run(
        proxy, "xprop", "-root", "_NET_ACTIVE_WINDOW").stdout, 15, 0.2)
    env = dict(os.environ, DISPLAY=proxy.x_display)

    src = tmp_path / "x.txt"
    src.write_text("primary from X\n")
    xclip_copy(wl, proxy, src, selection="primary")
    out = tmp_path / "host.txt"

    def host_paste():
        return subprocess.run(f"wl-paste -n --primary > {out}", shell=True,
                              env=wl.client_env(sway.socket), capture_output=True,
                              timeout=20).returncode == 0 and \
            out.read_text() == "primary from X\n"
    assert wlgp.wait_until(host_paste, 15, 0.3), \
        f"the host pasted {out.read_text() if out.exists() else None!r}"

    src.write_text("primary from the host\n")
    wl.client(["sh", "-c", f"exec wl-copy --foreground --primary < {src}"], sway,
              name="wl-copy")

    def x_paste():
        r = subprocess.run(["xclip", "-o", "-selection", "primary"], env=env,
                           capture_output=True, timeout=20)
        return r.stdout == b"primary from the host\n"
    assert wlgp.wait_until(x_paste, 15, 0.3), "X never got the host's primary selection"
    assert "the host's primary selection offered to X clients" in proxy.stderr()
