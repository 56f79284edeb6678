"""The copy threads (--copy-threads, copy/copy_pool.h) with clients that go
away mid-copy.

Clients committing full 1920x1080 frames without waiting for frame
callbacks are killed with SIGKILL while the proxy copies their frames (a
full frame is 8 MB: every commit goes to the copy threads, split in
bands).  The proxy must cancel or finish each copy before the client's
host buffers and pool mappings are freed: an unsafe free shows as a crash,
or under the ASan and ThreadSanitizer builds as a report that fails the
teardown.  Meanwhile another full-frame client draws every frame as it
says, and afterwards a new client's pixels reach the host exactly.
"""

import time

import pytest

import wlgp


@pytest.mark.parametrize("threads", ["1", "3"])
def test_clients_killed_mid_copy(wl, host, monkeypatch, threads):
    monkeypatch.setenv("WLGP_COPY_THREADS", threads)
    proxy = wlgp.start_verbose_proxy(wl, host)
    steady = wlgp.DamageSpec(frames=120, seed=5, damage_everything=True,
                             no_frame_wait=True)
    victim = wlgp.DamageSpec(frames=100000, seed=9, damage_everything=True,
                             no_frame_wait=True)
    survivor = wlgp.spawn_damage_client(wl, proxy, steady)
    killed = 0
    for round_ in range(6):
        v = wlgp.spawn_damage_client(wl, proxy, victim)
        v.wait_for_output(r"^CONFIGURED ", timeout=10)
        # Let the proxy copy a few of its frames, then kill it while it
        # goes on committing (the next copy is under way or queued).
        deadline = time.monotonic() + 20
        while (len(wlgp.parse_copy_lines(proxy.stderr(), pid=v.pid)) < 2 + round_
               and time.monotonic() < deadline):
            time.sleep(0.005)
        assert wlgp.parse_copy_lines(proxy.stderr(), pid=v.pid), (
            "the victim's frames were never copied:\n" + proxy.describe())
        v.kill9()
        killed += 1
        assert proxy.alive(), proxy.describe()
    out = wlgp.wait_damage_client(survivor, timeout=60)
    assert len(out["records"]) == steady.nframes
    threaded = [line for line in wlgp.parse_copy_lines(proxy.stderr())
                if line["threaded"]]
    assert threaded, "no copy ran on the copy threads:\n" + proxy.describe()
    fresh = wlgp.start_pattern(wl, proxy, ["--seed", "4"])
    wlgp.check_screenshot(wl, host, 4, f"after-kills-{threads}")
    assert fresh.alive(), fresh.describe()
    assert proxy.alive(), proxy.describe()
    assert killed == 6
