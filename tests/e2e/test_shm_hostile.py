"""Hostile wl_shm clients against the proxy's own wl_shm.

The proxy keeps guest pools to itself, so the host never sees them: every
wl_shm check libwayland-server does, the proxy must do, posting the same
error (interface, object, code, message) to the guilty client only.  Each
case runs shm-hostile-client (tests/clients/shm-hostile-client.c), which
exits 0 when the protocol error it expected arrived and the connection was
then closed.  Meanwhile a pattern-client keeps being served, the proxy stays
up, a new pattern-client still draws exactly, and (harness teardown) the
proxy exits cleanly on SIGTERM without a sanitizer report.

The expected errors are libwayland-server's (src/wayland-shm.c); the
direct-baseline test runs the same cases straight on weston to keep them so.
The one deliberate difference: the proxy also rejects a stride below
width * bytes per pixel, which libwayland-server lets through (it only
checks stride >= width) and which would make the proxy read past the row.
"""

import re

import pytest

import wlgp

# case -> the tail of the error message libwayland-client logs
CASES = {
    "pool-size-0": "invalid size (0)",
    "pool-size-negative": "invalid size (-4096)",
    "pool-pipe": None,  # "failed mmap fd N: <strerror>" in libwayland
    "bad-format": "invalid format 0x12345678",
    "negative-offset": "invalid width, height or stride (16x16, 64)",
    "zero-width": "invalid width, height or stride (0x16, 64)",
    "negative-height": "invalid width, height or stride (16x-1, 64)",
    "stride-too-small": "invalid width, height or stride (64x16, 128)",
    "beyond-pool": "invalid width, height or stride (32x32, 128)",
    "stride-overflow": "invalid width, height or stride (16x65537, 65536)",
    "offset-overflow": "invalid width, height or stride (4x4, 16)",
    "pool-shrink": "shrinking pool invalid",
    "memfd-truncated": "error accessing SHM buffer",
    "memfd-truncated-half": "error accessing SHM buffer",
    # Copied on the proxy's copy threads (1024x512): the fault comes on a
    # copy thread, whose own SIGBUS guard must catch it.
    "memfd-truncated-large": "error accessing SHM buffer",
    "memfd-truncated-large-half": "error accessing SHM buffer",
}

PROXY_ONLY = {"stride-too-small"}

EXPECT_RE = re.compile(r"^EXPECT interface=(\S+) id=(\d+) code=(\d+)$", re.M)
GOT_RE = re.compile(r"^PROTOCOL_ERROR interface=(\S+) id=(\d+) code=(\d+)$", re.M)
MESSAGE_RE = re.compile(r"^ERROR_MESSAGE (.*)$", re.M)


def run_case(wl, display, case):
    exe = wlgp.clients_dir() / "shm-hostile-client"
    result = wl.run([exe, case], display, timeout=15, name=f"hostile-{case}")
    return result


def check_case(result, case):
    out = result.stdout
    assert not result.timed_out, result.describe()
    want = EXPECT_RE.search(out)
    got = GOT_RE.search(out)
    assert result.returncode == 0, (
        f"{case}: expected {want and want.groups()}, got "
        f"{got.groups() if got else 'no protocol error'}:\n{result.describe()}")
    assert "DISCONNECTED" in out, f"{case}: not disconnected:\n{result.describe()}"
    text = CASES[case]
    if text is not None:
        m = MESSAGE_RE.search(out)
        assert m and m[1].endswith(text), (
            f"{case}: message {m and m[1]!r}, libwayland-server says {text!r}")


@pytest.mark.parametrize("case", list(CASES))
def test_hostile_shm_client(wl, host, proxy, clients_dir, case):
    bystander = wlgp.start_pattern(wl, proxy, ["--seed", "2"])

    check_case(run_case(wl, proxy, case), case)

    assert proxy.alive(), proxy.describe()
    wlgp.wait_alive_progress([bystander], timeout=5, increase=1)
    # A new client's pixels still reach the host exactly.
    fresh = wlgp.start_pattern(wl, proxy, ["--seed", "6"])
    wlgp.check_screenshot(wl, host, 6, f"after-{case}")
    assert bystander.alive(), bystander.describe()
    assert fresh.alive(), fresh.describe()
    assert proxy.alive(), proxy.describe()


def test_pool_grow_then_buffer_in_grown_part(wl, host, proxy, clients_dir):
    """Control: wl_shm_pool.resize upwards is legal; a buffer in the grown
    part is committed and its frame callback arrives."""
    result = run_case(wl, proxy, "grow-ok")
    assert result.returncode == 0 and "OK" in result.stdout, result.describe()
    assert proxy.alive(), proxy.describe()


def test_pool_created_before_format_events(wl, host, proxy, clients_dir):
    """A pool created right after binding wl_shm, before its format events,
    must accept every format the host then advertises (RGB565 on weston),
    as libwayland-server's pools do: formats are the global's, not a
    snapshot taken when the pool was made."""
    result = run_case(wl, proxy, "early-pool-rgb565")
    assert result.returncode == 0 and "OK" in result.stdout, result.describe()
    assert proxy.alive(), proxy.describe()


def test_expectations_match_libwayland_direct(wl, host, clients_dir):
    """The same cases straight on weston: libwayland-server posts exactly the
    errors the proxy is held to (stride-too-small aside, see above)."""
    for case in CASES:
        if case in PROXY_ONLY:
            continue
        check_case(run_case(wl, host, case), case)
    result = run_case(wl, host, "stride-too-small")
    assert result.returncode == 1 and "NO_ERROR" in result.stdout, (
        "libwayland-server now rejects stride < width*4 itself:\n" + result.describe())
    for case in ("grow-ok", "early-pool-rgb565"):
        result = run_case(wl, host, case)
        assert result.returncode == 0 and "OK" in result.stdout, result.describe()


@pytest.mark.parametrize("case", ["memfd-truncated-large", "memfd-truncated-large-half"])
def test_truncated_pool_while_others_copy(copy_mode, wl, host, proxy, clients_dir, case):
    """A pool truncated under a copy while two other clients have full
    1080p frames copied (on copy threads, or inline): only the truncating
    client gets the wl_shm error; the others draw every frame, exactly as
    they say, and the proxy stays up."""
    spec = wlgp.DamageSpec(frames=150, seed=3, damage_everything=True,
                           no_frame_wait=True)
    copiers = [wlgp.spawn_damage_client(wl, proxy, spec) for _ in range(2)]
    for c in copiers:
        c.wait_for_output(r"^CONFIGURED ", timeout=10)
    check_case(run_case(wl, proxy, case), case)
    # The truncation came while they were still copying frames.
    assert not any("\nEND" in "\n" + c.stdout() for c in copiers), (
        "the copiers were done before the pool was truncated: the case "
        "overlapped nothing")
    for c in copiers:
        wlgp.wait_damage_client(c)
        assert c.alive(), c.describe()
    assert proxy.alive(), proxy.describe()
