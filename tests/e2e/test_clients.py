"""Real weston demo clients run through the proxy."""

import pytest

import wlgp

RUN_SECONDS = 3.0

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


@pytest.mark.parametrize("argv", CLIENTS, ids=[c[0] for c in CLIENTS])
def test_real_client_through_proxy(wl, host, proxy, argv):
    # The same client runs directly on the host at the same time, as a
    # control: if that one fails, the environment is at fault, not the proxy.
    direct = wl.client(argv, host, name=argv[0] + "-direct")
    via = wl.client(argv, proxy, name=argv[0] + "-proxied")
    direct_exit = direct.wait(RUN_SECONDS)
    via_exit = via.wait(0.01)
    proxy_alive = proxy.alive()
    direct.stop()
    via.stop()

    assert direct_exit is None and not wlgp.error_lines(direct.stderr()), (
        "client does not run even directly on the headless host:\n" + direct.describe())
    assert via_exit is None, "client exited early through the proxy:\n" + via.describe()
    errors = wlgp.error_lines(via.stderr())
    assert not errors, f"errors through the proxy: {errors}\n" + via.describe()
    assert proxy_alive, proxy.describe()
    assert proxy.alive(), "proxy died when the client went away:\n" + proxy.describe()
