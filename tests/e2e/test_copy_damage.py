"""The proxy copies exactly the damaged pixels, no more, no less.

With --verbose the proxy logs one `copy:` line per commit that copies:
  copy: client PID surface ID commit N: copied B bytes in R rects of a WxH
  buffer (host buffer I[, new])
Its host buffers form a small ring per surface; a host buffer that comes
round again must be brought up to date with everything committed since it
was last written, i.e. the union of the damage of every commit since then
(the damage in buffer pixels: after buffer scale, transform and viewport).
A new (or reallocated) host buffer is copied whole.

damage-client reports the damage of each of its commits in buffer pixels
(and damages exactly that, through damage_buffer or, mapped exactly, through
wl_surface.damage in surface coordinates), so for every `copy:` line:
  B == 4 * area(union of the damage of the commits since host buffer I was
                last written)       (W*H*4 for ", new"; 2, not 4, for RGB565)
  R == the number of rectangles of that union as pixman keeps it.
The client also records whether each commit's wl_buffer.release arrived
before the commit's frame callback: the proxy releases the guest buffer as
soon as it has copied it.

test_nothing_outside_the_damage_reaches_the_host checks the same rule on
the host's screen, independently of the proxy's log: poison-client's buffer
holds magenta outside the damage it commits, so a copy of anything more
than the damage shows magenta.
"""

import re

import pytest

import wlgp

RING_MAX_BUFFERS = 4

MODES = {
    "buffer-damage": dict(),
    "one-buffer": dict(buffers=1),
    "surface-damage-transform-90-scale-2": dict(transform="90", scale=2, block=2,
                                                surface_damage=True),
    "surface-damage-flipped-180": dict(transform="flipped-180", surface_damage=True),
    "viewport-surface-damage": dict(viewport=(40, 24, 640, 360), surface_damage=True),
    "viewport-downscale-surface-damage": dict(viewport=(64, 32, 2560, 1440), block=2,
                                              surface_damage=True),
    # damage_buffer anywhere in the buffer, also outside the source crop
    "viewport-buffer-damage": dict(viewport=(40, 24, 1200, 680)),
    "resize": dict(resize_at=15, resize_to=(960, 540)),
    # 2 bytes a pixel, odd width, padded rows, buffer inside its pool
    "rgb565-odd-size-padded": dict(format="rgb565", size=(961, 541), stride_pad=6,
                                   offset=10),
    # (0, 0, INT32_MAX, INT32_MAX), as many clients send it: clamped and
    # clipped to the whole buffer, through scale + transform or a viewport
    "damage-everything-surface-scale-2-transform-270": dict(
        transform="270", scale=2, block=2, surface_damage=True, damage_everything=True),
    "damage-everything-surface-viewport": dict(
        viewport=(40, 24, 640, 360), surface_damage=True, damage_everything=True),
    "damage-everything-buffer": dict(frames=10, damage_everything=True),
    # not paced by frame callbacks: commits outrun the host's releases until
    # all four host buffers are busy and the proxy holds a commit back
    "no-frame-wait": dict(frames=400, no_frame_wait=True),
}


BYTES_PER_PIXEL = {"xrgb8888": 4, "rgb565": 2}


def copy_accounting_problems(out, lines, bpp=4):
    """Checks the proxy's copy lines of one surface against the client's
    commits (bpp bytes a pixel); returns a list of problems (empty if
    exact)."""
    problems = []
    records = sorted(out["records"], key=lambda r: r.commit)
    by_commit = {}
    for line in lines:
        if line["commit"] in by_commit:
            problems.append(f"commit {line['commit']}: two copy lines")
        by_commit[line["commit"]] = line
    committed = {r.commit for r in records}
    for n in sorted(set(by_commit) - committed):
        problems.append(f"commit {n}: copy line for a commit without a buffer")
    last_write = {}  # host buffer index -> (commit, geometry)
    new_per_geometry = {}
    for i, rec in enumerate(records):
        line = by_commit.get(rec.commit)
        if line is None:
            problems.append(f"commit {rec.commit}: no copy line (damage {rec.rects})")
            continue
        geometry = (rec.width, rec.height)
        where = (f"commit {rec.commit} (host buffer {line['index']}"
                 f"{', new' if line['new'] else ''})")
        if (line["w"], line["h"]) != geometry:
            problems.append(f"{where}: logged {line['w']}x{line['h']}, client buffer is "
                            f"{rec.width}x{rec.height}")
        if not 0 <= line["index"] < RING_MAX_BUFFERS:
            problems.append(f"{where}: host buffer index out of 0..3")
        if line["new"]:
            want_bytes, want_rects = rec.width * rec.height * bpp, 1
            new_per_geometry[geometry] = new_per_geometry.get(geometry, 0) + 1
        else:
            prev = last_write.get(line["index"])
            if prev is None or prev[1] != geometry:
                problems.append(f"{where}: written without ', new' but never written "
                                f"at {rec.width}x{rec.height} before")
                last_write[line["index"]] = (rec.commit, geometry)
                continue
            rects = []
            for r in records[:i + 1]:
                if r.commit > prev[0]:
                    rects += r.rects
            rects = wlgp.clip_rects(rects, rec.width, rec.height)
            want_bytes = bpp * wlgp.region_area(rects)
            want_rects = wlgp.region_rect_count(rects)
        if line["bytes"] != want_bytes:
            problems.append(f"{where}: copied {line['bytes']} bytes, the damage since "
                            f"that buffer was last written is {want_bytes} bytes")
        if line["rects"] != want_rects:
            problems.append(f"{where}: {line['rects']} rects, the damage region has "
                            f"{want_rects}")
        last_write[line["index"]] = (rec.commit, geometry)
    for geometry, count in new_per_geometry.items():
        if count > RING_MAX_BUFFERS:
            problems.append(f"{count} host buffers allocated at {geometry[0]}x"
                            f"{geometry[1]}: more than the ring holds")
    return problems


def release_order_problems(out):
    return [f"commit {r.commit}: wl_buffer.release "
            f"{'never came' if not r.release else 'came after the frame callback'}"
            for r in out["records"] if not (r.release and r.release < r.frame_done)]


def run_proxied(wl, spec, copy_mode):
    host = wl.start_host()
    proxy = wlgp.start_verbose_proxy(wl, host)
    client, out = wlgp.start_damage_client(wl, proxy, spec)
    assert out["pid"] == client.pid
    lines = wlgp.parse_copy_lines(proxy.stderr(), pid=client.pid, surface=out["surface"])
    assert lines, ("no `copy:` line for the client's surface in the proxy's log:\n"
                   + proxy.describe())
    problems = wlgp.copy_mode_problems(lines, copy_mode)
    assert not problems, "\n".join(problems[:10])
    return proxy, client, out, lines


@pytest.mark.parametrize("mode", list(MODES))
def test_copy_is_damage_exact(wl, proxy_bin, mode, copy_mode):
    spec = wlgp.DamageSpec(**{"frames": 30, **MODES[mode]})
    proxy, client, out, lines = run_proxied(wl, spec, copy_mode)
    problems = copy_accounting_problems(out, lines, BYTES_PER_PIXEL[spec.format])
    assert not problems, (f"{spec.describe()}: {len(problems)} problems:\n  "
                          + "\n  ".join(problems[:15]) + f"\n(logs in {wl.logdir})")
    problems = release_order_problems(out)
    assert not problems, "\n".join(problems[:10])
    if spec.no_frame_wait:
        # What the mode is for: commits outran the host's releases until
        # all four host buffers were busy, and the proxy held the next
        # commit back (then copied it, as accounted above).
        # With copy threads a commit may instead wait behind its own copy
        # (and the client, slowed by that, may never fill the ring).
        held = wlgp.parse_hold_lines(proxy.stderr(), client.pid, out["surface"])
        if copy_mode == "threads":
            held = held or [line["commit"] for line in lines if line["threaded"]]
        assert held, "no commit was held back\n" + proxy.describe()
        copied = {line["commit"] for line in lines}
        assert set(held) <= copied, f"held-back commits never copied: {set(held) - copied}"
    assert client.alive(), client.describe()
    assert proxy.alive(), proxy.describe()


def test_small_damage_copies_little(wl, proxy_bin, copy_mode):
    """120 frames of small damage copy far less than 120 whole buffers."""
    spec = wlgp.DamageSpec(frames=120, seed=7)
    proxy, client, out, lines = run_proxied(wl, spec, copy_mode)
    problems = copy_accounting_problems(out, lines)
    assert not problems, "\n".join(problems[:15])
    size = wlgp.HOST_WIDTH * wlgp.HOST_HEIGHT * 4
    total = sum(line["bytes"] for line in lines)
    partial = [line["bytes"] for line in lines if not line["new"]]
    assert len(lines) == spec.nframes
    assert len(partial) >= spec.nframes - RING_MAX_BUFFERS
    assert total < spec.nframes * size / 10, (
        f"copied {total} bytes for {spec.nframes} frames of {size} bytes")
    assert max(partial) < size / 4, f"a partial copy of {max(partial)} bytes"


def test_release_order_direct_baseline(wl):
    """The instrument: straight on weston (which holds the attached buffer
    until the next commit) no release comes before its frame callback, so
    the proxied assertion above is not vacuous."""
    host = wl.start_host()
    spec = wlgp.DamageSpec(frames=10)
    _client, out = wlgp.start_damage_client(wl, host, spec)
    early = [r.commit for r in out["records"] if r.release and r.release < r.frame_done]
    assert not early, f"direct weston released early for commits {early}"


MAGENTA = b"\xff\x00\xff"


def poison_expected(width, height, zones, seed, frames, outside):
    """poison-client's screen: the pattern of seed + frames in its zones,
    `outside` (the pattern of seed, or magenta) everywhere else."""
    inside = wlgp.pattern_rgb(width, height, seed + frames)
    out = bytearray(outside)
    for x, y, w, h in zones:
        for row in range(y, y + h):
            a = (row * width + x) * 3
            out[a:a + w * 3] = inside[a:a + w * 3]
    return bytes(out)


def test_nothing_outside_the_damage_reaches_the_host(wl, proxy_bin):
    """poison-client repaints two small zones at opposite corners, damaging
    only them, after overwriting the rest of its only buffer with magenta.
    A fullscreen window then covers it and goes away, so the host repaints
    all of it from the buffer it holds.  Through the proxy the host buffer
    holds the damage alone on top of what was committed before: the
    pattern, never magenta.  Straight on weston (the control), which reads
    the client's memory, the magenta shows: so the screenshot can see
    over-copying."""
    seed, frames = 3, 12
    host = wl.start_host()
    control = wl.start_host()
    proxy = wl.start_proxy(host)
    clients = [wl.test_client("poison-client", ["--seed", str(seed), "--frames",
                                                str(frames), "--poison-from", "6"], d)
               for d in (proxy, control)]
    for c in clients:
        c.wait_for_output(r"^END$", 30)
    m = re.search(r"^ZONES (\S+)$", clients[0].stdout(), re.M)
    zones = [tuple(int(v) for v in z.split(",")) for z in m[1].split(";")]
    conf = re.search(r"^CONFIGURED (\d+)x(\d+)$", clients[0].stdout(), re.M)
    assert (int(conf[1]), int(conf[2])) == (wlgp.HOST_WIDTH, wlgp.HOST_HEIGHT)

    covers = [wl.client([wlgp.clients_dir() / "pattern-client", "--exit-after-ready",
                         "--seed", "5"], h, name="cover") for h in (host, control)]
    for cover in covers:
        assert cover.wait(10) == 0, cover.describe()

    w, h = wlgp.HOST_WIDTH, wlgp.HOST_HEIGHT
    shots = {"control": wl.screenshot(control), "proxied": wl.screenshot(host)}
    wants = {
        "control": poison_expected(w, h, zones, seed, frames, MAGENTA * (w * h)),
        "proxied": poison_expected(w, h, zones, seed, frames,
                                   wlgp.pattern_rgb(w, h, seed)),
    }
    for tag in ("control", "proxied"):
        diff = wlgp.compare_rgb(shots[tag][2], wants[tag], w)
        if diff:
            wlgp.write_png(wl.logdir / f"{tag}-expected.png", w, h, wants[tag])
            wlgp.write_png(wl.logdir / f"{tag}-actual.png", *shots[tag])
        if tag == "control":
            assert diff is None, (
                "test premise: straight on weston the magenta outside the damage "
                f"shows after the repaint: {diff} (pictures in {wl.logdir})")
        else:
            assert diff is None, (
                "through the proxy, pixels outside the committed damage reached the "
                f"host: {diff} (pictures in {wl.logdir})")
    assert all(c.alive() for c in clients)
    assert proxy.alive(), proxy.describe()
