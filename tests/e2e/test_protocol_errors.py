"""Protocol errors: the host's reach the guilty client only; garbage on
the wire disconnects only the client that sent it."""

import re

import pytest

import wlgp

# Requests only the host rejects (the proxy's shield has no rule for them).
BAD_REQUESTS = ["shm-stride"]
# Requests the shield refuses itself (test_shield.py has one case per
# rule): the guest gets the error weston would give, without weston.
SHIELDED = ["ack-unconstructed", "unconfigured-buffer"]
GARBAGE = ["bad-object", "bad-opcode", "truncated", "short-size", "huge-size"]


def parse_error(result):
    m = re.search(r"^PROTOCOL_ERROR interface=(\S+) id=(\d+) code=(\d+)$",
                  result.stdout, re.M)
    msg = re.search(r"^ERROR_MESSAGE (.*)$", result.stdout, re.M)
    serial = re.search(r"^BAD_SERIAL (\d+)$", result.stdout, re.M)
    return {
        "interface": m and m[1],
        "id": m and int(m[2]),
        "code": m and int(m[3]),
        "message": msg and msg[1],
        "serial": serial and serial[1],
    }


@pytest.fixture
def bystander(wl, proxy, clients_dir):
    """Another client of the same proxy that must keep working."""
    client = wl.test_client("pattern-client", ["--animate", "--size", "200x150"], proxy)
    client.wait_for_output(r"^READY", 10)
    wlgp.wait_alive_progress([client])
    return client


@pytest.mark.parametrize("mode", BAD_REQUESTS)
def test_host_error_reaches_only_that_client(wl, host, proxy, clients_dir, bystander, mode):
    exe = clients_dir / "bad-request-client"
    direct = wl.run([exe, mode], host, timeout=10, name=f"bad-{mode}-direct")
    assert direct.returncode == 0, "weston does not reject it directly:\n" + direct.describe()
    via = wl.run([exe, mode], proxy, timeout=10, name=f"bad-{mode}-proxied")
    assert via.returncode == 0, via.describe()

    want, got = parse_error(direct), parse_error(via)
    if mode == "bad-serial":
        # The message names the serial acked, which differs between runs.
        want["message"] = want["message"].replace(want["serial"], got["serial"] or "?")
    for key in ("interface", "id", "code", "message"):
        assert got[key] == want[key], f"{key}: {got[key]!r} != {want[key]!r}\n" + via.describe()

    assert proxy.alive(), proxy.describe()
    wlgp.wait_alive_progress([bystander])
    assert bystander.alive(), bystander.describe()


@pytest.mark.parametrize("mode", SHIELDED)
def test_shielded_error_is_the_hosts(wl, host, proxy, clients_dir, bystander, mode):
    exe = clients_dir / "bad-request-client"
    direct = wl.run([exe, mode], host, timeout=10, name=f"bad-{mode}-direct")
    assert direct.returncode == 0, "weston does not reject it directly:\n" + direct.describe()
    via = wl.run([exe, mode], proxy, timeout=10, name=f"bad-{mode}-proxied")
    assert via.returncode == 0, via.describe()
    want, got = parse_error(direct), parse_error(via)
    for key in ("interface", "id", "code"):
        assert got[key] == want[key], f"{key}: {got[key]!r} != {want[key]!r}\n" + via.describe()
    assert proxy.alive(), proxy.describe()
    wlgp.wait_alive_progress([bystander])


def test_bad_serial_gets_the_xml_error(wl, host, proxy, clients_dir, bystander):
    """weston 10 answers a never-sent serial with xdg_wm_base's older
    invalid_surface_state; xdg-shell.xml (1.31) says xdg_surface
    invalid_serial, and that is what the shield raises."""
    exe = clients_dir / "bad-request-client"
    via = wl.run([exe, "bad-serial"], proxy, timeout=10, name="bad-serial-proxied")
    got = parse_error(via)
    assert (got["interface"], got["code"]) == ("xdg_surface", 4), via.describe()
    assert proxy.alive(), proxy.describe()
    wlgp.wait_alive_progress([bystander])


@pytest.mark.parametrize("variant", GARBAGE)
def test_garbage_disconnects_only_that_client(wl, host, proxy, clients_dir, bystander, variant):
    result = wl.run([clients_dir / "garbage-client", variant], proxy, timeout=10,
                    name=f"garbage-{variant}")
    assert result.returncode == 0, "not disconnected:\n" + result.describe()
    assert "EOF" in result.stdout
    assert proxy.alive(), proxy.describe()
    wlgp.wait_alive_progress([bystander])
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
