"""Keymaps and keys through the proxy on a host with a real seat (weston on
Xvfb, seat_host.py): the keymap a guest gets is a sealed read-only memfd
that libxkbcommon compiles, keys typed into the host window with xdotool
arrive as the right keysyms, and --keymap replaces the host's keymap."""

import re
import subprocess
import time

import pytest

import seat_host
import wlgp

KEYMAP_RE = re.compile(
    r"^KEYMAP format=(?P<format>\d+) size=(?P<size>\d+) filesize=(?P<filesize>-?\d+) "
    r"rdonly=(?P<rdonly>\d) seals=(?P<seals>\S+) nul=(?P<nul>\d) "
    r"compiled=(?P<compiled>\d) file=(?P<file>\d+:\d+) layout=(?P<layout>.*)$", re.M)
KEY_RE = re.compile(r"^KEY sym=(\S+) utf8=(\S+) code=(\d+)$", re.M)
MODIFIER_SYMS = {"Shift_L", "Shift_R", "Control_L", "Control_R", "Alt_L", "Alt_R",
                 "ISO_Level3_Shift"}


@pytest.fixture
def seat(wl, proxy_bin):
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools for the seat tests: {missing}", pytrace=False)
    return seat_host.start_weston_x11(wl)


def start_keyboard_client(wl, display, timeout=15):
    """keyboard-client with the focus: returns (proc, parsed KEYMAP line)."""
    client = wl.test_client("keyboard-client", [], display)
    m = client.wait_for_output(KEYMAP_RE.pattern, timeout)
    client.wait_for_output(r"^ENTER$", timeout)
    return client, m.groupdict()


def typed_syms(client, keys, host, timeout=10):
    """Types keys into the host window; returns the keysym names the client
    reports for them (modifier presses left out)."""
    def syms():
        return [sym for sym, _utf8, _code in KEY_RE.findall(client.stdout())
                if sym not in MODIFIER_SYMS]
    before = len(syms())
    seat_host.type_keys(host, *keys)
    wlgp.wait_until(lambda: len(syms()) >= before + len(keys), timeout)
    got = syms()[before:]
    assert len(got) == len(keys), f"sent {keys}, got {got}:\n{client.describe()}"
    return got


def check_keymap_fd(km, layout):
    assert km["format"] == "1", km                 # xkb_v1
    assert int(km["size"]) > 1000, km
    assert km["filesize"] == km["size"], km        # sized exactly, NUL included
    assert km["rdonly"] == "1", km
    assert km["seals"] == "shrink,grow,write,seal", km
    assert km["nul"] == "1", km
    assert km["compiled"] == "1", km
    assert km["layout"] == layout, km


def test_keymap_compiles_and_keys_arrive(wl, seat):
    proxy = wlgp.start_verbose_proxy(wl, seat)
    client, km = start_keyboard_client(wl, proxy)
    check_keymap_fd(km, "English (US)")
    syms = typed_syms(client, ["a", "y", "z", "1", "shift+a", "Return"], seat)
    assert syms == ["a", "y", "z", "1", "A", "Return"], syms


def test_keymap_same_as_direct(wl, seat):
    """The keymap the guest compiles describes the same keyboard as the one a
    client straight on the host gets (same layout, same keysyms)."""
    direct, km_direct = start_keyboard_client(wl, seat)
    direct_syms = typed_syms(direct, ["q", "w", "shift+2", "minus"], seat)
    direct.stop()
    proxy = wl.start_proxy(seat)
    client, km = start_keyboard_client(wl, proxy)
    assert km["layout"] == km_direct["layout"]
    assert typed_syms(client, ["q", "w", "shift+2", "minus"], seat) == direct_syms


def test_keymap_compiled_once_per_host_keymap(wl, seat):
    """Every client gets the host's keymap on its own host connection; the
    proxy compiles it once: every client's keymap fd is the same memfd
    (st_dev:st_ino, as the unit test checks), which a keymap made anew
    for each could not be while the clients hold theirs."""
    proxy = wl.start_proxy(seat)
    clients = [start_keyboard_client(wl, proxy) for _ in range(3)]
    for _client, km in clients:
        check_keymap_fd(km, "English (US)")
    files = [km["file"] for _client, km in clients]
    assert all(not f.endswith(":0") for f in files), files
    assert len(set(files)) == 1, f"the clients got different keymap files: {files}"


def test_keymap_override_rmlvo(wl, seat):
    """--keymap layout=de: the German layout swaps y and z."""
    proxy = wl.start_proxy(seat, extra=["--keymap", "layout=de,variant=nodeadkeys"])
    client, km = start_keyboard_client(wl, proxy)
    check_keymap_fd(km, "German (no dead keys)")
    assert typed_syms(client, ["y", "z", "a"], seat) == ["z", "y", "a"]


def test_keymap_override_file(wl, seat, tmp_path):
    """--keymap FILE: a keymap file (French AZERTY, made by xkbcli) is what
    guests get; q on the host's US keyboard is a on AZERTY."""
    path = tmp_path / "fr.xkb"
    text = subprocess.run(["xkbcli", "compile-keymap", "--layout", "fr"],
                          capture_output=True, text=True, check=True).stdout
    path.write_text(text)
    proxy = wl.start_proxy(seat, extra=["--keymap", str(path)])
    client, km = start_keyboard_client(wl, proxy)
    check_keymap_fd(km, "French")
    assert typed_syms(client, ["q", "a", "w"], seat) == ["a", "q", "z"]


@pytest.mark.parametrize("spec,message", [
    ("layout=de,colour=red", r"unknown name in --keymap"),
    ("layout=de,layout=fr", r"given twice"),
    ("", r"needs a file or RMLVO"),
])
def test_keymap_override_bad_syntax(wl, host, spec, message):
    proc = wl.spawn_proxy(wl.proxy_argv(wl.unique("guest"), host, ["--keymap", spec]),
                          expect_exit=1)
    assert proc.wait(10) == 1, proc.describe()
    assert re.search(message, proc.stderr()), proc.describe()


@pytest.mark.parametrize("spec", ["layout=no-such-layout", "/nonexistent/keymap.xkb"])
def test_keymap_override_that_does_not_compile(wl, host, spec):
    """An override that does not compile stops the proxy at start-up, with
    the reason, rather than giving guests something else."""
    proc = wl.spawn_proxy(wl.proxy_argv(wl.unique("guest"), host, ["--keymap", spec]),
                          expect_exit=1)
    assert proc.wait(10) == 1, proc.describe()
    assert "--keymap" in proc.stderr(), proc.describe()


def test_keymap_option_in_help(proxy_bin):
    out = subprocess.run([str(proxy_bin), "--help"], capture_output=True, text=True)
    assert out.returncode == 0
    assert "--keymap FILE|RMLVO" in out.stdout


def test_foot_types_through_proxy(wl, seat, tmp_path):
    """foot (which needs a seat and wl_data_device_manager) starts through
    the proxy, and a line typed on the host reaches its shell."""
    ready = tmp_path / "foot-ready"
    out = tmp_path / "foot-line"
    script = f'touch {ready}; read line; printf "%s" "$line" > {out}.tmp; mv {out}.tmp {out}'
    proxy = wl.start_proxy(seat)
    foot = wl.client(["foot", "--override=font=monospace:size=8", "sh", "-c", script],
                     proxy, name="foot")
    wlgp.wait_until(lambda: ready.exists() or not foot.alive(), 15)
    assert ready.exists(), foot.describe()
    # The shell runs once foot has its terminal; give the window the
    # moment it needs to be mapped and focused.
    time.sleep(1.0)
    seat_host.type_text(seat, "hello proxy")
    seat_host.type_keys(seat, "Return")
    wlgp.wait_until(lambda: out.exists(), 10)
    assert out.exists(), foot.describe()
    assert out.read_text() == "hello proxy"
    assert not wlgp.error_lines(foot.stderr()), foot.describe()


# --------------------------------------------------------------------------
# A host keymap that does not compile (tests/hosts/test-host sends any text
# as the keymap, then presses the keys --keys names once a window has the
# focus): guests get the default layout instead.

BAD_KEYMAP = 'xkb_keymap {\n\txkb_keycodes "broken" { this is not a keymap };\n};\n'
# evdev codes of the keys labelled Z and Y on a US keyboard
HOST_KEYS = "44,21"


def host_keymap_run(wl, keymap_text, tmp_path, tag, via_proxy):
    """keyboard-client on test-host sending keymap_text, straight or
    through a proxy: (KEYMAP fields, keysyms of HOST_KEYS, proxy or None)."""
    path = tmp_path / f"{tag}.xkb"
    path.write_text(keymap_text)
    host = wl.start_test_host(["--keymap", str(path), "--keys", HOST_KEYS])
    proxy = wl.start_proxy(host) if via_proxy else None
    client, km = start_keyboard_client(wl, proxy or host)
    syms = []
    if km["compiled"] == "1":
        wlgp.wait_until(lambda: len(KEY_RE.findall(client.stdout())) >= 2, 10)
        syms = [sym for sym, _utf8, _code in KEY_RE.findall(client.stdout())]
    client.stop()
    return km, syms, proxy


def xkbcli_keymap(*args):
    """A keymap from RMLVO names; the names not given are libxkbcommon's
    defaults (evdev, pc105, us: xkbcli prints usage if given none)."""
    return subprocess.run(["xkbcli", "compile-keymap", "--rules", "evdev", *args],
                          capture_output=True, text=True, check=True).stdout


def test_host_keymap_that_does_not_compile(wl, proxy_bin, tmp_path):
    # The oracle: libxkbcommon's default names, compiled by xkbcli and
    # sent straight to a client by the host.
    default_km, default_syms, _ = host_keymap_run(wl, xkbcli_keymap(), tmp_path,
                                                  "default", via_proxy=False)
    assert default_km["compiled"] == "1" and default_syms == ["z", "y"], default_km
    # The host's keymap really does not compile: a client straight on it
    # gets nothing it can use.
    bad_km, _, _ = host_keymap_run(wl, BAD_KEYMAP, tmp_path, "bad-direct",
                                   via_proxy=False)
    assert bad_km["compiled"] == "0", bad_km

    km, syms, proxy = host_keymap_run(wl, BAD_KEYMAP, tmp_path, "bad", via_proxy=True)
    check_keymap_fd(km, default_km["layout"])
    assert syms == default_syms
    assert re.search(r"warning: .*keymap.*does not compile", proxy.stderr()), \
        proxy.describe()


def test_host_keymap_that_compiles_reaches_guests(wl, proxy_bin, tmp_path):
    """The control for the test above: a host keymap that compiles and is
    not the default one (French) is what the guest gets."""
    km, syms, proxy = host_keymap_run(wl, xkbcli_keymap("--layout", "fr"), tmp_path,
                                      "fr", via_proxy=True)
    check_keymap_fd(km, "French")
    assert syms == ["w", "y"]
    assert "does not compile" not in proxy.stderr(), proxy.describe()
