"""Real weston demo clients run through the proxy."""

import pytest

import wlgp

RUN_SECONDS = 3.0
MIN_DRAWN_ROWS = 20

CLIENTS = [
    ["weston-simple-shm"],
    ["weston-flower"],
    ["weston-smoke"],
    ["weston-presentation-shm"],
    ["weston-scaler"],
    ["weston-terminal"],
    ["weston-eventdemo"],
    ["weston-simple-damage"],
]


def drawn_rows(wl, host):
    """Rows of the host's screen that are not plain background."""
    width, height, rgb = wl.screenshot(host)
    background = bytes(wlgp.BACKGROUND_RGB) * width
    stride = width * 3
    return sum(1 for y in range(height) if rgb[y * stride:(y + 1) * stride] != background)


@pytest.mark.parametrize("argv", CLIENTS, ids=[c[0] for c in CLIENTS])
def test_real_client_through_proxy(wl, host, proxy, argv):
    # The same client runs directly on a second host at the same time, as a
    # control: if that one fails, the environment is at fault, not the proxy.
    control_host = wl.start_host()
    direct = wl.client(argv, control_host, name=argv[0] + "-direct")
    via = wl.client(argv, proxy, name=argv[0] + "-proxied")
    direct_exit = direct.wait(RUN_SECONDS - 0.5)
    via_exit = via.wait(0.01)
    # What is on the hosts' screens while both run.
    direct_rows = drawn_rows(wl, control_host)
    via_rows = drawn_rows(wl, host)
    direct_exit = direct.wait(0.5) if direct_exit is None else direct_exit
    via_exit = via.wait(0.01) if via_exit is None else via_exit
    proxy_alive = proxy.alive()
    direct.stop()
    via.stop()

    assert direct_exit is None and not wlgp.error_lines(direct.stderr()), (
        "client does not run even directly on the headless host:\n" + direct.describe())
    assert direct_rows >= MIN_DRAWN_ROWS, (
        f"client draws nothing even directly on the host ({direct_rows} rows)")
    assert via_exit is None, "client exited early through the proxy:\n" + via.describe()
    errors = wlgp.error_lines(via.stderr())
    assert not errors, f"errors through the proxy: {errors}\n" + via.describe()
    assert via_rows >= MIN_DRAWN_ROWS, (
        f"nothing of the client reached the host's screen ({via_rows} rows, "
        f"{direct_rows} directly)")
    assert proxy_alive, proxy.describe()
    assert proxy.alive(), "proxy died when the client went away:\n" + proxy.describe()
