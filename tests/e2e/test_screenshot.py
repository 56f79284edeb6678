"""Pixels drawn through the proxy reach the host exactly."""

import pytest

import wlgp


def test_pattern_direct_baseline(wl, host, clients_dir):
    """The harness itself: pattern-client straight on the host."""
    wlgp.start_pattern(wl, host, ["--seed", "1"])
    wlgp.check_screenshot(wl, host, 1, "direct")


@pytest.mark.parametrize("args,seed", [
    (["--seed", "3"], 3),
    (["--seed", "9", "--frames", "6"], 9),
], ids=["single-frame", "six-frames"])
def test_pattern_through_proxy(copy_mode, wl, host, proxy, clients_dir, args, seed):
    client = wlgp.start_pattern(wl, proxy, args)
    wlgp.check_screenshot(wl, host, seed, "proxied")
    assert client.alive(), client.describe()
    assert proxy.alive(), proxy.describe()
