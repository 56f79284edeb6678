"""The config file: $XDG_CONFIG_HOME/wl-guest-proxy/config, else the system
one (sysconfdir/wl-guest-proxy/config, as --help names it), read before the
command line; every long option as a key; errors name the file and line.

The system file is put in place in a private mount namespace (unshare -m,
a bind mount over sysconfdir), so no other proxy on the machine sees it."""

import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import pytest

import wlgp


def write_config(wl, text, home=None):
    home = home or wl.config_home
    path = home / "wl-guest-proxy" / "config"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def system_config_path(proxy_bin):
    r = subprocess.run([str(proxy_bin), "--help"], capture_output=True, text=True,
                       timeout=10)
    m = re.search(r"(/\S+)/wl-guest-proxy/config", r.stdout)
    assert m, r.stdout
    return m.group(1)


def transport_lines(wl, host, kind=None):
    """The config lines and the argv prefix that reach `host` on the
    suite's transport, with the proxy's own command line left empty."""
    kind = kind or wlgp.transport()
    if kind in ("virtwl", "virtgpu"):
        return f"transport = {kind}\n", wl.emulator_argv(host, kind=kind)
    return f"transport = direct\nhost-display = {host.socket}\n", []


def start(wl, argv, expect_exit=0, env=None):
    return wl.spawn_proxy(argv, env=env, expect_exit=expect_exit)


def wait_socket(wl, proxy, name):
    path = wlgp.socket_path(wl.runtime_dir, name)
    wlgp.wait_for_socket(path, proxy, 15)
    return path


def run_fail(wl, argv, env=None, timeout=15):
    """A proxy that must exit 1 before serving anything."""
    p = wl.spawn_proxy(argv, env=env, expect_exit=1)
    assert p.wait(timeout) == 1, p.describe()
    return p.stderr()


@pytest.fixture
def host(wl):
    return wl.start_host()


def test_config_sets_socket_transport_and_host(wl, host, proxy_bin):
    lines, prefix = transport_lines(wl, host)
    path = write_config(wl, "# a comment\n\n" + lines + "socket = from-config\n")
    proxy = start(wl, prefix + [str(proxy_bin)])
    wait_socket(wl, proxy, "from-config")
    info = wl.run(["wayland-info"], "from-config", timeout=15)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    err = proxy.stderr()
    assert f"options from {path}" in err, err
    assert f"over the {wlgp.transport()} transport" in err, err
    assert not wl.finish_proxies()


def test_command_line_wins(wl, host, proxy_bin):
    lines, prefix = transport_lines(wl, host)
    write_config(wl, lines + "socket = from-config\nlog-level = debug\n"
                 "hide-global = wp_viewporter\nhide-global = wp_presentation\n")
    proxy = start(wl, prefix + [str(proxy_bin), "--socket", "from-cli",
                                "--log-level", "info",
                                "--allow-global", "wp_presentation"])
    wait_socket(wl, proxy, "from-cli")
    assert not os.path.exists(wlgp.socket_path(wl.runtime_dir, "from-config"))
    info = wl.run(["wayland-info"], "from-cli", timeout=15)
    assert info.returncode == 0, info.describe()
    names = {g[0] for g in wlgp.parse_wayland_info(info.stdout)}
    assert "wp_viewporter" not in names  # the config's rule
    assert "wp_presentation" in names    # overridden on the command line
    assert "wl_compositor" in names
    assert not wl.finish_proxies()
    assert "hiding host global" not in proxy.stderr()  # no debug lines


def test_environment_beats_config(wl, host, proxy_bin):
    lines, prefix = transport_lines(wl, host)
    write_config(wl, lines + "socket = envtest\nlog-level = debug\ntrace = true\n")
    env = wl.base_env()
    env.update(WLGP_LOG_LEVEL="warning", WLGP_TRACE="0")
    proxy = start(wl, prefix + [str(proxy_bin)], env=env)
    wait_socket(wl, proxy, "envtest")
    assert wl.run(["wayland-info"], "envtest", timeout=15).returncode == 0
    assert not wl.finish_proxies()
    err = proxy.stderr()
    assert "hiding host global" not in err and "guest->proxy" not in err, err
    assert "listening on" not in err, err  # an info line


@pytest.mark.parametrize("key,value,expect", [
    ("log-level", "debug", "hiding host global"),
    ("verbose", "true", "hiding host global"),
    ("trace", "true", "guest->proxy wl_display@1.get_registry"),
])
def test_logging_keys(wl, host, proxy_bin, key, value, expect):
    lines, prefix = transport_lines(wl, host)
    write_config(wl, lines + f"socket = logtest\n{key} = {value}\n")
    proxy = start(wl, prefix + [str(proxy_bin)])
    wait_socket(wl, proxy, "logtest")
    assert wl.run(["wayland-info"], "logtest", timeout=15).returncode == 0
    assert not wl.finish_proxies()
    assert expect in proxy.stderr()


@pytest.mark.parametrize("key", ["log-level", "verbose", "trace"])
def test_logging_keys_off(wl, host, proxy_bin, key):
    # The oracle of test_logging_keys: without the key, no such lines.
    lines, prefix = transport_lines(wl, host)
    off = {"log-level": "info", "verbose": "false", "trace": "false"}[key]
    write_config(wl, lines + f"socket = logtest\n{key} = {off}\n")
    proxy = start(wl, prefix + [str(proxy_bin)])
    wait_socket(wl, proxy, "logtest")
    assert wl.run(["wayland-info"], "logtest", timeout=15).returncode == 0
    assert not wl.finish_proxies()
    err = proxy.stderr()
    assert "hiding host global" not in err and "guest->proxy" not in err, err


def test_allow_and_hide_globals(wl, host, proxy_bin):
    lines, prefix = transport_lines(wl, host)
    write_config(wl, lines + "socket = globtest\nallow-global = zwp_input_panel_v1\n"
                 "hide-global = wp_viewporter\nhide-global = wl_subcompositor\n")
    proxy = start(wl, prefix + [str(proxy_bin)])
    wait_socket(wl, proxy, "globtest")
    info = wl.run(["wayland-info"], "globtest", timeout=15)
    names = {g[0] for g in wlgp.parse_wayland_info(info.stdout)}
    assert "zwp_input_panel_v1" in names
    assert not names & {"wp_viewporter", "wl_subcompositor"}
    assert "wl_compositor" in names
    assert not wl.finish_proxies()


def test_virtwl_keys(wl, host, proxy_bin):
    """virtwl-context-name reaches the device: the emulator offers the host
    only under a name; virtwl-device: a missing one is named."""
    emu = wl.emulator_argv(host, kind="virtwl")
    i = emu.index("--wayland-sock") + 1
    emu[i] = f"{emu[i]},name=vmhost"
    write_config(wl, "transport = virtwl\nvirtwl-context-name = vmhost\n"
                 "socket = named\n")
    proxy = start(wl, emu + [str(proxy_bin)])
    wait_socket(wl, proxy, "named")
    info = wl.run(["wayland-info"], "named", timeout=15)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    assert not wl.finish_proxies()

    write_config(wl, "transport = virtwl\nvirtwl-device = /nonexistent/wl9\n")
    err = run_fail(wl, [str(proxy_bin)])
    assert "/nonexistent/wl9" in err, err


def test_keymap_key(wl, host, proxy_bin):
    lines, prefix = transport_lines(wl, host)
    write_config(wl, lines + "keymap = /nonexistent/keymap.xkb\n")
    err = run_fail(wl, prefix + [str(proxy_bin)])
    assert "--keymap /nonexistent/keymap.xkb" in err, err


def test_system_file_and_user_precedence(wl, host, proxy_bin, tmp_path):
    if shutil.which("unshare") is None:
        pytest.fail("unshare (util-linux) is missing", pytrace=False)
    sysconf = system_config_path(proxy_bin)
    fake = tmp_path / "sysconf"
    sysfile = fake / "wl-guest-proxy" / "config"
    sysfile.parent.mkdir(parents=True)
    lines, prefix = transport_lines(wl, host)
    sysfile.write_text(lines + "socket = from-system\n")
    # The bind mount needs its target: sysconfdir may not exist yet.
    script = (f"mkdir -p '{sysconf}' && mount --bind '{fake}' '{sysconf}' && "
              'exec "$@"')
    tail = ["unshare", "-m", "sh", "-c", script, "sh", str(proxy_bin)]
    proxy = start(wl, prefix + tail)
    wait_socket(wl, proxy, "from-system")
    assert f"options from {sysconf}/wl-guest-proxy/config" in proxy.stderr()

    # A user file replaces the system one as a whole.  The second proxy
    # gets a device (and stats file) of its own.
    write_config(wl, lines + "socket = from-user\n")
    proxy2 = start(wl, transport_lines(wl, host)[1] + tail)
    wait_socket(wl, proxy2, "from-user")
    assert not wl.finish_proxies()
    assert "from-system" not in proxy2.stderr()


BAD = [
    ("transport = carrier-pigeon\n", 1, "unknown transport 'carrier-pigeon'"),
    ("# ok\nsocket = s\nlog-level = loud\n", 3, "unknown log level 'loud'"),
    ("\n\nnonsense-key = 1\n", 3, "unknown key 'nonsense-key'"),
    ("help = true\n", 1, "unknown key 'help'"),
    ("socket\n", 1, "expected KEY = VALUE"),
    ("= x\n", 1, "expected KEY = VALUE"),
    ("socket =\n", 1, "--socket needs a name"),
    ("trace = yes\n", 1, "trace takes true or false"),
    ("virtwl-context-name = " + "n" * 40 + "\n", 1, "--virtwl-context-name"),
    ("keymap = layout=us,bogus=1\n", 1, "unknown name in --keymap"),
    ("allow-global = a b\n", 1, "--allow-global 'a b'"),
    ("hide-global = \n", 1, "--hide-global ''"),
]


@pytest.mark.parametrize("text,line,message", BAD)
def test_errors_name_file_and_line(wl, proxy_bin, text, line, message):
    path = write_config(wl, text)
    err = run_fail(wl, [str(proxy_bin), "--", "true"])
    assert f"wl-guest-proxy: {path}:{line}: " in err, err
    assert message in err, err


def test_broken_config_still_allows_help(wl, proxy_bin):
    write_config(wl, "nonsense\n")
    env = wl.base_env()
    for flag in ("--help", "--version"):
        r = subprocess.run([str(proxy_bin), flag], env=env, capture_output=True,
                           text=True, timeout=10)
        assert r.returncode == 0 and r.stdout, r


def test_unreadable_config(wl, proxy_bin):
    path = write_config(wl, "socket = x\n")
    path.unlink()
    path.mkdir()  # a directory where the file should be
    err = run_fail(wl, [str(proxy_bin), "--", "true"])
    assert str(path) in err, err


def test_config_of_another_user_is_not_there(wl, proxy_bin, tmp_path, request):
    """Run as nobody with XDG_CONFIG_HOME in root's private directory: it
    cannot see the file, so there is none (the system file or defaults
    apply); a file it can see but not read is an error."""
    if shutil.which("setpriv") is None:
        pytest.fail("setpriv missing (Debian package util-linux)", pytrace=False)
    import pwd
    nobody = pwd.getpwnam("nobody")
    hidden = tmp_path / "private"
    (hidden / "wl-guest-proxy").mkdir(parents=True)
    (hidden / "wl-guest-proxy" / "config").write_text("socket = x\n")
    os.chmod(hidden, 0o700)
    env = wl.base_env()
    env["XDG_CONFIG_HOME"] = str(hidden)
    as_nobody = ["setpriv", f"--reuid={nobody.pw_uid}", f"--regid={nobody.pw_gid}",
                 "--clear-groups", "--", str(proxy_bin), "--", "true"]
    err = run_fail(wl, as_nobody, env=env)
    assert "options from" not in err and str(hidden) not in err, err
    assert "no host compositor" in err, err  # it went on to start

    # pytest's tmp_path is under a directory only root may search.
    visible = Path(tempfile.mkdtemp(prefix="wlgp-visible-"))
    request.addfinalizer(lambda: shutil.rmtree(visible, ignore_errors=True))
    (visible / "wl-guest-proxy").mkdir()
    cfg = visible / "wl-guest-proxy" / "config"
    cfg.write_text("socket = x\n")
    os.chmod(cfg, 0o600)
    for d in (visible, visible / "wl-guest-proxy"):
        os.chmod(d, 0o755)
    env["XDG_CONFIG_HOME"] = str(visible)
    err = run_fail(wl, as_nobody, env=env)
    assert f"{cfg}: Permission denied" in err, err
