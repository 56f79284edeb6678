"""Many clients through one proxy; one killed, one misbehaving."""

import re
import time

import wlgp

N_SHM = 10
N_PATTERN = 10


def last_frames(proc):
    """Frames drawn so far, from pattern-client's last ALIVE line."""
    frames = re.findall(r"^ALIVE syncs=\d+ frames=(\d+)", proc.stdout(), re.M)
    return int(frames[-1]) if frames else 0


# weston-simple-shm's buffers (simple-shm.c: 250x250); the proxy's host
# buffers for them have the same size.
SHM_SIZE = "250, 250"


def committing_shm_clients(stream, start, end, least=3):
    """Host clients (through the proxy: one per guest client) that made
    weston-simple-shm-sized buffers at any time and committed at least
    `least` times between the marks start and end."""
    shm_sized = {c for c, d, iface, _id, msg, args in stream.messages()
                 if (d, iface, msg) == ("rq", "wl_shm_pool", "create_buffer") and
                 SHM_SIZE in args}
    commits = {}
    for c, d, iface, _id, msg, _args in stream.messages(start, end):
        if (d, iface, msg) == ("rq", "wl_surface", "commit") and c in shm_sized:
            commits[c] = commits.get(c, 0) + 1
    return {c for c, n in commits.items() if n >= least}


def test_many_clients_kill_and_garbage(wl, host, proxy, clients_dir):
    # What the host sees: weston-simple-shm prints nothing while it
    # animates, so whether each one goes on drawing is read from the
    # host's side, one host client per guest client.
    stream = wl.proto_stream(host)
    shm = [wl.client(["weston-simple-shm"], proxy) for _ in range(N_SHM)]
    patterns = [wl.test_client("pattern-client",
                               ["--animate", "--seed", str(i), "--size", "160x120"], proxy)
                for i in range(N_PATTERN)]
    for p in patterns:
        p.wait_for_output(r"^READY 160x120$", 15)
    wlgp.wait_alive_progress(patterns, timeout=10)
    dead = [p.describe() for p in shm + patterns if not p.alive()]
    assert not dead, "\n".join(dead)

    # kill -9 one client in the middle of its animation, and one weston-simple-shm.
    victim = patterns.pop(N_PATTERN // 2)
    assert wlgp.alive_count(victim) > 0
    victim.kill9()
    shm_victim = shm.pop(0)
    shm_victim.kill9()

    # A client writing garbage must be disconnected...
    garbage = wl.run([clients_dir / "garbage-client", "bad-object"], proxy, timeout=10)
    assert garbage.returncode == 0, "garbage client not disconnected:\n" + garbage.describe()
    assert "EOF" in garbage.stdout

    # ...and nobody else.
    time.sleep(0.5)
    assert proxy.alive(), proxy.describe()
    dead = [p.describe() for p in shm + patterns if not p.alive()]
    assert not dead, "clients died with their neighbour:\n" + "\n".join(dead)
    frames_before = {p: last_frames(p) for p in patterns}
    start = stream.mark()
    wlgp.wait_alive_progress(patterns, timeout=5, increase=4)
    for p in patterns:
        assert last_frames(p) > frames_before[p], "animation stalled:\n" + p.describe()
    # Every weston-simple-shm left still commits new frames on the host
    # (the killed one cannot: at most len(shm) can pass).
    assert wlgp.wait_until(
        lambda: len(committing_shm_clients(stream, start, stream.mark())) >= len(shm), 10), \
        (f"{len(committing_shm_clients(stream, start, stream.mark()))} of {len(shm)} "
         f"weston-simple-shm clients animate on the host (stream in {stream.path})")
    stream.stop()

    # A new client still gets a correct picture on the host.
    wlgp.start_pattern(wl, proxy, ["--seed", "77"])
    wlgp.check_screenshot(wl, host, 77, "after-many")

    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()

    dead = [p.describe() for p in shm + patterns if not p.alive()]
    assert not dead, "\n".join(dead)
    assert proxy.alive(), proxy.describe()
