"""Commits on synchronized and desynchronized subsurfaces through the copy
path (README: the proxy copies on each wl_surface.commit, and the host
applies a synchronized child's cached state, the proxy's host buffer
included, on the parent's commit).

subsurface-client takes a fullscreen parent and a 320x240 child through
eight steps (see its header comment); after each one the host's screen must
equal the picture computed here from the step table: a synchronized
child's commit shows nothing until the parent commits, then everything it
cached (two commits with damage of their own included); a desynchronized
child's commit shows at once.  Before each screenshot a fullscreen window
covers the client and goes away, so the host repaints all of it from the
buffers it holds, not only what it last found damaged.

The same client runs straight on a second weston, whose screen must equal
the same pictures: so a failure through the proxy is the proxy's.
"""

import signal

import wlgp

CHILD_X, CHILD_Y, CHILD_W, CHILD_H = 200, 120, 320, 240

ALL = (0, 0, CHILD_W, CHILD_H)
LEFT = (0, 0, CHILD_W // 2, CHILD_H)
RIGHT = (CHILD_W // 2, 0, CHILD_W // 2, CHILD_H)
TOP = (0, 0, CHILD_W, CHILD_H // 2)

# What the child shows after each step: rectangles of child coordinates,
# painted in order, each with its seed.
SHOWN = {
    1: [(ALL, 1)],
    2: [(ALL, 1)],            # synchronized: cached
    3: [(ALL, 2)],            # the parent's commit applies it
    4: [(ALL, 2)],            # two more cached commits
    5: [(LEFT, 3), (RIGHT, 4)],
    6: [(LEFT, 3), (RIGHT, 4), (TOP, 5)],  # desynchronized: at once
    7: [(LEFT, 3), (RIGHT, 4), (TOP, 5)],  # synchronized again: cached
    8: [(ALL, 6)],
}


def expected_screen(step):
    w, h = wlgp.HOST_WIDTH, wlgp.HOST_HEIGHT
    out = bytearray(wlgp.pattern_rgb(w, h, 0))
    for (x, y, rw, rh), seed in SHOWN[step]:
        child = wlgp.pattern_rgb(CHILD_W, CHILD_H, seed)
        for row in range(y, y + rh):
            a = ((CHILD_Y + row) * w + CHILD_X + x) * 3
            c = (row * CHILD_W + x) * 3
            out[a:a + rw * 3] = child[c:c + rw * 3]
    return bytes(out)


def repaint_all(wl, hosts):
    covers = [wl.client([wlgp.clients_dir() / "pattern-client", "--exit-after-ready",
                         "--seed", "5"], h, name="cover") for h in hosts]
    for cover in covers:
        assert cover.wait(10) == 0, cover.describe()


def test_sync_and_desync_subsurface_commits(copy_mode, wl, proxy_bin):
    host = wl.start_host()
    control = wl.start_host()
    proxy = wl.start_proxy(host)
    clients = {"proxied": wl.test_client("subsurface-client", [], proxy),
               "control": wl.test_client("subsurface-client", [], control)}
    shown_on = {"proxied": host, "control": control}
    for step in SHOWN:
        for c in clients.values():
            c.wait_for_output(rf"^STEP {step}$", 15)
        repaint_all(wl, shown_on.values())
        want = expected_screen(step)
        for tag in ("control", "proxied"):
            width, height, rgb = wl.screenshot(shown_on[tag])
            diff = wlgp.compare_rgb(rgb, want, width)
            if diff:
                wlgp.write_png(wl.logdir / f"step{step}-{tag}-expected.png",
                               width, height, want)
                wlgp.write_png(wl.logdir / f"step{step}-{tag}-actual.png",
                               width, height, rgb)
            assert diff is None, (
                ("the expectation is wrong: weston itself shows " if tag == "control"
                 else "through the proxy, the host shows ") +
                f"something else after step {step}: {diff} (pictures in {wl.logdir})")
        for c in clients.values():
            c.signal_group(signal.SIGUSR1)
    assert all(c.alive() for c in clients.values())
    assert proxy.alive(), proxy.describe()
