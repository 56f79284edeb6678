"""The registry as seen through the proxy, against the host's (wayland-info)."""

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
    """Every host global the proxy can relay is shown, as many times as on
    the host, and nothing else."""
    host = Counter(g[0] for g in wlgp.parse_wayland_info(infos["direct"].stdout))
    want = Counter({i: n for i, n in host.items()
                    if i in compiled and i not in wlgp.FD_HIDDEN})
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
