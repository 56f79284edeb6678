"""The shield: a guest request that breaks a protocol rule gets the
protocol's own error on the guest's object, and the host compositor never
sees it.  One case of tests/clients/shield-client.c per rule.

Oracles, independent of the proxy: the error the client's libwayland
reports (interface, object id, code from the XML's enum), weston's own
WAYLAND_DEBUG=server log of what it received, weston's screen (the
bystander's picture, exact) and a fresh client served by weston."""

import re
import subprocess
import time

import pytest

import seat_host
import wlgp
from test_apps import QT5_ENV, QT5_EXAMPLE
from test_trace import trace_lines

CASES = [
    "defunct-surfaces",
    "invalid-scale",
    "invalid-transform",
    "invalid-size",
    "subsurface-role",
    "subsurface-self",
    "subsurface-cycle",
    "subsurface-twice",
    "subsurface-not-sibling",
    "xdg-role",
    "xdg-role-switch",
    "not-the-topmost-popup",
    "invalid-popup-parent",
    "invalid-positioner",
    "positioner-invalid-input",
    "positioner-invalid-gravity",
    "not-constructed",
    "not-constructed-commit",
    "already-constructed",
    "unconfigured-buffer",
    "invalid-serial",
    "xdg-invalid-size",
    "invalid-surface-state-fullscreen",
    "unresponsive-pong",
    "defunct-role-object",
    "invalid-parent-self",
    "invalid-parent-cycle",
    "toplevel-negative-size",
    "toplevel-min-above-max",
    "viewport-exists",
    "viewport-bad-source",
    "viewport-bad-destination",
    "viewport-bad-size",
    "viewport-out-of-buffer",
    "viewport-no-surface",
    "source-invalid-action-mask",
]

BYSTANDER_SEED = 7


# wl_surface.attach's offset rule starts at wl_surface version 5, which
# weston 10 does not offer: test-host does.
V5_CASES = ["invalid-offset"]


# On a seat: weston's x11 backend (headless weston has no wl_seat).
SEAT_CASES = [
    "cursor-role",
    "dnd-icon-role",
    "source-actions-after-use",
    "selection-with-dnd-source",
    "already-constrained",
    "offer-finish-selection",
    "offer-actions-on-selection",
    "offer-invalid-action-mask",
    "offer-invalid-action",
    "invalid-resize-edge",
    "invalid-grab",
]


# On sway: weston 10 has neither xdg-decoration nor keyboard-shortcuts-inhibit.
SWAY_CASES = ["decoration-already-constructed", "decoration-orphaned",
              "decoration-buffer-at-creation", "decoration-unconfigured-buffer",
              "shortcuts-already-inhibited"]


def test_every_case_is_listed(clients_dir):
    out = subprocess.run([clients_dir / "shield-client", "--list"],
                         capture_output=True, text=True, check=True).stdout
    lines = [line.split() for line in out.splitlines()]
    assert sorted(n[0] for n in lines) == sorted(CASES + V5_CASES + SEAT_CASES + SWAY_CASES)
    assert sorted(n[0] for n in lines if n[1:] == ["seat"]) == sorted(SEAT_CASES + SWAY_CASES)


@pytest.fixture
def debug_host(wl):
    """weston logging every request it receives (WAYLAND_DEBUG=server)."""
    return wl.start_host(env={"WAYLAND_DEBUG": "server"})


def parse(stdout):
    want = re.search(r"^EXPECT interface=(\S+) id=(\d+) code=(\d+)$", stdout, re.M)
    got = re.search(r"^PROTOCOL_ERROR interface=(\S+) id=(\d+) code=(\d+)$", stdout, re.M)
    offending = re.search(r"^OFFENDING (.*)$", stdout, re.M)
    return want and want.groups(), got and got.groups(), offending and offending[1]


@pytest.mark.parametrize("case", CASES)
def test_rule_refused_before_the_host(wl, debug_host, proxy_bin, clients_dir, case):
    host = debug_host
    proxy = wl.start_proxy(host)
    # Draws once, then only round trips: after the mark below, the host's
    # log holds nothing of it but wl_display.sync.
    bystander = wlgp.start_pattern(wl, proxy, ["--seed", str(BYSTANDER_SEED)])
    wlgp.wait_alive_progress([bystander])
    mark = len(host.stderr())

    result = wl.run([clients_dir / "shield-client", case], proxy, timeout=15,
                    name=f"shield-{case}")
    want, got, offending = parse(result.stdout)
    assert want and offending, result.describe()
    assert got == want, f"error {got} != expected {want}\n" + result.describe()
    assert result.returncode == 0, result.describe()

    assert host.alive(), host.describe()
    assert proxy.alive(), proxy.describe()
    received = host.stderr()[mark:]
    # The log does show this client's traffic (the control) ...
    assert re.search(r"wl_registry@\d+\.bind\(", received), received[-2000:]
    # ... and nothing of the request that broke the rule.
    hit = re.search(offending, received)
    assert hit is None, f"the host received {hit[0]!r}"

    wlgp.wait_alive_progress([bystander])
    wlgp.check_screenshot(wl, host, BYSTANDER_SEED, f"shield-{case}")
    info = wl.run(["wayland-info"], host, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()


def start_bystander(wl, proxy):
    """A window of the same proxy that keeps drawing (frames and round
    trips) while its neighbour is disconnected."""
    client = wl.test_client("pattern-client", ["--animate", "--size", "200x150"], proxy)
    client.wait_for_output(r"^READY", 10)
    wlgp.wait_alive_progress([client])
    return client


def frames_drawn(client):
    counts = re.findall(r"^ALIVE syncs=\d+ frames=(\d+)", client.stdout(), re.M)
    return int(counts[-1]) if counts else 0


def assert_keeps_drawing(client, timeout=5.0):
    """Frame callbacks keep coming: the host still composites its window."""
    start = frames_drawn(client)
    assert wlgp.wait_until(lambda: frames_drawn(client) >= start + 2, timeout), \
        "the bystander stopped drawing:\n" + client.describe()


def run_case(wl, proxy, clients_dir, case):
    result = wl.run([clients_dir / "shield-client", case], proxy, timeout=15,
                    name=f"shield-{case}")
    want, got, offending = parse(result.stdout)
    own = parse_own(result.stdout)
    assert want and (offending or own), result.describe()
    assert got == want, f"error {got} != expected {want}\n" + result.describe()
    assert result.returncode == 0, result.describe()
    return offending or own


def parse_own(stdout):
    """OFFENDING_OWN: (pid, after, request), for an offending request
    (a commit) that a bystander sends too."""
    m = re.search(r"^OFFENDING_OWN pid=(\d+) after=(\w+)\.(\w+) request=(\w+)\.(\w+)$",
                  stdout, re.M)
    return m and (int(m[1]), (m[2], m[3]), (m[4], m[5]))


def assert_host_never_got_own(proxy, own):
    """The proxy's trace (--trace) shows the client's `after` request
    going to the host (the control) and none of its `request` after it."""
    pid, after, request = own
    lines = [(leg, (iface, msg)) for p, leg, iface, _id, msg, _args
             in trace_lines(proxy.stderr()) if p == pid]
    starts = [i for i, (leg, m) in enumerate(lines) if leg == "proxy->host" and m == after]
    assert starts, f"no proxy->host {after} of client {pid} in the trace"
    sent = [m for leg, m in lines[starts[0]:] if leg == "proxy->host" and m == request]
    assert not sent, f"the host received {request} from client {pid}"
    guest = [m for leg, m in lines[starts[0]:] if leg == "guest->proxy" and m == request]
    assert guest, f"client {pid} never sent {request} (the trace misses it)"


@pytest.mark.parametrize("case", V5_CASES)
def test_rule_refused_on_a_version_5_host(wl, proxy_bin, clients_dir, case):
    host = wl.start_test_host(env={"WAYLAND_DEBUG": "server"})
    proxy = wl.start_proxy(host)
    offending = run_case(wl, proxy, clients_dir, case)
    received = host.stderr()
    assert re.search(r"wl_registry@\d+\.bind\(", received), received[-2000:]
    hit = re.search(offending, received)
    assert hit is None, f"the host received {hit[0]!r}"
    assert host.alive() and proxy.alive()


def test_attach_offset_is_legal_below_version_5(wl, host, proxy, clients_dir):
    """weston 10's wl_compositor is version 4: there an attach offset is
    legal, and the proxy must relay it."""
    result = wl.run([clients_dir / "shield-client", "invalid-offset"], proxy, timeout=15)
    assert "NO_ERROR" in result.stdout, result.describe()


# (A second xdg_toplevel for an xdg_surface whose first one was destroyed is
# not here: weston 10 drops the client for it, so weston cannot be the
# oracle.)
LEGAL = ["subsurface-again", "sizes-between-commits", "parents",
         "popups-in-order", "viewport", "surface-state"]


def test_every_legal_case_is_listed(clients_dir):
    out = subprocess.run([clients_dir / "shield-client", "--list-legal"],
                         capture_output=True, text=True, check=True).stdout
    assert out.split() == LEGAL


@pytest.mark.parametrize("case", LEGAL)
def test_legal_sequence_passes(wl, host, proxy, clients_dir, case):
    """Close to a rule but legal (a sub-surface role given again after its
    object went, min > max between commits, unmapped parents, popups closed in
    order, viewport values that unset): weston accepts it directly (the
    oracle), and so must the proxy."""
    exe = clients_dir / "shield-client"
    direct = wl.run([exe, "--legal", case], host, timeout=15, name=f"legal-{case}-direct")
    assert direct.returncode == 0, "weston refuses it:\n" + direct.describe()
    via = wl.run([exe, "--legal", case], proxy, timeout=15, name=f"legal-{case}-proxied")
    assert via.returncode == 0, via.describe()
    assert "NO_ERROR" in via.stdout, via.describe()


@pytest.mark.parametrize("case", SEAT_CASES)
def test_seat_rule_refused_before_the_host(wl, proxy_bin, clients_dir, case):
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    host = seat_host.start_weston_x11(wl, env={"WAYLAND_DEBUG": "server"})
    proxy = wl.start_proxy(host)
    bystander = start_bystander(wl, proxy)
    mark = len(host.stderr())
    offending = run_case(wl, proxy, clients_dir, case)
    assert host.alive(), host.describe()
    assert proxy.alive(), proxy.describe()
    wlgp.wait_alive_progress([bystander])
    assert_keeps_drawing(bystander)
    received = host.stderr()[mark:]
    assert re.search(r"wl_registry@\d+\.bind\(", received), received[-2000:]
    hit = re.search(offending, received)
    assert hit is None, f"the host received {hit[0]!r}"
    info = wl.run(["wayland-info"], host, timeout=10)
    assert info.returncode == 0 and "wl_seat" in info.stdout, info.describe()


@pytest.mark.parametrize("case", SWAY_CASES)
def test_sway_rule_refused_before_the_host(wl, request, proxy_bin, clients_dir, case):
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    host = seat_host.start_sway_x11(wl, request, extra_env={"WAYLAND_DEBUG": "server"})
    proxy = wl.start_proxy(host, extra=["--trace"])
    bystander = start_bystander(wl, proxy)
    mark = len(host.stderr())
    offending = run_case(wl, proxy, clients_dir, case)
    assert host.alive(), host.describe()
    assert proxy.alive(), proxy.describe()
    wlgp.wait_alive_progress([bystander])
    assert_keeps_drawing(bystander)
    received = host.stderr()[mark:]
    assert re.search(r"wl_registry@\d+\.bind\(", received), received[-2000:]
    if isinstance(offending, tuple):
        assert_host_never_got_own(proxy, offending)
    else:
        hit = re.search(offending, received)
        assert hit is None, f"the host received {hit[0]!r}"
    info = wl.run(["wayland-info"], host, timeout=10)
    assert info.returncode == 0 and "wl_seat" in info.stdout, info.describe()


def test_pings_answered_through_the_shield(wl, proxy_bin):
    """The unresponsive rule refuses only pongs that answer no ping: weston
    pings a client when the pointer enters its window, and the client's
    pong, with the ping's serial, passes the shield and reaches weston."""
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    host = seat_host.start_weston_x11(wl, env={"WAYLAND_DEBUG": "server"})
    proxy = wl.start_proxy(host)
    client = wl.test_client("pattern-client", [], proxy)
    client.wait_for_output(r"^READY", 10)
    pings = []

    def answered():
        # In and out of the window: each entry is a new pointer focus.
        for x, y in ((5, 5), (200, 150), (5, 5), (300, 200)):
            seat_host.xdotool(host.x_display, "mousemove", "--window", host.x_window,
                              str(x), str(y))
        log = host.stderr()
        pings[:] = re.findall(r"-> xdg_wm_base@\d+\.ping\((\d+)\)", log)
        pongs = re.findall(r"xdg_wm_base@\d+\.pong\((\d+)\)", log)
        return pings and set(pings) & set(pongs)

    assert wlgp.wait_until(answered, 15, 0.3), \
        f"no ping answered (pings {pings}):\n" + host.stderr()[-3000:]
    assert client.alive(), client.describe()
    assert proxy.alive(), proxy.describe()
    refused = [line for line in proxy.stderr().splitlines() if ": refused: " in line]
    assert not refused, refused


# foot and Qt 5's Wayland platform plugin (qtwayland5, with a static
# qtbase5-examples program) both ask for server-side decorations.
DECORATING_CLIENTS = [
    ("foot", ["foot", "--override=font=monospace:size=8", "sh", "-c", "sleep 30"], {}),
    ("qt5", [str(QT5_EXAMPLE)], QT5_ENV),
]


@pytest.mark.parametrize("name,argv,env", DECORATING_CLIENTS,
                         ids=[c[0] for c in DECORATING_CLIENTS])
def test_decorating_clients_pass_on_sway(wl, request, proxy_bin, name, argv, env):
    """The decoration rules refuse no real client that uses xdg-decoration:
    sway receives its get_toplevel_decoration and then a buffer for that
    window, and the shield refused nothing."""
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    host = seat_host.start_sway_x11(wl, request, extra_env={"WAYLAND_DEBUG": "server"})
    proxy = wl.start_proxy(host)
    client = wl.client(argv, proxy, name=name, env=env)
    mapped = r"get_toplevel_decoration\([\s\S]*wl_surface@\d+\.attach\(wl_buffer@\d+"
    assert wlgp.wait_until(lambda: re.search(mapped, host.stderr()) or not client.alive(),
                           20, 0.3)
    assert re.search(mapped, host.stderr()), \
        f"{name} never mapped a decorated window:\n" + client.describe()
    time.sleep(0.5)
    assert client.alive(), client.describe()
    assert proxy.alive(), proxy.describe()
    refused = [line for line in proxy.stderr().splitlines() if ": refused: " in line]
    assert not refused, refused


def test_tiled_v1_window_keeps_its_size_on_sway(wl, request, proxy_bin):
    """sway tiles an xdg_wm_base v1 window with the maximized state and the
    tile's size, and keeps whatever size the client draws: weston-simple-shm
    draws 250x250 regardless.  The shield leaves that to the host (the top
    of proxy/shield/xdg_shell.c): the client is not refused and keeps
    committing."""
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    host = seat_host.start_sway_x11(wl, request, extra_env={"WAYLAND_DEBUG": "server"})
    proxy = wl.start_proxy(host)
    client = wl.client(["weston-simple-shm"], proxy, name="simple-shm")
    maximized_then_buffer = (r"xdg_toplevel@\d+\.configure\(\d+, \d+, array\[[^\]]*\][\s\S]*"
                             r"wl_surface@\d+\.commit\(\)[\s\S]*wl_surface@\d+\.commit\(\)")
    assert wlgp.wait_until(lambda: re.search(maximized_then_buffer, host.stderr()) or
                           not client.alive(), 20, 0.3), host.stderr()[-2000:]
    time.sleep(1.0)
    assert client.alive(), client.describe()
    assert proxy.alive(), proxy.describe()
    refused = [line for line in proxy.stderr().splitlines() if ": refused: " in line]
    assert not refused, refused
