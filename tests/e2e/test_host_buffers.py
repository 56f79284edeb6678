"""A host compositor that never releases a surface's buffers (test-host
--hold-buffers TITLE): the README bounds each surface at 4 host buffers;
the client that runs into the bound gets its error and is disconnected,
and every other client keeps working (round trips complete, frames reach
the host) the whole time that client waits."""

import re

import wlgp

HOST_COMMIT_RE = re.compile(
    r"^COMMIT surface=(\d+) title=(\S+) buffer=(\d+) t=([\d.]+)$", re.M)
ROUNDTRIP_RE = re.compile(r"^RT n=\d+ t=([\d.]+)$", re.M)


def host_commits(host, title):
    """(time, buffer id) of every commit with a buffer the host saw for
    toplevels titled title."""
    return [(float(t), int(b)) for _s, ti, b, t in HOST_COMMIT_RE.findall(host.stdout())
            if ti == title]


def test_host_never_releasing_buffers(wl, proxy_bin, clients_dir):
    host = wl.start_test_host(["--hold-buffers", "guilty"])
    proxy = wl.start_proxy(host)
    # Bystanders: one doing round trips in a loop, one drawing.
    roundtrips = wl.test_client("roundtrip-client", ["--interval", "2"], proxy)
    roundtrips.wait_for_output(ROUNDTRIP_RE.pattern, 10)
    drawer = wl.test_client("pattern-client", ["--title", "bystander", "--animate"], proxy)
    drawer.wait_for_output(r"^READY ", 10)

    guilty = wl.test_client("pattern-client", ["--title", "guilty", "--animate"], proxy)
    rc = guilty.wait(20)
    assert rc == 2, f"the client the host starves was not failed:\n{guilty.describe()}"
    assert "protocol error" in guilty.stderr(), guilty.describe()
    host.wait_for_output(r"^SURFACE_GONE surface=\d+ title=guilty ", 10)

    # The bound: exactly 4 buffers of that surface reached the host.
    commits = host_commits(host, "guilty")
    assert len({b for _t, b in commits}) == 4, host.describe()

    # The wait: from the host's last commit of the guilty surface to the
    # moment its connection went.  Others must have been served all along:
    # no pause in the round trips as long as half of the wait.
    start = commits[-1][0]
    m = re.search(r"^SURFACE_GONE surface=\d+ title=guilty t=([\d.]+)$",
                  host.stdout(), re.M)
    end = float(m[1])
    wait = end - start
    assert wait > 0, host.describe()
    # roundtrip-client prints milliseconds; the host prints seconds.
    times = [float(t) / 1000 for t in ROUNDTRIP_RE.findall(roundtrips.stdout())]
    inside = [t for t in times if start < t < end]
    points = [start] + inside + [end]
    gap = max(b - a for a, b in zip(points, points[1:]))
    assert len(inside) >= 3 and gap < wait / 2, (
        f"while the guilty client waited {wait:.3f} s the bystander completed "
        f"{len(inside)} round trips, the longest pause {gap:.3f} s")
    drawn = [t for t, _b in host_commits(host, "bystander") if start < t < end]
    assert len(drawn) >= 2, (f"while the guilty client waited {wait:.3f} s the "
                             f"other client's frames reached the host {len(drawn)} times")

    # And afterwards, everyone else is still there and served.
    before = len(ROUNDTRIP_RE.findall(roundtrips.stdout()))
    assert wlgp.wait_until(
        lambda: len(ROUNDTRIP_RE.findall(roundtrips.stdout())) > before + 10, 10), \
        roundtrips.describe()
    wlgp.wait_alive_progress([drawer])
    assert roundtrips.alive() and drawer.alive() and proxy.alive(), proxy.describe()
