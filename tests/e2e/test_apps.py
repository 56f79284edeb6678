"""Real toolkit apps through the proxy, the shield on: GTK4 (gtk4-demo), Qt 5
(a qtbase5-examples program on qtwayland5, its Wayland platform plugin),
Qt 6 (a pyqt6-examples program on qt6-wayland) and Firefox (firefox-esr,
native Wayland).  Each app runs first directly on
weston (the oracle), then through the proxy on the same weston; what it
puts on the host's screen must be the same picture, and neither the app,
the proxy nor weston may report a protocol error.  The Qt app also runs on
weston with a seat (on Xvfb), taking a click and keys and opening a popup:
there each run gets a fresh weston, and the screens must be equal."""

import re
import time
from pathlib import Path

import pytest

import seat_host
import wlgp

BG = bytes(wlgp.BACKGROUND_RGB)
# The share of the window's pixels that must be equal in both pictures
# (a text caret or a font hint may differ; a lost or shifted copy does
# not come near).
MIN_EQUAL = 0.99

PROTOCOL_ERROR_RE = re.compile(
    r"protocol error|error in client communication|Error reading events from display|"
    r"Error flushing display|wl_display@1: error|Broken pipe", re.I)


def window_box(shot, empty=None):
    """(x0, y0, x1, y1) of what is not background, or None.  empty: a
    screenshot of the same screen without windows, whose pixels (a
    pointer drawn by the host) do not count where they are unchanged."""
    if empty is not None:
        shot = without(shot, empty)
    width, height, rgb = shot
    stride = width * 3
    rows = [y for y in range(height)
            if rgb[y * stride:(y + 1) * stride] != BG * width]
    if not rows:
        return None
    x0, x1 = width, 0
    for y in range(rows[0], rows[-1] + 1):
        line = rgb[y * stride:(y + 1) * stride]
        for x in range(width):
            if line[x * 3:x * 3 + 3] != BG:
                x0 = min(x0, x)
                break
        for x in range(width - 1, -1, -1):
            if line[x * 3:x * 3 + 3] != BG:
                x1 = max(x1, x + 1)
                break
    return x0, rows[0], x1, rows[-1] + 1


def without(shot, empty):
    """shot with background wherever it equals empty."""
    width, height, rgb = shot
    assert empty[:2] == (width, height)
    out = bytearray(rgb)
    base = empty[2]
    stride = width * 3
    for y in range(height):
        row = slice(y * stride, (y + 1) * stride)
        if base[row] == BG * width:
            continue
        for i in range(y * stride, (y + 1) * stride, 3):
            if rgb[i:i + 3] == base[i:i + 3]:
                out[i:i + 3] = BG
    return width, height, bytes(out)


def crop(shot, box):
    width, _height, rgb = shot
    x0, y0, x1, y1 = box
    return [rgb[(y * width + x0) * 3:(y * width + x1) * 3] for y in range(y0, y1)]


def settled_window(wl, host, app, min_size, timeout, empty=None):
    """The app's window once it is drawn and two screenshots a second
    apart agree: (shot, box).  empty: as for window_box."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        assert app.alive(), "the app exited:\n" + app.describe()
        shot = wl.screenshot(host)
        box = window_box(shot, empty)
        big = box and box[2] - box[0] >= min_size[0] and box[3] - box[1] >= min_size[1]
        if big and last and last[1] == box and last[0][2] == shot[2]:
            return shot, box
        last = (shot, box) if big else None
        time.sleep(1.0)
    raise AssertionError(f"no settled window of at least {min_size} within "
                         f"{timeout} s (last box {last and last[1]}):\n" + app.describe())


def equal_share(a, b):
    rows_a, rows_b = crop(*a), crop(*b)
    total = same = 0
    for ra, rb in zip(rows_a, rows_b):
        for i in range(0, len(ra), 3):
            total += 1
            same += ra[i:i + 3] == rb[i:i + 3]
    return same / total if total else 0.0


def wait_screen_clear(wl, host, timeout=10):
    assert wlgp.wait_until(lambda: window_box(wl.screenshot(host)) is None, timeout, 0.5), \
        "the direct app's window stayed on the host"


def protocol_errors(text):
    return [line for line in text.splitlines() if PROTOCOL_ERROR_RE.search(line)]


def stop_app_checked(app, proxy, host, tag):
    """Stops the app and checks that it lived to the end, and that neither
    it, the proxy (None: a direct run) nor the host saw a protocol error or
    a refusal."""
    alive = app.alive()
    app.stop()
    assert alive, f"{tag}: the app exited:\n" + app.describe()
    assert not protocol_errors(app.stderr()), app.describe()
    if proxy:
        refused = [line for line in proxy.stderr().splitlines() if ": refused: " in line]
        assert not refused, f"the shield refused the app: {refused}"
        assert not protocol_errors(proxy.stderr()), proxy.describe()
        assert proxy.alive(), proxy.describe()
    assert host.alive(), host.describe()
    assert not protocol_errors(host.stderr()), host.describe()


def run_direct_then_proxied(wl, host, argv_for, env, min_size, timeout, min_equal=MIN_EQUAL):
    """argv_for(tag) gives the app's command line (tag: "direct" or
    "proxied", for per-run state such as a profile directory); min_equal:
    the share of equal pixels required."""
    direct = wl.client(argv_for("direct"), host, name=f"{argv_for('name')}-direct", env=env)
    want = settled_window(wl, host, direct, min_size, timeout)
    direct_errors = protocol_errors(direct.stderr())
    direct.stop()
    assert not direct_errors, direct.describe()
    wait_screen_clear(wl, host)

    proxy = wl.start_proxy(host)
    via = wl.client(argv_for("proxied"), proxy, name=f"{argv_for('name')}-proxied", env=env)
    got = settled_window(wl, host, via, min_size, timeout)
    time.sleep(1)
    stop_app_checked(via, proxy, host, "through the proxy")

    (wx0, wy0, wx1, wy1), (gx0, gy0, gx1, gy1) = want[1], got[1]
    assert (wx1 - wx0, wy1 - wy0) == (gx1 - gx0, gy1 - gy0), \
        f"window {got[1]} through the proxy, {want[1]} directly"
    share = equal_share(want, got)
    assert share >= min_equal, \
        f"only {share:.4f} of the window's pixels match the direct run"
    return got


def colour_counts(got):
    """{rgb: pixels} inside the window."""
    counts = {}
    for row in crop(*got):
        for i in range(0, len(row), 3):
            counts[row[i:i + 3]] = counts.get(row[i:i + 3], 0) + 1
    return counts


def test_gtk4_demo_through_proxy(wl, host):
    env = {"GDK_BACKEND": "wayland", "GSK_RENDERER": "cairo", "GTK_A11Y": "none",
           "NO_AT_BRIDGE": "1", "GSETTINGS_BACKEND": "memory"}

    def argv_for(tag):
        return "gtk4-demo" if tag == "name" else ["gtk4-demo"]

    got = run_direct_then_proxied(wl, host, argv_for, env, (300, 200), 30)
    # A real window (text, widgets), not a flat rectangle in both runs.
    assert len(colour_counts(got)) >= 16, "gtk4-demo drew almost nothing"


# Qt 5's basicdrawing example: a gradient-filled shape drawn with
# antialiasing, combo boxes, a spin box, check boxes, and Qt's own
# client-side title bar (weston offers no xdg-decoration).  Nothing in it
# animates, and on a host without a seat its window never gets the
# keyboard focus, so no caret blinks and the title bar stays inactive:
# successive screenshots are byte-identical.  (analogclock, the Qt app of
# test_x11.py, redraws its hands each second.)
QT5_EXAMPLE = Path("/usr/lib/x86_64-linux-gnu/qt5/examples/widgets/painting/"
                   "basicdrawing/basicdrawing")
# The canvas behind the shapes.
QT5_CANVAS_WHITE = bytes((0xff, 0xff, 0xff))


# QT_QPA_PLATFORM=wayland names only the Wayland plugin (no xcb fallback):
# without qtwayland5 the app exits and the test fails.
QT5_ENV = {"QT_QPA_PLATFORM": "wayland", "QT_ACCESSIBILITY": "0", "NO_AT_BRIDGE": "1"}


def test_qt5_widgets_through_proxy(wl, host):
    env = QT5_ENV
    assert QT5_EXAMPLE.exists(), f"{QT5_EXAMPLE} missing (package qtbase5-examples)"

    def argv_for(tag):
        return "qt5-basicdrawing" if tag == "name" else [str(QT5_EXAMPLE)]

    # Every pixel must match: nothing in this window may differ between two
    # runs, and MIN_EQUAL's 1% would let a lost row through (a proxy that
    # skipped one row in the middle of each damaged box matched 0.9973).
    got = run_direct_then_proxied(wl, host, argv_for, env, (300, 250), 30, min_equal=1.0)
    # The example itself, not an empty or error window in both runs: its
    # white canvas and the many shades of its green gradient.
    counts = colour_counts(got)
    assert counts.get(QT5_CANVAS_WHITE, 0) >= 20000, "no white canvas"
    greens = sum(1 for (r, g, b) in counts if g > 2 * max(r, b) + 32)
    assert greens >= 64, f"only {greens} shades of green: no gradient-filled shapes"


# Qt 6 (qt6-wayland): Debian 12 ships its widget examples only as PyQt6's
# (pyqt6-examples).  configdialog is a static dialog: a list of three
# icons beside a form, nothing animated; on the seatless host no caret
# blinks and the title bar stays inactive (three screenshots 2.5 s apart
# were byte-identical).
QT6_EXAMPLE = Path("/usr/share/doc/pyqt6-examples/examples/dialogs/configdialog/configdialog.py")


def test_qt6_widgets_through_proxy(wl, host):
    assert QT6_EXAMPLE.exists(), f"{QT6_EXAMPLE} missing (package pyqt6-examples)"

    def argv_for(tag):
        # Debian's python3, which has python3-pyqt6, not whichever python3
        # comes first on PATH.
        return "qt6-configdialog" if tag == "name" else ["/usr/bin/python3", str(QT6_EXAMPLE)]

    # Every pixel, as for Qt 5's basicdrawing.
    got = run_direct_then_proxied(wl, host, argv_for, QT5_ENV, (400, 300), 30, min_equal=1.0)
    # The dialog itself: its white icon list and its three shaded icons
    # (26295 white pixels and 3063 colours measured).
    counts = colour_counts(got)
    assert counts.get(QT5_CANVAS_WHITE, 0) >= 20000, "no white icon list"
    assert len(counts) >= 1000, f"only {len(counts)} colours: no icons"


# Where basicdrawing's Shape combo box lies in its window (the box
# window_box finds, Qt's title bar included) on the seat host's 640x480
# output: Qt lays the window out shorter there than on the 1280x720
# headless host.
QT5_SHAPE_COMBO = (167, 241)


def settled_screen(wl, host, app, ready, what, timeout=20):
    """The host's screen once ready(shot) holds and two screenshots half a
    second apart agree."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        assert app.alive(), "the app exited:\n" + app.describe()
        shot = wl.screenshot(host)
        if ready(shot):
            if last == shot:
                return shot
            last = shot
        else:
            last = None
        time.sleep(0.5)
    raise AssertionError(f"{what}: not within {timeout} s:\n" + app.describe())


def empty_screen(wl, host, timeout=15):
    """The screen of a weston with a seat once it has painted its
    background (right after start its window in Xvfb is still black) and
    two screenshots half a second apart agree.  weston draws its pointer on
    it (at 100,100 until the pointer moves; once a moment after the
    background, not in the first screenshot): pass it to window_box as
    `empty`."""
    deadline = time.monotonic() + timeout
    last = None
    while time.monotonic() < deadline:
        shot = wl.screenshot(host)
        w, h, rgb = shot
        painted = all(rgb[(y * w + x) * 3:(y * w + x) * 3 + 3] == BG
                      for x, y in ((1, 1), (w - 2, 1), (1, h - 2), (w - 2, h - 2), (w // 2, h // 2)))
        if painted and shot == last:
            return shot
        last = shot if painted else None
        time.sleep(0.5)
    raise AssertionError("the seat host's empty screen never settled:\n" + host.describe())


def qt5_combo_session(wl, tag, env):
    """basicdrawing on a fresh weston with a seat, directly or through the
    proxy: a click opens the Shape combo's popup (an xdg_popup with a
    grab), Down Down Return picks the shape two below Polygon.  Returns
    the window's box and the host's screen with the popup open and after
    the pick.

    Not the screen right after mapping: when weston activates the window
    after Qt's last commit, Qt 5.15 repaints its title bar as active into
    the buffer the host still holds and sends the damage without a commit.
    weston's pixman renderer reads that shm buffer as it is and shows the
    active title bar; the proxy copies at commit, so the host keeps the
    committed, inactive one until Qt commits again (4 of 34 runs of
    qtbase5-examples' menus through the proxy on virtwl, with Qt's own
    WAYLAND_DEBUG log showing the damage and no commit).  The click's
    repaint commits, carrying that damage along."""
    host = seat_host.start_weston_x11(wl)
    empty = empty_screen(wl, host)
    proxy = wl.start_proxy(host) if tag == "proxied" else None
    app = wl.client([str(QT5_EXAMPLE)], proxy or host, name=f"qt5-basicdrawing-{tag}",
                    env=env)
    first, box = settled_window(wl, host, app, (300, 250), 30, empty)

    origin = seat_host.xdotool(host.x_display, "getwindowgeometry", host.x_window).stdout
    ox, oy = map(int, re.search(r"Position: (-?\d+),(-?\d+)", origin).groups())
    seat_host.xdotool(host.x_display, "mousemove", str(ox + box[0] + QT5_SHAPE_COMBO[0]),
                      str(oy + box[1] + QT5_SHAPE_COMBO[1]))
    seat_host.xdotool(host.x_display, "click", "1")
    # The popup's list reaches below the window.
    popup = settled_screen(wl, host, app, lambda shot: window_box(shot, empty)[3] > box[3],
                           f"{tag}: no popup below the window after clicking its Shape combo")
    seat_host.type_keys(host, "Down", "Down", "Return")
    picked = settled_screen(
        wl, host, app,
        lambda shot: window_box(shot, empty) == box and crop(shot, box) != crop(first, box),
        f"{tag}: the popup stayed open or the canvas did not change after Down Down Return")
    time.sleep(0.5)
    stop_app_checked(app, proxy, host, tag)
    return box, [popup, picked]


def test_qt5_popup_and_keys_through_proxy(wl):
    """On weston with a seat, Qt 5 gets pointer and keyboard input, opens an
    xdg_popup and draws its focused title bar, its cursor and the popup:
    the screens through the proxy must equal, byte for byte, the screens of
    the same session directly on a fresh weston of the same setup (which
    places the first window at the same spot)."""
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    assert QT5_EXAMPLE.exists(), f"{QT5_EXAMPLE} missing (package qtbase5-examples)"
    want_box, want = qt5_combo_session(wl, "direct", QT5_ENV)
    got_box, got = qt5_combo_session(wl, "proxied", QT5_ENV)
    assert got_box == want_box, f"window at {got_box} through the proxy, {want_box} directly"
    for step, w, g in zip(("popup open", "shape picked"), want, got):
        assert w[:2] == g[:2], f"{step}: screen size {g[:2]} through the proxy, {w[:2]} directly"
        differ = sum(1 for i in range(0, len(w[2]), 3) if w[2][i:i + 3] != g[2][i:i + 3])
        assert differ == 0, \
            f"{step}: {differ} of {len(w[2]) // 3} pixels differ from the direct run"


QT5_FRIDGEMAGNETS = Path("/usr/lib/x86_64-linux-gnu/qt5/examples/widgets/draganddrop/"
                         "fridgemagnets/fridgemagnets")
# Its first word ("Colorless") and an empty spot below the words, in the
# window's box on the seat host.
QT5_MAGNET = (40, 48)
QT5_MAGNET_DROP = (300, 270)
# An empty spot right of the first row, for the pointer after the drop.
QT5_AFTER_DROP = (380, 60)
# Qt's title bar: left out of the drag's screens (see qt5_drag_session).
QT5_TITLE_ROWS = 30


def without_title(shot, box):
    """shot with the window's title bar rows blanked."""
    width, height, rgb = shot
    out = bytearray(rgb)
    for y in range(box[1], min(box[1] + QT5_TITLE_ROWS, height)):
        out[(y * width + box[0]) * 3:(y * width + box[2]) * 3] = BG * (box[2] - box[0])
    return width, height, bytes(out)


def qt5_drag_session(wl, tag):
    """fridgemagnets on a fresh weston with a seat, directly or through the
    proxy: a word dragged (wl_data_device.start_drag with a drag icon
    surface; enter, motion and drop come back from the host) to an empty
    spot and dropped there.  Qt takes the data of a drag of its own from
    its own memory, not through wl_data_offer.receive: with the proxy's
    receive made to drop the fd, this still passed.  Returns the window's box
    and the screens mid-drag and after the drop, title bar left out: weston
    takes the keyboard focus away for the drag, and Qt 5.15 repaints its
    title bar for that without always committing (qt5_combo_session)."""
    host = seat_host.start_weston_x11(wl)
    empty = empty_screen(wl, host)
    proxy = wl.start_proxy(host) if tag == "proxied" else None
    app = wl.client([str(QT5_FRIDGEMAGNETS)], proxy or host, name=f"qt5-fridgemagnets-{tag}",
                    env=QT5_ENV)
    first, box = settled_window(wl, host, app, (300, 250), 30, empty)
    first = without_title(first, box)

    origin = seat_host.xdotool(host.x_display, "getwindowgeometry", host.x_window).stdout
    ox, oy = map(int, re.search(r"Position: (-?\d+),(-?\d+)", origin).groups())

    def pointer_to(x, y):
        seat_host.xdotool(host.x_display, "mousemove", str(ox + box[0] + x), str(oy + box[1] + y))
        time.sleep(0.05)
    (x0, y0), (x1, y1) = QT5_MAGNET, QT5_MAGNET_DROP
    pointer_to(x0, y0)
    time.sleep(0.3)
    seat_host.xdotool(host.x_display, "mousedown", "1")
    try:
        time.sleep(0.3)
        for step in range(1, 11):
            pointer_to(x0 + (x1 - x0) * step // 10, y0 + (y1 - y0) * step // 10)

        def changed(shot):
            return window_box(shot, empty) == box and \
                crop(without_title(shot, box), box) != crop(first, box)
        dragging = settled_screen(wl, host, app, changed, f"{tag}: no drag to be seen")
    finally:
        seat_host.xdotool(host.x_display, "mouseup", "1", check=False)
    # The dropped word looks just like the drag icon did: the pointer
    # moves off it, so that a drag icon still following it, or a word
    # gone back to its first place, cannot pass for the drop.
    time.sleep(0.3)
    pointer_to(*QT5_AFTER_DROP)
    dropped = settled_screen(
        wl, host, app, lambda shot: changed(shot) and
        without_title(shot, box)[2] != without_title(dragging, box)[2],
        f"{tag}: nothing changed after the drop")
    time.sleep(0.5)
    stop_app_checked(app, proxy, host, tag)
    return box, [without_title(dragging, box), without_title(dropped, box)]


def test_qt5_drag_and_drop_through_proxy(wl):
    """Qt 5 drags a word within its window through the proxy: the screen
    mid-drag (the drag icon under the pointer) and after the drop (the
    word at its new place, the pointer away from it) must equal, byte for byte outside Qt's title
    bar, the same session's screens directly on a fresh weston."""
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    assert QT5_FRIDGEMAGNETS.exists(), f"{QT5_FRIDGEMAGNETS} missing (package qtbase5-examples)"
    want_box, want = qt5_drag_session(wl, "direct")
    got_box, got = qt5_drag_session(wl, "proxied")
    assert got_box == want_box, f"window at {got_box} through the proxy, {want_box} directly"
    for step, w, g in zip(("mid-drag", "dropped"), want, got):
        differ = sum(1 for i in range(0, len(w[2]), 3) if w[2][i:i + 3] != g[2][i:i + 3])
        assert differ == 0, \
            f"{step}: {differ} of {len(w[2]) // 3} pixels differ from the direct run"


PAGE = """<!doctype html><html><body style="margin:0;background:#3366cc">
<div style="position:absolute;left:40px;top:40px;width:200px;height:120px;background:#ffcc00"></div>
<div style="position:absolute;left:300px;top:80px;width:160px;height:160px;background:#cc3333;border-radius:80px"></div>
<p style="position:absolute;left:40px;top:260px;font:24px sans-serif;color:white">wl-guest-proxy</p>
</body></html>
"""

# No first-run pages, update checks or bars that differ between two runs.
USER_JS = """
user_pref("browser.shell.checkDefaultBrowser", false);
user_pref("browser.startup.homepage_override.mstone", "ignore");
user_pref("browser.aboutwelcome.enabled", false);
user_pref("datareporting.policy.dataSubmissionEnabled", false);
user_pref("datareporting.policy.dataSubmissionPolicyBypassNotification", true);
user_pref("toolkit.telemetry.reportingpolicy.firstRun", false);
user_pref("app.update.enabled", false);
user_pref("app.update.auto", false);
user_pref("browser.sessionstore.resume_from_crash", false);
user_pref("gfx.webrender.software", true);
user_pref("layout.css.devPixelsPerPx", "1.0");
"""


def test_firefox_through_proxy(wl, host, tmp_path):
    page = tmp_path / "page.html"
    page.write_text(PAGE)
    env = {"MOZ_ENABLE_WAYLAND": "1", "GDK_BACKEND": "wayland", "NO_AT_BRIDGE": "1",
           "MOZ_CRASHREPORTER_DISABLE": "1", "GSETTINGS_BACKEND": "memory"}

    def argv_for(tag):
        if tag == "name":
            return "firefox"
        profile = tmp_path / f"profile-{tag}"
        profile.mkdir()
        (profile / "user.js").write_text(USER_JS)
        return ["firefox-esr", "--no-remote", "--profile", str(profile), "--kiosk",
                page.as_uri()]

    got = run_direct_then_proxied(wl, host, argv_for, env, (400, 300), 60)
    # The page itself, not an empty or error window in both runs.
    counts = colour_counts(got)
    assert counts.get(bytes((0x33, 0x66, 0xcc)), 0) >= 100000, "no page background"
    assert counts.get(bytes((0xff, 0xcc, 0x00)), 0) >= 200 * 120 * 9 // 10, "no yellow box"
    assert counts.get(bytes((0xcc, 0x33, 0x33)), 0) >= 15000, "no red disc"
