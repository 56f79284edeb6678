"""Pixels drawn through the proxy reach the host exactly."""

import pytest

import wlgp


def check_screenshot(wl, host, seed, tag):
    width, height, rgb = wl.screenshot(host)
    assert (width, height) == (wlgp.HOST_WIDTH, wlgp.HOST_HEIGHT)
    expected = wlgp.pattern_rgb(width, height, seed)
    diff = wlgp.compare_rgb(rgb, expected, width)
    if diff:
        wlgp.write_png(wl.logdir / f"{tag}-expected.png", width, height, expected)
        wlgp.write_png(wl.logdir / f"{tag}-actual.png", width, height, rgb)
    assert diff is None, f"{diff} (pictures in {wl.logdir})"


def start_pattern(wl, display, args):
    client = wl.test_client("pattern-client", args, display)
    m = client.wait_for_output(r"^READY (\d+)x(\d+)$", 10)
    assert (int(m[1]), int(m[2])) == (wlgp.HOST_WIDTH, wlgp.HOST_HEIGHT), \
        f"fullscreen configure gave {m[1]}x{m[2]}"
    return client


def test_pattern_direct_baseline(wl, host, clients_dir):
    """The harness itself: pattern-client straight on the host."""
    start_pattern(wl, host, ["--seed", "1"])
    check_screenshot(wl, host, 1, "direct")


@pytest.mark.parametrize("args,seed", [
    (["--seed", "3"], 3),
    (["--seed", "9", "--frames", "6"], 9),
], ids=["single-frame", "six-frames"])
def test_pattern_through_proxy(wl, host, proxy, clients_dir, args, seed):
    client = start_pattern(wl, proxy, args)
    check_screenshot(wl, host, seed, "proxied")
    assert client.alive(), client.describe()
    assert proxy.alive(), proxy.describe()
