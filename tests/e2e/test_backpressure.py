"""A client that does not read its events for a while (relay-notes: the
4096-byte buffers of libwayland; back-pressure)."""

import re

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


# On virtwl the pump holds what a guest that is behind has not read yet, up
# to 4 MiB (guest-kmod-ioctl/pump.c): 20000 answers (480 KB, more than the
# guest's socket holds) are well within it, 300000 (7.2 MB) beyond it.
N_BEHIND = 20000
N_FLOOD = 300000
FLOOD_PAUSE_MS = 3000
# 64 syncs a millisecond at most: no faster than the device drains the
# host's answers (weston drops a client whose socket it cannot write).
FLOOD_GAP_US = 1000


def test_guest_behind_on_virtwl(wl, host, proxy_bin, clients_dir):
    """README, virtwl: the device is drained even while a guest client is
    behind (a message left unread pins one of crosvm's 256 in-buffers,
    shared by every vfd); its bytes wait in the pump, and a client 4 MiB
    behind is disconnected.  A client 480 KB behind gets everything once it
    reads again (which needs the proxy to stop reading the host for it
    while its socket is full: it sends nothing meanwhile either); one that
    sends 300000 syncs and does not read is disconnected; a bystander is
    served throughout, and the proxy carries on.  (On direct there is no
    pump: weston's own buffer limit applies.)"""
    proxy = wl.start_proxy(host, kind="virtwl")
    bystander = wl.test_client("pattern-client", ["--animate", "--size", "200x150"],
                               proxy)
    bystander.wait_for_output(r"^READY", 10)

    behind = wl.test_client("slow-reader-client", [N_BEHIND, FLOOD_PAUSE_MS,
                                                   FLOOD_GAP_US], proxy)
    behind.wait_for_output(r"^SENT", 30)
    wlgp.wait_alive_progress([bystander])
    assert behind.wait(30) == 0, behind.describe()
    assert f"DONE {N_BEHIND}/{N_BEHIND}" in behind.stdout(), behind.describe()

    flood = wl.test_client("slow-reader-client", [N_FLOOD, FLOOD_PAUSE_MS, FLOOD_GAP_US],
                           proxy)
    proxy.wait_for_output(r"a guest client stopped reading: more than 4194304 bytes "
                          r"of host events pending", 30, stream="stderr")
    proxy.wait_for_output(rf"client pid {flood.pid} disconnected", 10, stream="stderr")
    wlgp.wait_alive_progress([bystander])
    # It finds out when it reads (or writes) again.
    assert flood.wait(30) == 2, flood.describe()
    m = re.search(r"^DONE (\d+)/(\d+)$", flood.stdout(), re.M)
    assert m and int(m[1]) < N_FLOOD, flood.describe()
    assert proxy.alive(), proxy.describe()
    wlgp.wait_alive_progress([bystander])
