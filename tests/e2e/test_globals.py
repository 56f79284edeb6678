"""The registry as seen through the proxy, against the host's (wayland-info)."""

import os
import re
import signal
from collections import Counter

import pytest

import wlgp


@pytest.fixture(scope="module")
def infos(tmp_path_factory, host_tools, proxy_bin):
    """wayland-info run directly on a host and through a proxy to it."""
    env = wlgp.WlEnv(tmp_path_factory.mktemp("globals"))
    try:
        host = env.start_host()
        proxy = env.start_proxy(host)
        direct = env.run(["wayland-info"], host, timeout=10)
        assert direct.returncode == 0, direct.describe()
        via = env.run(["wayland-info"], proxy, timeout=10)
        assert via.returncode == 0, via.describe()
        proxy_alive = proxy.alive()
        problems = env.finish_proxies()
        assert not problems, problems
        yield {"direct": direct, "via": via, "proxy_alive": proxy_alive,
               "proxy": proxy.describe()}
    finally:
        env.cleanup()


@pytest.fixture(scope="module")
def compiled():
    return wlgp.compiled_versions()


def host_versions(result):
    versions = {}
    for iface, version, _ in wlgp.parse_wayland_info(result.stdout):
        versions.setdefault(iface, set()).add(version)
    return versions


def test_wayland_info_parses(infos):
    # Guards the parser: both dumps must list globals at all.
    assert len(wlgp.parse_wayland_info(infos["direct"].stdout)) >= 10
    assert wlgp.parse_wayland_info(infos["via"].stdout), infos["via"].stdout
    assert infos["proxy_alive"], infos["proxy"]


def test_versions_are_capped(infos, compiled):
    host = host_versions(infos["direct"])
    problems = []
    for iface, version, name in wlgp.parse_wayland_info(infos["via"].stdout):
        if iface not in host:
            problems.append(f"{iface} (name {name}) is not a host global")
            continue
        if iface not in compiled:
            problems.append(f"{iface} is not in wayland.xml / wayland-protocols")
            continue
        want = {min(v, compiled[iface]) for v in host[iface]}
        if version not in want:
            problems.append(f"{iface}: version {version}, want {sorted(want)} "
                            f"(host {sorted(host[iface])}, compiled {compiled[iface]})")
    assert not problems, "\n".join(problems)


def test_core_globals_relayed(infos):
    seen = {g[0] for g in wlgp.parse_wayland_info(infos["via"].stdout)}
    host = {g[0] for g in wlgp.parse_wayland_info(infos["direct"].stdout)}
    assert wlgp.CORE_RELAYED <= host, "host lacks core globals (environment problem)"
    missing = wlgp.CORE_RELAYED - seen
    assert not missing, f"not relayed: {sorted(missing)}"


def test_fd_globals_hidden(infos):
    seen = {g[0] for g in wlgp.parse_wayland_info(infos["via"].stdout)}
    host = {g[0] for g in wlgp.parse_wayland_info(infos["direct"].stdout)}
    # weston headless/pixman has these two; the rest must be absent too.
    assert {"wl_data_device_manager", "zwp_linux_explicit_synchronization_v1"} <= host
    leaked = wlgp.FD_HIDDEN & seen
    assert not leaked, f"fd-carrying globals visible through the proxy: {sorted(leaked)}"


def test_private_globals_hidden(infos, compiled):
    seen = {g[0] for g in wlgp.parse_wayland_info(infos["via"].stdout)}
    host = {g[0] for g in wlgp.parse_wayland_info(infos["direct"].stdout)}
    assert "weston_screenshooter" in host, "host was not started with --debug"
    leaked = (wlgp.WESTON_PRIVATE | {i for i in host if i not in compiled}) & seen
    assert not leaked, f"unknown/private globals visible through the proxy: {sorted(leaked)}"


def test_exactly_relayable_globals(infos, compiled):
    """Every host global the proxy can relay and the protocol policy does
    not hide is shown, as many times as on the host, and nothing else."""
    host = Counter(g[0] for g in wlgp.parse_wayland_info(infos["direct"].stdout))
    want = Counter({i: n for i, n in host.items()
                    if i in compiled and i not in wlgp.FD_HIDDEN
                    and i not in wlgp.POLICY_HIDDEN})
    got = Counter(g[0] for g in wlgp.parse_wayland_info(infos["via"].stdout))
    assert got == want, (f"missing: {sorted((want - got).elements())}, "
                         f"extra: {sorted((got - want).elements())}")


@pytest.mark.parametrize("iface", ["wl_shm", "wl_output", "wp_presentation",
                                   "zxdg_output_manager_v1"])
def test_global_details_match(infos, iface):
    """Events the host sends on bind (shm formats, output geometry and mode,
    presentation clock, xdg_output) arrive unchanged."""
    direct = wlgp.wayland_info_sections(infos["direct"].stdout).get(iface)
    via = wlgp.wayland_info_sections(infos["via"].stdout).get(iface)
    assert direct, f"host shows no {iface} details (environment problem)"
    assert via is not None, f"{iface} not relayed"

    def norm(blocks):
        # xdg_output names its wl_output by global name, which the proxy
        # is free to renumber.
        return [[line for line in b if not line.strip().startswith("output:")]
                for b in blocks]

    assert norm(via) == norm(direct)


# --------------------------------------------------------------------------
# Against tests/hosts/test-host, which (unlike weston 10) offers globals
# above the versions the proxy is built with, and every fd-carrying global
# the proxy must hide, DRM lease included.

OWN_HOST_GLOBALS = {
    # above what the proxy is built with: the guest must see less
    "wl_compositor": 9,
    "wl_seat": 12,
    "wl_output": 10,
    "xdg_wm_base": 9,
    # below it: the guest must see the host's
    "wl_data_device_manager": 2,
    "wl_subcompositor": 1,
    "wl_shm": 1,
    "wp_presentation": 1,
    # messages with fds the proxy cannot translate: hidden
    "zwp_linux_dmabuf_v1": 9,
    "zwp_linux_explicit_synchronization_v1": 5,
    "wp_drm_lease_device_v1": 3,
    # an interface nobody compiled in: hidden
    "test_unknown_v1": 2,
}


@pytest.fixture(scope="module")
def own_infos(tmp_path_factory, proxy_bin):
    """wayland-info on test-host directly and through a proxy to it."""
    env = wlgp.WlEnv(tmp_path_factory.mktemp("own-globals"))
    try:
        host = env.start_test_host(
            [f"--global={i}={v}" for i, v in OWN_HOST_GLOBALS.items()])
        proxy = env.start_proxy(host)
        direct = env.run(["wayland-info"], host, timeout=10)
        assert direct.returncode == 0, direct.describe()
        via = env.run(["wayland-info"], proxy, timeout=10)
        assert via.returncode == 0, via.describe()
        problems = env.finish_proxies()
        assert not problems, problems
        yield {"direct": wlgp.parse_wayland_info(direct.stdout),
               "via": wlgp.parse_wayland_info(via.stdout),
               "via_text": via.stdout}
    finally:
        env.cleanup()


@pytest.fixture(scope="module")
def built():
    return wlgp.proxy_built_versions()


def test_own_host_offers_what_it_is_told(own_infos):
    """Guards the oracle: the host really offers each global at the version
    the test asked for (wayland-info straight on it)."""
    direct = Counter((i, v) for i, v, _ in own_infos["direct"])
    assert direct == Counter(OWN_HOST_GLOBALS.items())


def test_own_host_versions_capped(own_infos, built):
    """Each relayed global at min(host, the version of the XML the proxy is
    built from); four of them are offered above it, so a proxy that passes
    the host's version through fails here."""
    above = {i for i, v in OWN_HOST_GLOBALS.items() if i in built and v > built[i]}
    assert above >= {"wl_compositor", "wl_seat", "wl_output", "xdg_wm_base"}, \
        f"the host offers nothing above the built versions: {built}"
    got = Counter((i, v) for i, v, _ in own_infos["via"])
    want = Counter((i, min(v, built[i])) for i, v in OWN_HOST_GLOBALS.items()
                   if i in built and i not in wlgp.FD_HIDDEN)
    assert got == want, (f"missing: {sorted((want - got).elements())}, "
                         f"extra: {sorted((got - want).elements())}")


def test_own_host_fd_globals_hidden(own_infos):
    host = {i for i, _, _ in own_infos["direct"]}
    seen = {i for i, _, _ in own_infos["via"]}
    assert wlgp.FD_HIDDEN <= host
    leaked = wlgp.FD_HIDDEN & seen
    assert not leaked, f"fd-carrying globals visible through the proxy: {sorted(leaked)}"


def test_own_host_unknown_global_hidden(own_infos, built):
    assert "test_unknown_v1" not in built
    seen = {i for i, _, _ in own_infos["via"]}
    assert "test_unknown_v1" not in seen


def test_own_host_capped_globals_work(own_infos):
    """The capped wl_seat and wl_output are bound and answer through the
    proxy: what wayland-info prints of them is the host's."""
    sections = wlgp.wayland_info_sections(own_infos["via_text"])
    assert "\tcapabilities: pointer keyboard" in sections["wl_seat"][0]
    assert any("model: 'WLGP-1'" in line for line in sections["wl_output"][0])


# --------------------------------------------------------------------------
# Output hot-plug: test-host plugs a wl_output in on SIGUSR1 and out on
# SIGUSR2; registry-client straight on the host is the oracle for what a
# guest behind the proxy must see.

OUTPUT_RE = r"^OUTPUT name=(\d+) model={model}$"


def registry_names(client, interface="wl_output"):
    return {int(n) for n in re.findall(
        rf"^GLOBAL name=(\d+) interface={interface} version=\d+$", client.stdout(), re.M)}


def removed_names(client):
    return {int(n) for n in re.findall(r"^REMOVE name=(\d+)$", client.stdout(), re.M)}


def wayland_info_models(wl, display):
    r = wl.run(["wayland-info"], display, timeout=10)
    assert r.returncode == 0, r.describe()
    return sorted(re.findall(r"model: '([^']*)'", r.stdout))


def test_output_hotplug(wl, proxy_bin, clients_dir):
    host = wl.start_test_host()
    proxy = wl.start_proxy(host)
    watchers = {}
    for where, display in (("direct", host), ("via", proxy)):
        c = wl.test_client("registry-client", [], display)
        c.wait_for_output(r"^SYNCED$", 10)
        c.wait_for_output(OUTPUT_RE.format(model="WLGP-1"), 10)
        watchers[where] = c

    os.kill(host.pid, signal.SIGUSR1)
    host.wait_for_output(r"^OUTPUT_ADDED model=HOTPLUG-1$", 10)
    plugged = {}
    for where, c in watchers.items():
        m = c.wait_for_output(OUTPUT_RE.format(model="HOTPLUG-1"), 10)
        plugged[where] = int(m[1])
        assert len(registry_names(c)) == 2, c.describe()
    # A guest that connects now gets both outputs, as one on the host does.
    assert wayland_info_models(wl, proxy) == ["HOTPLUG-1", "WLGP-1"]
    assert wayland_info_models(wl, host) == ["HOTPLUG-1", "WLGP-1"]

    os.kill(host.pid, signal.SIGUSR2)
    host.wait_for_output(r"^OUTPUT_REMOVED model=HOTPLUG-1$", 10)
    for where, c in watchers.items():
        c.wait_for_output(rf"^REMOVE name={plugged[where]}$", 10)
    assert wayland_info_models(wl, proxy) == ["WLGP-1"]
    assert wayland_info_models(wl, host) == ["WLGP-1"]
    for where, c in watchers.items():
        assert removed_names(c) == {plugged[where]}, c.describe()
        assert c.alive(), c.describe()
    assert proxy.alive(), proxy.describe()
