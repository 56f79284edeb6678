"""Deployment in guests: what `meson install` puts in place (binary, man
page, systemd user units and their preset, environment.d snippet, example
config) and socket activation of the real binary by systemd-socket-activate,
with readiness notification and a clean SIGTERM, against a real weston host.

With WLGP_INSTALLED_PACKAGE=NAME the same tests check the files the
installed Debian package NAME put on this machine (dpkg -L) instead of a
meson install of the build; set WL_GUEST_PROXY to its binary too."""

import json
import os
import re
import shutil
import signal
import socket
import stat
import struct
import subprocess
import time
from pathlib import Path

import pytest

import wlgp

UNIT_NAMES = ("wl-guest-proxy.socket", "wl-guest-proxy-x11.socket", "wl-guest-proxy.service")
ENV_SNIPPET = "60-wl-guest-proxy.conf"
PRESET = "80-wl-guest-proxy.preset"
EXAMPLE_CONFIG = "config"
ENV_GENERATOR = "/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator"


def build_dir():
    """The meson build dir the proxy under test comes from."""
    d = wlgp.proxy_binary().resolve().parent.parent
    if not (d / "meson-info").is_dir():
        pytest.fail(f"{d} is not a meson build dir (from WL_GUEST_PROXY)", pytrace=False)
    return d


def run(argv, timeout=120, **kw):
    return subprocess.run([str(a) for a in argv], capture_output=True, text=True,
                          timeout=timeout, **kw)


def installed_map(builddir):
    """meson's source -> absolute install path for every installed file."""
    out = run(["meson", "introspect", str(builddir), "--installed"])
    assert out.returncode == 0, out.stderr
    return json.loads(out.stdout)


def by_name(installed):
    return {Path(dst).name: Path(dst) for dst in installed.values()}


def installed_package(package):
    """The files of an installed Debian package, as `installed` gives them
    (the man page under its name before compression)."""
    out = run(["dpkg", "-L", package])
    assert out.returncode == 0, f"package {package} not installed: {out.stderr}"
    files = {}
    for line in out.stdout.splitlines():
        path = Path(line)
        if path.is_file():
            files[path.name.removesuffix(".gz")] = path
    return None, files, Path("/usr")


@pytest.fixture(scope="module")
def installed(tmp_path_factory):
    """`meson install --destdir` of the build under test: (destdir, name ->
    install path without destdir, prefix)."""
    package = os.environ.get("WLGP_INSTALLED_PACKAGE")
    if package:
        return installed_package(package)
    builddir = build_dir()
    dest = tmp_path_factory.mktemp("destdir")
    # --no-rebuild: the build under test, as it is; other engineers' runs
    # must not rebuild it under them.
    out = run(["meson", "install", "-C", str(builddir), "--destdir", str(dest),
               "--no-rebuild", "--quiet"])
    assert out.returncode == 0, f"meson install failed:\n{out.stdout}\n{out.stderr}"
    opts = json.loads(run(["meson", "introspect", str(builddir), "--buildoptions"]).stdout)
    prefix = Path(next(o["value"] for o in opts if o["name"] == "prefix"))
    return dest, by_name(installed_map(builddir)), prefix


def in_dest(dest, path):
    """path as installed under DESTDIR dest (None: installed for real)."""
    return Path(path) if dest is None else Path(str(dest) + str(path))


def test_install_puts_everything_in_place(installed):
    dest, files, prefix = installed
    want = {"wl-guest-proxy", "wl-guest-proxy.1", *UNIT_NAMES, ENV_SNIPPET, PRESET,
            EXAMPLE_CONFIG}
    assert want <= set(files), f"not installed: {want - set(files)}"
    for name in want:
        assert in_dest(dest, files[name]).is_file(), f"{name}: {files[name]} missing"
        assert files[name].is_relative_to(prefix), f"{files[name]} outside {prefix}"
    assert files["wl-guest-proxy"].parent == prefix / "bin"
    assert files["wl-guest-proxy.1"].parent.name == "man1"
    assert files["wl-guest-proxy.socket"].parent == prefix / "lib/systemd/user"
    assert files[ENV_SNIPPET].parent == prefix / "lib/environment.d"
    assert files[PRESET].parent == prefix / "lib/systemd/user-preset"
    assert files[EXAMPLE_CONFIG].parent == prefix / "share/doc/wl-guest-proxy/examples"

    binary = in_dest(dest, files["wl-guest-proxy"])
    assert os.access(binary, os.X_OK)
    version = run([binary, "--version"])
    assert version.returncode == 0 and version.stdout.startswith("wl-guest-proxy "), version

    service = in_dest(dest, files["wl-guest-proxy.service"]).read_text()
    assert re.search(rf"^ExecStart={re.escape(str(files['wl-guest-proxy']))}$", service, re.M), \
        "ExecStart does not run the installed binary:\n" + service
    assert re.search(r"^Type=notify$", service, re.M), service
    socket_unit = in_dest(dest, files["wl-guest-proxy.socket"]).read_text()
    assert re.search(r"^ListenStream=%t/wayland-0$", socket_unit, re.M), socket_unit
    assert re.search(r"^FileDescriptorName=wayland$", socket_unit, re.M), socket_unit


def test_install_dirs_follow_the_prefix(tmp_path):
    """A fresh configure with another prefix (no build needed to ask meson
    where things go): the units and the snippet go under that prefix too,
    not into the system's /usr/lib/systemd/user."""
    prefix = tmp_path / "prefix"
    builddir = tmp_path / "build"
    out = run(["meson", "setup", f"--prefix={prefix}", str(builddir), str(wlgp.REPO)],
              timeout=300)
    assert out.returncode == 0, f"meson setup failed:\n{out.stdout[-3000:]}\n{out.stderr}"
    files = by_name(installed_map(builddir))
    for name in ("wl-guest-proxy", "wl-guest-proxy.1", *UNIT_NAMES, ENV_SNIPPET):
        assert name in files and files[name].is_relative_to(prefix), (name, files.get(name))
    assert files["wl-guest-proxy.service"].parent == prefix / "lib/systemd/user"
    # The man page names the directories this configuration chose.
    man = (builddir / "doc" / "wl-guest-proxy.1").read_text()
    assert str(files["wl-guest-proxy.service"]) in man
    assert str(files[ENV_SNIPPET]) in man


def test_units_pass_systemd_analyze_verify(installed, tmp_path):
    dest, files, _prefix = installed
    units = tmp_path / "units"
    units.mkdir()
    for name in UNIT_NAMES:
        text = in_dest(dest, files[name]).read_text()
        # verify checks that ExecStart's binary exists; it is installed
        # under DESTDIR here, and --root= cannot be combined with --user
        # (systemd 252: "Failed to initialize unit search paths").
        text = text.replace(f"ExecStart={files['wl-guest-proxy']}",
                            f"ExecStart={in_dest(dest, files['wl-guest-proxy'])}")
        (units / name).write_text(text)
    runtime = tmp_path / "xdg"
    runtime.mkdir(mode=0o700)
    env = dict(os.environ)
    # --user without a running user manager needs only XDG_RUNTIME_DIR (as
    # root in a container it fails with "Failed to lookup RuntimeDirectory
    # path" otherwise); MANPATH lets it check Documentation=man:... against
    # the installed page.
    env["XDG_RUNTIME_DIR"] = str(runtime)
    env["MANPATH"] = str(in_dest(dest, files["wl-guest-proxy.1"]).parent.parent)
    out = run(["systemd-analyze", "--user", "verify"] + [units / n for n in UNIT_NAMES],
              env=env)
    # Unknown keys and other mistakes are only warnings: any output fails.
    assert out.returncode == 0 and not out.stdout.strip() and not out.stderr.strip(), \
        f"systemd-analyze verify:\n{out.stdout}\n{out.stderr}"

    # And it does catch mistakes here: a unit with a typo does not pass.
    (units / "typo.service").write_text("[Service]\nTyep=notify\nExecStart=/bin/true\n")
    out = run(["systemd-analyze", "--user", "verify", units / "typo.service"], env=env)
    assert "Unknown key" in out.stderr, out


def test_preset_enables_the_socket(installed, tmp_path):
    """systemctl's own preset logic on a copy of the installed units: the
    socket is enabled for every user (--global), the service alone not."""
    dest, files, _prefix = installed
    root = tmp_path / "root"
    units = root / "usr/lib/systemd/user"
    presets = root / "usr/lib/systemd/user-preset"
    units.mkdir(parents=True)
    presets.mkdir(parents=True)
    for name in UNIT_NAMES:
        shutil.copy(in_dest(dest, files[name]), units)
    wants = root / "etc/systemd/user/sockets.target.wants/wl-guest-proxy.socket"
    # The control: with no preset at all systemd enables every unit, so a
    # "disable *" of lowest priority stands for a distribution's default.
    (presets / "99-default.preset").write_text("disable *\n")
    out = run(["systemctl", "--global", f"--root={root}", "preset-all"])
    assert out.returncode == 0, out
    assert not wants.exists(), "enabled without our preset"
    shutil.copy(in_dest(dest, files[PRESET]), presets)
    out = run(["systemctl", "--global", f"--root={root}", "preset-all"])
    assert out.returncode == 0, out
    assert wants.is_symlink(), f"{wants} missing:\n{out.stdout}{out.stderr}"


def test_example_config_is_accepted(installed, wl, proxy_bin):
    """The installed example, copied as it is, is a valid config (all of it
    commented out), and so is every commented key = value line of it."""
    dest, files, _prefix = installed
    text = in_dest(dest, files[EXAMPLE_CONFIG]).read_text()
    cfg = wl.config_home / "wl-guest-proxy" / "config"
    cfg.parent.mkdir(parents=True, exist_ok=True)
    settings = [line[1:] for line in text.splitlines()
                if re.match(r"^#[a-z-]+ = ", line)]
    assert len(settings) >= 8, text
    for body in (text, "\n".join(settings) + "\n"):
        cfg.write_text(body)
        out = run([proxy_bin, "--socket", "/nonexistent/x", "--", "true"],
                  env=wl.base_env())
        assert f"{cfg}:" not in out.stderr, out.stderr
        # Parsed: the proxy went on to start (and failed for want of a host).
        assert f"options from {cfg}" in out.stderr, out.stderr


def help_options():
    out = run([wlgp.proxy_binary(), "--help"])
    assert out.returncode == 0, out
    return sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]+", out.stdout)))


def test_man_page_renders_and_documents_every_option(installed, tmp_path):
    dest, files, _prefix = installed
    page = in_dest(dest, files["wl-guest-proxy.1"])
    env = dict(os.environ, MANWIDTH="80", LC_ALL="C.UTF-8")
    out = run(["man", "-l", "--warnings=all", page], env=env)
    assert out.returncode == 0 and not out.stderr.strip(), \
        f"man -l {page}:\n{out.stderr}"
    text = out.stdout
    for section in ("SYNOPSIS", "OPTIONS", "ENVIRONMENT", "FILES", "EXAMPLES",
                    "SOCKET ACTIVATION", "PROTOCOL TRACING"):
        assert re.search(rf"^{section}$", text, re.M), f"no {section} section"
    options = help_options()
    assert "--virtwl-device" in options and "--trace" in options, options
    missing = [o for o in options if o not in text]
    assert not missing, f"options in --help but not in the man page: {missing}"
    for var in ("WLGP_LOG_LEVEL", "WLGP_TRACE", "LISTEN_FDS", "NOTIFY_SOCKET",
                "XDG_RUNTIME_DIR", "WAYLAND_DISPLAY", "JOURNAL_STREAM"):
        assert var in text, f"{var} not documented"
    assert "@" + "UNITDIR@" not in text and str(files["wl-guest-proxy.socket"]) in text


def test_environment_d_snippet_exports_wayland_display(installed, tmp_path):
    """systemd's own environment.d generator reads the installed snippet."""
    dest, files, _prefix = installed
    if not os.access(ENV_GENERATOR, os.X_OK):
        pytest.fail(f"{ENV_GENERATOR} missing (Debian package systemd)", pytrace=False)
    config = tmp_path / "config"

    def generate():
        env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path),
               "XDG_CONFIG_HOME": str(config)}
        out = run([ENV_GENERATOR], env=env)
        assert out.returncode == 0, out
        return dict(line.split("=", 1) for line in out.stdout.splitlines() if "=" in line)

    if dest is None:
        # The package's snippet is in the system's directory already (the
        # control, without it, is tests/package.sh's after the purge).
        assert generate().get("WAYLAND_DISPLAY") == "wayland-0"
        return
    assert "WAYLAND_DISPLAY" not in generate()  # the control: not from elsewhere
    (config / "environment.d").mkdir(parents=True)
    shutil.copy(in_dest(dest, files[ENV_SNIPPET]), config / "environment.d")
    assert generate().get("WAYLAND_DISPLAY") == "wayland-0"


# --------------------------------------------------------------------------
# socket activation

class NotifyListener:
    """What systemd does with NOTIFY_SOCKET: a datagram socket collecting
    sd_notify messages with the sender's pid."""

    def __init__(self, path):
        self.path = str(path)
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind(self.path)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_PASSCRED, 1)
        self.messages = []  # (pid, {key: value})

    def wait_for(self, key, value, timeout):
        deadline = time.monotonic() + timeout
        while True:
            for pid, fields in self.messages:
                if fields.get(key) == value:
                    return pid, fields
            left = deadline - time.monotonic()
            if left <= 0:
                raise AssertionError(f"no {key}={value} notification within {timeout}s; "
                                     f"got {self.messages}")
            self.sock.settimeout(left)
            try:
                data, anc, _flags, _addr = self.sock.recvmsg(4096, socket.CMSG_SPACE(12))
            except socket.timeout:
                continue
            self._keep(data, anc)

    def _keep(self, data, anc):
        pid = None
        for level, kind, cdata in anc:
            if level == socket.SOL_SOCKET and kind == socket.SCM_CREDENTIALS:
                pid = int.from_bytes(cdata[:4], "little")
        fields = dict(line.split("=", 1) for line in data.decode().splitlines()
                      if "=" in line)
        self.messages.append((pid, fields))

    def drain(self):
        """Every notification sent so far (a sender's datagrams are queued
        before its sendmsg returns, so once it has exited or been seen past
        a point, this holds everything it sent before); returns all
        messages kept."""
        self.sock.setblocking(False)
        try:
            while True:
                try:
                    data, anc, _flags, _addr = self.sock.recvmsg(
                        4096, socket.CMSG_SPACE(12))
                except BlockingIOError:
                    break
                self._keep(data, anc)
        finally:
            self.sock.setblocking(True)
        return self.messages

    def sent(self, key, value):
        """Whether any notification so far (drained) set key=value."""
        return any(fields.get(key) == value for _pid, fields in self.drain())

    def close(self):
        self.sock.close()


def activation_argv(wl, listen_path, proxy_argv, env, more_paths=(), fdnames="wayland"):
    """systemd-socket-activate listening on listen_path (and more_paths,
    passed after it, as a socket unit with several ListenStream= does) and
    exec'ing the proxy on the first connection, with the test's environment
    (it passes on only -E variables).  fdnames: FileDescriptorName= of each,
    ':'-separated."""
    argv = ["systemd-socket-activate", "-l", str(listen_path)]
    for more in more_paths:
        argv += ["-l", str(more)]
    argv.append(f"--fdname={fdnames}")
    for key, value in sorted(env.items()):
        if key not in ("LISTEN_FDS", "LISTEN_PID", "LISTEN_FDNAMES"):
            argv += ["-E", f"{key}={value}"]
    if Path(proxy_argv[0]).name in wlgp.EMULATORS:
        # The emulator (standing in for the kernel's /dev/wl0) runs the
        # proxy as its child: LISTEN_PID must name that child, as systemd
        # makes it name the service's main process.
        i = proxy_argv.index("--") + 1
        proxy_argv = proxy_argv[:i] + ["sh", "-c", 'LISTEN_PID=$$ exec "$@"', "sh"] + \
            proxy_argv[i:]
    return argv + [str(a) for a in proxy_argv]


def connect_when_listening(path, timeout=5):
    """A connection to systemd-socket-activate's socket: the file appears at
    its bind(), a moment before its listen() (ECONNREFUSED until then)."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            s.connect(str(path))
            return s
        except ConnectionRefusedError:
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def wait_for_path(path, proc, timeout=10, stream=True):
    """Until systemd-socket-activate listens on path, without connecting: a
    connection would start the proxy.  The file appears at its bind(), a
    moment before its listen(); a client in between is refused (seen once
    under load).  stream=False: a datagram socket, ready once bound."""
    ready = ((lambda: any(f & wlgp.UNIX_LISTENING for f in wlgp.unix_socket_flags(path)))
             if stream else (lambda: os.path.exists(path)))
    ok = wlgp.wait_until(lambda: ready() or not proc.alive(), timeout)
    assert ok and proc.alive(), f"{path} never listened:\n{proc.describe()}"
    assert stat.S_ISSOCK(os.stat(path).st_mode)


@pytest.fixture
def notify(wl):
    listener = NotifyListener(wl.runtime_dir / "notify")
    yield listener
    listener.close()


def test_socket_activation(wl, host, proxy_bin, notify):
    path = wl.runtime_dir / "wayland-act"
    env = wl.base_env()
    env["NOTIFY_SOCKET"] = notify.path
    argv = activation_argv(wl, path, wl.proxy_argv(None, host), env)
    proxy = wl.spawn_proxy(argv, env=env)
    wait_for_path(path, proxy)
    assert not notify.drain(), "notified before the proxy was started"

    # The first client starts the proxy, which serves it on systemd's socket.
    info = wl.run(["wayland-info"], str(path), timeout=20)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    sender, fields = notify.wait_for("READY", "1", timeout=10)
    if wlgp.transport() == "direct":
        assert sender == proxy.pid, f"READY=1 from pid {sender}, not the proxy {proxy.pid}"
    assert "STATUS" in fields and str(path) in fields["STATUS"], fields
    err = proxy.stderr()
    assert f"listening on {path} (passed by systemd)" in err, proxy.describe()
    assert (wl.runtime_dir / "wayland-act.lock").exists(), "lock not held"

    # A second client after the first is gone: still served.
    info = wl.run(["wayland-info"], "wayland-act", timeout=20)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()

    client = wl.test_client("pattern-client", ["--size", "64x64"], str(path))
    client.wait_for_output(r"^READY", 10)
    os.kill(proxy.pid, signal.SIGTERM)
    rc = proxy.wait(10)
    assert rc == 0, f"exit status {rc} on SIGTERM:\n{proxy.describe()}"
    notify.wait_for("STOPPING", "1", timeout=1)
    assert client.wait(10) is not None, "client still connected after the proxy left"
    # systemd's socket is the socket unit's: left in place; the lock was
    # the proxy's: removed.
    assert path.exists() and stat.S_ISSOCK(os.stat(path).st_mode), \
        "the proxy removed a socket it did not create"
    assert not (wl.runtime_dir / "wayland-act.lock").exists(), "lock file left behind"
    pid = client.pid
    lines = proxy.stderr().splitlines()
    assert sum(f"client pid {pid} disconnected" in line for line in lines) == 1, \
        proxy.describe()


def test_socket_activation_command_sees_the_socket(wl, host, proxy_bin, notify):
    """-- COMMAND under activation: WAYLAND_DISPLAY names systemd's socket
    (as a name, since it is in XDG_RUNTIME_DIR) and LISTEN_* are not
    inherited."""
    path = wl.runtime_dir / "wayland-cmd"
    env = wl.base_env()
    env["NOTIFY_SOCKET"] = notify.path
    command = ["--", "sh", "-c",
               'echo "display=$WAYLAND_DISPLAY fds=${LISTEN_FDS-unset}"; exec wayland-info']
    argv = activation_argv(wl, path, wl.proxy_argv(None, host, command), env)
    proxy = wl.spawn_proxy(argv, env=env)
    wait_for_path(path, proxy)
    # Start it: a connection that goes away at once (the proxy sees a
    # client come and go).
    s = connect_when_listening(path)
    s.close()
    rc = proxy.wait(20)
    assert rc == 0, proxy.describe()
    out = proxy.stdout()
    assert "display=wayland-cmd fds=unset" in out, proxy.describe()
    assert "interface: 'wl_compositor'" in out, proxy.describe()
    notify.wait_for("READY", "1", timeout=1)
    assert path.exists(), "the proxy removed systemd's socket"


def test_socket_activation_refuses_its_own_socket_as_host(wl, proxy_bin, notify):
    """The session's WAYLAND_DISPLAY is the proxy's own socket (the
    environment.d snippet); a direct transport taking it as the host must
    fail at once instead of hanging in a round trip with itself."""
    path = wl.runtime_dir / "wayland-self"
    env = wl.base_env()
    env["NOTIFY_SOCKET"] = notify.path
    env["WAYLAND_DISPLAY"] = "wayland-self"
    argv = activation_argv(wl, path, wl.proxy_argv(None, None, kind="direct"), env)
    proxy = wl.spawn_proxy(argv, env=env, expect_exit=1)
    wait_for_path(path, proxy)
    s = connect_when_listening(path)
    rc = proxy.wait(10)
    s.close()
    assert rc == 1, proxy.describe()
    assert "is the socket this proxy serves" in proxy.stderr(), proxy.describe()
    assert not notify.sent("READY", "1"), f"READY=1 without serving: {notify.messages}"
    assert path.exists()


def test_socket_activation_wrong_socket_kind(wl, host, proxy_bin, notify):
    """systemd passing a datagram socket (a wrong ListenDatagram= in a
    drop-in): a clear error, not a proxy that never accepts."""
    path = wl.runtime_dir / "wayland-dgram"
    env = wl.base_env()
    env["NOTIFY_SOCKET"] = notify.path
    argv = activation_argv(wl, path, wl.proxy_argv(None, host), env)
    argv.insert(1, "--datagram")
    proxy = wl.spawn_proxy(argv, env=env, expect_exit=1)
    wait_for_path(path, proxy, stream=False)
    s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    s.sendto(b"x", str(path))
    s.close()
    rc = proxy.wait(10)
    assert rc == 1, proxy.describe()
    assert "not a listening Unix stream socket" in proxy.stderr(), proxy.describe()
    assert not notify.sent("READY", "1"), f"READY=1 without serving: {notify.messages}"


def test_socket_activation_no_socket_named_wayland(wl, host, proxy_bin, notify):
    """A socket unit with two ListenStream= and no FileDescriptorName=wayland:
    the proxy cannot know which to serve and says what to set; with one of
    them named 'wayland' (the control) it serves that one."""
    first, second = wl.runtime_dir / "wayland-n0", wl.runtime_dir / "wayland-n1"
    env = wl.base_env()
    env["NOTIFY_SOCKET"] = notify.path
    argv = activation_argv(wl, first, wl.proxy_argv(None, host), env,
                           more_paths=[second], fdnames="one:two")
    proxy = wl.spawn_proxy(argv, env=env, expect_exit=1)
    wait_for_path(second, proxy)
    s = connect_when_listening(first)
    rc = proxy.wait(10)
    s.close()
    assert rc == 1, proxy.describe()
    assert "systemd passed 2 sockets and none is named 'wayland': set " \
        "FileDescriptorName=wayland" in proxy.stderr(), proxy.describe()
    assert not notify.sent("READY", "1"), f"READY=1 without serving: {notify.messages}"

    third, fourth = wl.runtime_dir / "wayland-n2", wl.runtime_dir / "wayland-n3"
    argv = activation_argv(wl, third, wl.proxy_argv(None, host), env,
                           more_paths=[fourth], fdnames="other:wayland")
    proxy = wl.spawn_proxy(argv, env=env)
    wait_for_path(fourth, proxy)
    info = wl.run(["wayland-info"], str(fourth), timeout=20)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    notify.wait_for("READY", "1", timeout=10)
    assert f"listening on {fourth} (passed by systemd)" in proxy.stderr(), proxy.describe()
    assert "ignoring socket 'other' from systemd: serving 'wayland'" in proxy.stderr(), \
        proxy.describe()


def test_socket_activation_host_that_never_answers(wl, proxy_bin, notify):
    """A host socket that takes the connection and never answers (a hung
    compositor): the proxy waits for the host's answer before READY=1, so
    the service stays 'activating' (README, troubleshooting); when that host
    hangs up, the proxy exits with the reason, never having been ready."""
    host_path = wl.runtime_dir / "silent-host"
    with wlgp.SilentHost(host_path) as silent:
        path = wl.runtime_dir / "wayland-silent"
        env = wl.base_env()
        env["NOTIFY_SOCKET"] = notify.path
        argv = activation_argv(wl, path, wl.proxy_argv(None, str(host_path)), env)
        proxy = wl.spawn_proxy(argv, env=env, expect_exit=1)
        wait_for_path(path, proxy)
        client = connect_when_listening(path)  # starts the proxy

        # The proxy connects and asks (wl_display, object 1): it is now
        # waiting for the answer that never comes.
        request = silent.first_request(8)
        obj, size_opcode = struct.unpack("<II", request[:8])
        assert obj == 1 and size_opcode >> 16 >= 8, request[:16].hex()
        # A window for a READY=1 that does not wait for the host to arrive.
        time.sleep(1.0)
        assert proxy.alive(), proxy.describe()
        assert not notify.sent("READY", "1"), \
            f"READY=1 while the host has not answered: {notify.messages}"

        silent.close()
        rc = proxy.wait(10)
        client.close()
        assert rc == 1, proxy.describe()
        assert "did not answer" in proxy.stderr(), proxy.describe()
        assert not notify.sent("READY", "1"), \
            f"READY=1 from a proxy whose host never answered: {notify.messages}"
