"""Drag and drop between guest and host apps through the proxy, on weston on
Xvfb (seat_host.py): the pointer is driven with xdotool from one window to
the other, and the drop's data arrives through the same pipes as a paste
(wl_data_offer.receive, wl_data_source.send: proxy/transfer.c); start_drag,
the offers' actions, accept, finish and the source's dnd events relay
generically.

weston's desktop shell puts new windows at random places, so each test
finds the two windows (plain colours) in a screenshot of the host first.
"""

import time

import pytest

import seat_host
import wlgp

SOURCE_RGB = (0xc0, 0x30, 0x30)
TARGET_RGB = (0x30, 0xc0, 0x30)
ICON_RGB = (0x20, 0x40, 0xe0)
TEXT = "dragged through the proxy: ¡ünïcödé! ✓"


@pytest.fixture
def weston(wl, proxy_bin):
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    return seat_host.start_weston_x11(wl)


def colour_points(rgb, width, colour):
    want = bytes(colour)
    return [(i // 3 % width, i // 3 // width) for i in range(0, len(rgb), 3)
            if rgb[i:i + 3] == want]


def pick(points, away_from=None):
    """A point of a window: the one nearest its middle, or, given
    away_from, the farthest from that point (the source window is raised
    when the drag starts and may cover part of the target)."""
    assert points, "window not on screen"
    if away_from:
        ax, ay = away_from
        return max(points, key=lambda p: (p[0] - ax) ** 2 + (p[1] - ay) ** 2)
    cx = sum(p[0] for p in points) / len(points)
    cy = sum(p[1] for p in points) / len(points)
    return min(points, key=lambda p: (p[0] - cx) ** 2 + (p[1] - cy) ** 2)


def drag(host, start, end, steps=12, before_release=None):
    """Press on start, move to end in steps, release: a real pointer drag
    through the X server (XTEST).  before_release() runs with the button
    still held over end."""
    d, w = host.x_display, host.x_window
    seat_host.xdotool(d, "mousemove", "--window", w, str(start[0]), str(start[1]))
    time.sleep(0.2)
    seat_host.xdotool(d, "mousedown", "1")
    time.sleep(0.3)
    for i in range(1, steps + 1):
        x = start[0] + (end[0] - start[0]) * i // steps
        y = start[1] + (end[1] - start[1]) * i // steps
        seat_host.xdotool(d, "mousemove", "--window", w, str(x), str(y))
        time.sleep(0.05)
    time.sleep(0.3)
    if before_release:
        before_release()
    seat_host.xdotool(d, "mouseup", "1")


def drag_and_drop(wl, host, source_display, target_display, icon=False):
    source = wl.test_client("dnd-client", ["--source", TEXT, "--color", "0xc03030"] +
                            (["--icon"] if icon else []), source_display)
    source.wait_for_output(r"^READY$", 15)
    target = wl.test_client("dnd-client", ["--target", "--color", "0x30c030"],
                            target_display)
    target.wait_for_output(r"^READY$", 15)

    width, _height, rgb = wl.screenshot(host)
    start = pick(colour_points(rgb, width, SOURCE_RGB))
    end = pick(colour_points(rgb, width, TARGET_RGB), away_from=start)
    icon_points = []

    def look_for_icon():
        width, _height, rgb = wl.screenshot(host)
        icon_points.extend(colour_points(rgb, width, ICON_RGB))

    drag(host, start, end, before_release=look_for_icon if icon else None)
    if icon:
        # 24x24 at the pointer's hotspot (cursor drawn over part of it).
        near = [p for p in icon_points if abs(p[0] - end[0]) <= 30 and abs(p[1] - end[1]) <= 30]
        assert len(near) >= 24 * 24 // 2, f"drag icon not under the pointer at {end}: {icon_points[:5]}"

    m = target.wait_for_output(r"^DROP mime=(\S+) bytes=(\d+) hex=(\S*)$", 15)
    assert m[1] == "text/plain"
    assert bytes.fromhex(m[3]).decode() == TEXT
    source.wait_for_output(r"^FINISHED$", 10)
    out = source.stdout()
    assert "DRAG STARTED" in out and "SEND mime=text/plain" in out, source.describe()
    assert "DROP_PERFORMED" in out and "CANCELLED" not in out, source.describe()


def test_drag_guest_to_host(wl, weston):
    proxy = wl.start_proxy(weston)
    drag_and_drop(wl, weston, proxy, weston)


def test_drag_guest_to_host_with_icon(wl, weston):
    """A drag icon is a guest wl_surface like any other: its pixels are
    copied to the host on commit (surface.c)."""
    proxy = wl.start_proxy(weston)
    drag_and_drop(wl, weston, proxy, weston, icon=True)


def test_drag_host_to_guest(wl, weston):
    proxy = wl.start_proxy(weston)
    drag_and_drop(wl, weston, weston, proxy)


def test_drag_guest_to_guest(wl, weston):
    """Two guests of the same proxy: each on its own host connection, so the
    drop goes through the host too."""
    proxy = wl.start_proxy(weston)
    drag_and_drop(wl, weston, proxy, proxy)
