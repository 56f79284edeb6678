"""Pixels copied by the proxy's shm copy engine reach the host exactly.

The proxy keeps the guest's wl_shm pools to itself and copies each commit's
damaged pixels into host buffers of its own.  damage-client draws a
deterministic animation with partial damage over many frames (several
wl_buffers in rotation, buffer age), under buffer scale, buffer transform,
wp_viewport and a resize; the host's screenshot of the client's area must
equal the picture computed in Python (wlgp.DamageSpec), every pixel.

Each case also runs the same client straight on a second weston: that
screenshot must equal the same expectation (so a failure through the proxy
is the proxy's, not the test's), and the two whole screenshots must be
identical.
"""

import pytest

import wlgp

MODES = {
    "buffer-damage": dict(),
    "surface-damage": dict(surface_damage=True),
    # one wl_buffer, re-used at once: only possible because the proxy
    # releases it right after the copy (the direct control uses three)
    "one-buffer": dict(buffers=1),
    # buffer scale 2: weston samples the buffer bilinearly between two
    # pixels, so the content is made of 2x2 cells (block 2).
    "scale-2": dict(scale=2, block=2, surface_damage=True),
    "transform-90": dict(transform="90", surface_damage=True),
    "transform-flipped-90": dict(transform="flipped-90"),
    "transform-180": dict(transform="180", surface_damage=True),
    "transform-flipped-270-scale-2": dict(transform="flipped-270", scale=2, block=2,
                                           surface_damage=True),
    # source crop 640x360 at (40,24) of a 720x408 buffer, shown at 1280x720
    "viewport-crop-upscale": dict(viewport=(40, 24, 640, 360), surface_damage=True),
    # damage_buffer anywhere, also outside the source rectangle
    "viewport-crop-buffer-damage": dict(viewport=(40, 24, 1200, 680)),
    # 2560x1440 source shown at 1280x720 (2x2 cells, as for scale 2)
    "viewport-downscale": dict(viewport=(64, 32, 2560, 1440), block=2,
                               surface_damage=True),
    # 1280x720 for 12 frames, then 960x540 (centred): whole new buffers
    "resize": dict(resize_at=12, resize_to=(960, 540)),
    # 961x541 RGB565 (2 bytes a pixel, odd width: the host's rows are
    # padded to 4 bytes), rows padded by 6 bytes, 10 bytes into its pool
    "rgb565-odd-size-padded": dict(format="rgb565", size=(961, 541), stride_pad=6,
                                   offset=10, surface_damage=True),
    # XRGB8888 rows padded by 12 bytes, 64 bytes into its pool
    "xrgb-padded-offset": dict(size=(961, 541), stride_pad=12, offset=64),
    # commits as fast as buffers come back, not paced by frame callbacks:
    # the proxy must hold a commit back while the host still holds all of
    # the surface's host buffers (copy/buffer_ring.h, RING_FULL)
    "no-frame-wait": dict(frames=400, no_frame_wait=True),
}


FRAMES = 24


def check_area(wl, tag, shot, expected):
    """The client's area of a host screenshot equals expected = (sw, sh, rgb)."""
    width, height, rgb = shot
    assert (width, height) == (wlgp.HOST_WIDTH, wlgp.HOST_HEIGHT)
    sw, sh, want = expected
    ox, oy = wlgp.fullscreen_origin(sw, sh)
    actual = wlgp.crop_rgb(rgb, width, ox, oy, sw, sh)
    diff = wlgp.compare_rgb(actual, want, sw)
    if diff:
        wlgp.write_png(wl.logdir / f"{tag}-expected.png", sw, sh, want)
        wlgp.write_png(wl.logdir / f"{tag}-actual.png", sw, sh, actual)
    return diff


@pytest.mark.parametrize("mode", list(MODES))
def test_copied_pixels_exact(copy_mode, wl, proxy_bin, mode):
    params = {"frames": FRAMES, **MODES[mode]}
    spec = wlgp.DamageSpec(**params)
    # weston holds the attached buffer until the next one: one buffer is a
    # proxy-only mode.  The picture does not depend on the buffer count.
    control_spec = wlgp.DamageSpec(**{**params, "buffers": max(spec.buffers, 3)})
    host = wl.start_host()
    control = wl.start_host()
    # --verbose: the proxy says where it copied (copy threads or inline)
    # and, in the no-frame-wait mode, when it held commits back (asserted
    # below).
    proxy = wlgp.start_verbose_proxy(wl, host)

    proxied = wlgp.spawn_damage_client(wl, proxy, spec)
    direct = wlgp.spawn_damage_client(wl, control, control_spec)
    out = wlgp.wait_damage_client(proxied)
    out_direct = wlgp.wait_damage_client(direct)
    assert out["conf"] == out_direct["conf"] == (wlgp.HOST_WIDTH, wlgp.HOST_HEIGHT)
    expected = spec.surface_rgb(out["conf"])

    shot_direct = wl.screenshot(control)
    diff = check_area(wl, "direct", shot_direct, expected)
    assert diff is None, (
        f"the expectation is wrong: weston itself shows something else for "
        f"{spec.describe()}: {diff} (pictures in {wl.logdir})")

    shot = wl.screenshot(host)
    diff = check_area(wl, "proxied", shot, expected)
    assert diff is None, (
        f"through the proxy, {spec.describe()}: {diff} (pictures in {wl.logdir})")
    if shot[2] != shot_direct[2]:
        wlgp.write_png(wl.logdir / "whole-direct.png", *shot_direct)
        wlgp.write_png(wl.logdir / "whole-proxied.png", *shot)
        pytest.fail("outside the client's area the proxied screen differs from the "
                    f"direct one: {wlgp.compare_rgb(shot[2], shot_direct[2], shot[0])}")

    lines = wlgp.parse_copy_lines(proxy.stderr(), proxied.pid, out["surface"])
    assert lines, "no copy: line for the client's surface\n" + proxy.describe()
    problems = wlgp.copy_mode_problems(lines, copy_mode)
    assert not problems, "\n".join(problems[:10])
    if spec.no_frame_wait:
        # Held back: behind a full ring, or (copy threads) behind its own
        # copy; either way later requests were held and replayed.  With
        # copy threads the client is slowed by its copies and the ring may
        # never fill; inline it must.
        held = wlgp.parse_hold_lines(proxy.stderr(), proxied.pid, out["surface"])
        if copy_mode == "threads":
            held = held or [line["commit"] for line in lines if line["threaded"]]
        assert held, ("no commit was held back, so the picture says nothing "
                      "about held commits\n" + proxy.describe())
    assert proxied.alive(), proxied.describe()
    assert proxy.alive(), proxy.describe()


def test_guest_pool_not_shared_with_host(copy_mode, wl, proxy_bin):
    """After its last commit the client overwrites every buffer with magenta
    (no new commit); a fullscreen window then covers it and goes away, so the
    host repaints the client's surface from the buffer it holds.  Straight on
    weston (pixman re-reads the client's pool) the magenta shows; through the
    proxy the host holds the proxy's copy, so the committed picture shows."""
    spec = wlgp.DamageSpec(frames=12, scribble=True)
    host = wl.start_host()
    control = wl.start_host()
    proxy = wl.start_proxy(host)

    proxied = wlgp.spawn_damage_client(wl, proxy, spec)
    direct = wlgp.spawn_damage_client(wl, control, spec)
    out = wlgp.wait_damage_client(proxied)
    wlgp.wait_damage_client(direct)
    covers = [wl.client([wlgp.clients_dir() / "pattern-client", "--exit-after-ready",
                         "--seed", "5"], h, name="cover") for h in (host, control)]
    for cover in covers:
        assert cover.wait(10) == 0, cover.describe()

    width, height, rgb = wl.screenshot(control)
    magenta = b"\xff\x00\xff" * (width * height)
    assert rgb == magenta, (
        "test premise: weston's pixman renderer re-reads a client's shm pool on "
        f"repaint, so the direct control should show the scribble: "
        f"{wlgp.compare_rgb(rgb, magenta, width)}")

    diff = check_area(wl, "proxied", wl.screenshot(host), spec.surface_rgb(out["conf"]))
    assert diff is None, (
        "memory the client wrote after its last commit reached the host screen "
        f"through the proxy: {diff} (pictures in {wl.logdir})")
    assert proxied.alive(), proxied.describe()
    assert proxy.alive(), proxy.describe()
