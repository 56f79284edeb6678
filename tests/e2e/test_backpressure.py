"""A client that does not read its events for a while (relay-notes: the
4096-byte buffers of libwayland; back-pressure)."""

import wlgp

# Answers to this many wl_display.sync requests (24 bytes each) are far
# more than libwayland's 4096-byte buffer; weston itself copes with them
# (it copes with 6000 here, and drops the client at about 8000).
N_SYNCS = 4000
PAUSE_MS = 1500


def test_slow_reader_gets_everything(wl, host, proxy, clients_dir):
    exe = clients_dir / "slow-reader-client"
    direct = wl.run([exe, N_SYNCS, 200], host, timeout=15, name="slow-reader-direct")
    assert direct.returncode == 0, "weston itself drops the client:\n" + direct.describe()

    bystander = wl.test_client("pattern-client", ["--animate", "--size", "200x150"], proxy)
    bystander.wait_for_output(r"^READY", 10)

    slow = wl.client([exe, N_SYNCS, PAUSE_MS], proxy, name="slow-reader-proxied")
    slow.wait_for_output(r"^SENT", 10)
    # While the slow client is not reading, the proxy keeps serving others.
    wlgp.wait_alive_progress([bystander], timeout=PAUSE_MS / 1000.0 - 0.2, increase=2)
    assert slow.alive(), slow.describe()

    rc = slow.wait(15)
    assert rc == 0, slow.describe()
    assert f"DONE {N_SYNCS}/{N_SYNCS}" in slow.stdout()
    assert proxy.alive(), proxy.describe()
    wlgp.wait_alive_progress([bystander])
