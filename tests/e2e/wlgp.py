"""Helpers for the wl-guest-proxy end-to-end tests.

Processes, a private weston host, the proxy under test, clients, host
screenshots and the expected test pattern.  The fixtures in conftest.py
wrap these; tests import the plain helpers from here.
"""

import errno
import glob
import itertools
import os
import re
import shutil
import signal
import socket
import struct
import subprocess
import tempfile
import time
import xml.etree.ElementTree as ET
import zlib
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

HOST_WIDTH = 1280
HOST_HEIGHT = 720
BACKGROUND_RGB = (0x20, 0x20, 0x20)

# Deterministic weston settings, shared with bench/run-bench.sh.
WESTON_INI = REPO / "tests" / "weston.ini"

# Globals the proxy must hide because their messages carry fds it cannot
# translate: dmabufs and sync files cannot cross the device, nor can a DRM
# device fd.  (wl_data_device_manager and the primary selection are
# relayed: their pipes are copied, proxy/transfer.c.)
FD_HIDDEN = {
    "zwp_linux_dmabuf_v1",
    "zwp_linux_explicit_synchronization_v1",
    "wp_drm_lease_device_v1",
}

# Globals hidden by the protocol policy unless --allow-global (issue 16):
# screen capture and export, virtual keyboard and pointer, input-method, layer-shell, foreign-toplevel management, data-control,
# session lock, output management, gamma control, security-context.
POLICY_HIDDEN = {
    "zwlr_screencopy_manager_v1",
    "zwlr_export_dmabuf_manager_v1",
    "ext_image_copy_capture_manager_v1",
    "ext_output_image_capture_source_manager_v1",
    "ext_foreign_toplevel_image_capture_source_manager_v1",
    "zwp_virtual_keyboard_manager_v1",
    "zwlr_virtual_pointer_manager_v1",
    "zwp_input_method_v1",
    "zwp_input_panel_v1",
    "zwp_input_method_manager_v2",
    "zwlr_layer_shell_v1",
    "zwlr_foreign_toplevel_manager_v1",
    "ext_foreign_toplevel_list_v1",
    "zwlr_data_control_manager_v1",
    "ext_data_control_manager_v1",
    "ext_session_lock_manager_v1",
    "zwlr_output_manager_v1",
    "zwlr_gamma_control_manager_v1",
    "wp_security_context_manager_v1",
    # not in the list; the proxy adds them: an input grab over the
    # whole desktop, and turning outputs off
    "zwlr_input_inhibit_manager_v1",
    "zwlr_output_power_manager_v1",
}

# The relayable core every proxy client must see on a weston headless host.
CORE_RELAYED = {
    "wl_compositor",
    "wl_subcompositor",
    "wl_shm",
    "xdg_wm_base",
    "wp_viewporter",
    "wp_presentation",
    "wl_output",
}

# Weston's private globals (not in wayland.xml nor wayland-protocols).
WESTON_PRIVATE = {
    "weston_screenshooter",
    "weston_debug_v1",
    "weston_desktop_shell",
}

WAYLAND_XML = "/usr/share/wayland/wayland.xml"


def env_path(var, default):
    value = os.environ.get(var)
    return Path(value) if value else Path(default)


def proxy_binary():
    return env_path("WL_GUEST_PROXY", REPO / "build" / "proxy" / "wl-guest-proxy")


def clients_dir():
    return env_path("WLGP_TEST_CLIENTS_DIR", REPO / "build" / "tests" / "clients")


def test_host_binary():
    """tests/hosts/test-host, next to the test clients' build dir."""
    return env_path("WLGP_TEST_HOST", clients_dir().parent / "hosts" / "test-host")


def transport():
    return os.environ.get("WLGP_TRANSPORT", "direct")


def emulator_binary():
    return env_path("WLGP_EMULATOR", REPO / "build" / "emulator" / "wl0-emulator")


def virtgpu_emulator_binary():
    return env_path("WLGP_VIRTGPU_EMULATOR",
                    REPO / "build" / "emulator" / "virtgpu-emulator")


# The device emulators the proxy runs under, by transport.
EMULATORS = ("wl0-emulator", "virtgpu-emulator")


def wait_emulator_stats(path, pred, timeout=10):
    """The emulator's stats once pred holds for them: the emulator rewrites
    its file at most every few milliseconds, so a test that judges counts
    right after its client finished waits for them to show first."""
    wait_until(lambda: pred(read_emulator_stats(path)), timeout, 0.1)
    return read_emulator_stats(path)


def read_emulator_stats(path, timeout=5.0):
    """The emulator's --stats JSON (rewritten atomically on every change)."""
    import json
    deadline = time.monotonic() + timeout
    while True:
        try:
            return json.loads(Path(path).read_text())
        except (OSError, ValueError):
            if time.monotonic() > deadline:
                raise AssertionError(f"no emulator stats at {path}")
            time.sleep(0.05)


def wait_emulator_stats(path, predicate, timeout=10.0):
    """Polls the stats until predicate(stats) holds; returns the last stats."""
    deadline = time.monotonic() + timeout
    stats = read_emulator_stats(path)
    while not predicate(stats) and time.monotonic() < deadline:
        time.sleep(0.05)
        stats = read_emulator_stats(path)
    return stats


def wayland_protocols_dir():
    try:
        out = subprocess.run(
            ["pkg-config", "--variable=pkgdatadir", "wayland-protocols"],
            capture_output=True, text=True, check=True,
        ).stdout.strip()
        if out:
            return Path(out.replace("//", "/"))
    except (OSError, subprocess.CalledProcessError):
        pass
    return Path("/usr/share/wayland-protocols")


def compiled_versions():
    """Max interface version per interface name over wayland.xml and every
    wayland-protocols XML: what the proxy is built against."""
    files = [WAYLAND_XML] + sorted(
        glob.glob(str(wayland_protocols_dir() / "**" / "*.xml"), recursive=True))
    versions = {}
    for f in files:
        root = ET.parse(f).getroot()
        for iface in root.iter("interface"):
            name = iface.get("name")
            version = int(iface.get("version", "1"))
            versions[name] = max(version, versions.get(name, 0))
    return versions


PROTOCOL_MESON = REPO / "protocol" / "meson.build"


def proxy_built_versions():
    """Interface version per name over exactly the XMLs the proxy is built
    from (wayland.xml and protocol/meson.build's list), read from the XMLs
    themselves, not from the proxy's tables."""
    listed = re.findall(r"^\s*'((?:stable|staging|unstable)/[^']+\.xml)',",
                        PROTOCOL_MESON.read_text(), re.M)
    if not listed:
        raise AssertionError(f"no protocol XMLs found in {PROTOCOL_MESON}")
    versions = {}
    for f in [WAYLAND_XML] + [str(wayland_protocols_dir() / x) for x in listed]:
        for iface in ET.parse(f).getroot().iter("interface"):
            versions[iface.get("name")] = int(iface.get("version", "1"))
    return versions


GLOBAL_RE = re.compile(
    r"^interface: '(?P<iface>[A-Za-z0-9_]+)',\s*version:\s*(?P<version>\d+),"
    r"\s*name:\s*(?P<name>\d+)")


def parse_wayland_info(text):
    """List of (interface, version, name) from wayland-info output."""
    out = []
    for line in text.splitlines():
        m = GLOBAL_RE.match(line)
        if m:
            out.append((m["iface"], int(m["version"]), int(m["name"])))
    return out


def wayland_info_sections(text):
    """interface -> list of detail blocks (the indented lines after each
    'interface:' line), for comparing what the proxy relays in detail."""
    sections = {}
    current = None
    for line in text.splitlines():
        m = GLOBAL_RE.match(line)
        if m:
            current = []
            sections.setdefault(m["iface"], []).append(current)
        elif current is not None and line.strip():
            current.append(line.rstrip())
    return sections


# --------------------------------------------------------------------------
# processes

class Proc:
    """A child process in its own process group, output in files."""

    def __init__(self, name, argv, env, cwd, logdir):
        self.name = name
        self.argv = [str(a) for a in argv]
        self.out_path = Path(logdir) / f"{name}.stdout"
        self.err_path = Path(logdir) / f"{name}.stderr"
        with open(self.out_path, "wb") as out, open(self.err_path, "wb") as err:
            self.popen = subprocess.Popen(
                self.argv, env=env, cwd=cwd, stdin=subprocess.DEVNULL,
                stdout=out, stderr=err, start_new_session=True)
        self.pid = self.popen.pid
        self.pgid = self.pid

    # -- state
    def poll(self):
        return self.popen.poll()

    def alive(self):
        return self.popen.poll() is None

    @property
    def returncode(self):
        return self.popen.returncode

    def stdout(self):
        return self.out_path.read_text(errors="replace")

    def stderr(self):
        return self.err_path.read_text(errors="replace")

    def describe(self):
        rc = self.poll()
        state = "running" if rc is None else f"exited with {rc}"
        return (f"{self.name} ({' '.join(self.argv)}) {state}\n"
                f"--- stdout (tail) ---\n{tail(self.stdout())}\n"
                f"--- stderr (tail) ---\n{tail(self.stderr())}")

    # -- waiting
    def wait(self, timeout):
        try:
            return self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            return None

    def wait_for_output(self, pattern, timeout, stream="stdout"):
        """Wait until `pattern` (regex) appears in stdout/stderr; returns the
        match.  Raises AssertionError if the process exits first or on
        timeout."""
        rx = re.compile(pattern, re.M)
        read = self.stdout if stream == "stdout" else self.stderr
        deadline = time.monotonic() + timeout
        while True:
            m = rx.search(read())
            if m:
                return m
            if not self.alive():
                m = rx.search(read())
                if m:
                    return m
                raise AssertionError(
                    f"{self.name} exited before printing {pattern!r}:\n{self.describe()}")
            if time.monotonic() > deadline:
                raise AssertionError(
                    f"{self.name} did not print {pattern!r} within {timeout}s:\n"
                    f"{self.describe()}")
            time.sleep(0.02)

    # -- stopping
    def signal_group(self, sig):
        try:
            os.killpg(self.pgid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def kill9(self):
        """SIGKILL the process itself (not its group) and reap it."""
        try:
            os.kill(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.popen.wait(timeout=5)

    def stop(self, timeout=3.0):
        """SIGTERM the group, then SIGKILL it; always reaps."""
        if self.alive():
            self.signal_group(signal.SIGTERM)
            if self.wait(timeout) is None:
                self.signal_group(signal.SIGKILL)
                self.wait(5)
        # Leftover group members (a shell started by weston-terminal, the
        # desktop-shell helper of weston...).
        self.signal_group(signal.SIGKILL)
        if self.alive():
            self.popen.wait(5)


def tail(text, lines=40):
    parts = text.splitlines()
    return "\n".join(parts[-lines:])


def socket_path(runtime_dir, name):
    return Path(name) if os.path.isabs(str(name)) else Path(runtime_dir) / name


def socket_accepts(path):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    try:
        s.settimeout(1.0)
        s.connect(str(path))
        return True
    except OSError:
        return False
    finally:
        s.close()


# /proc/net/unix's flag of a listening socket (__SO_ACCEPTCON).
UNIX_LISTENING = 0x10000


def unix_socket_flags(name):
    """The flags of every Unix socket bound at name (a path, or "@..." for
    an abstract one; a listener's accepted connections show its name too),
    from /proc/net/unix: seen without connecting."""
    return [int(fields[3], 16)
            for fields in (line.split() for line in
                           Path("/proc/net/unix").read_text().splitlines()[1:])
            if len(fields) >= 8 and fields[-1] == str(name)]


class SilentHost:
    """A host socket that takes connections and never answers: a hung
    compositor.  A context manager; leaving it hangs up on everyone."""

    def __init__(self, path):
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.bind(str(path))
        self.sock.listen(64)
        self.conns = []

    def first_request(self, size=1, timeout=15):
        """Accepts one connection and returns the first `size` or more bytes
        it sent (the proxy, or the emulated device's host side for it)."""
        self.sock.settimeout(timeout)
        conn, _ = self.sock.accept()
        conn.settimeout(timeout)
        self.conns.append(conn)
        data = b""
        while len(data) < size:
            chunk = conn.recv(4096)
            assert chunk, "the proxy hung up on the host without asking anything"
            data += chunk
        return data

    def close(self):
        for conn in self.conns:
            conn.close()
        self.sock.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def wait_for_socket(path, proc, timeout):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise AssertionError(
                f"{proc.name} exited before its socket {path} was ready:\n{proc.describe()}")
        if os.path.exists(path) and socket_accepts(path):
            return
        time.sleep(0.02)
    raise AssertionError(f"socket {path} not ready within {timeout}s:\n{proc.describe()}")


class Result:
    def __init__(self, proc, timed_out):
        self.returncode = proc.returncode
        self.stdout = proc.stdout()
        self.stderr = proc.stderr()
        self.timed_out = timed_out
        self.proc = proc

    def describe(self):
        return self.proc.describe()


# --------------------------------------------------------------------------
# the environment of one test

class WlEnv:
    """A private XDG_RUNTIME_DIR with hosts, proxies and clients in it.
    Everything started through it is stopped by cleanup()."""

    _counter = itertools.count()

    def __init__(self, logdir):
        self.logdir = Path(logdir)
        self.logdir.mkdir(parents=True, exist_ok=True)
        # Short path: unix socket paths are limited to 107 bytes.
        self.runtime_dir = Path(tempfile.mkdtemp(prefix="wlgp-xdg-"))
        os.chmod(self.runtime_dir, 0o700)
        self.config_home = Path(tempfile.mkdtemp(prefix="wlgp-cfg-"))
        self.weston_ini = WESTON_INI
        self.procs = []
        self.hosts = []
        self._names = itertools.count()

    # -- environment
    def base_env(self):
        env = dict(os.environ)
        for var in ("WAYLAND_DISPLAY", "WAYLAND_SOCKET", "DISPLAY", "WAYLAND_DEBUG"):
            env.pop(var, None)
        env["XDG_RUNTIME_DIR"] = str(self.runtime_dir)
        env["XDG_CONFIG_HOME"] = str(self.config_home)
        env["SHELL"] = "/bin/sh"
        env["LC_ALL"] = "C.UTF-8"
        return env

    def client_env(self, display, extra=None):
        env = self.base_env()
        env["WAYLAND_DISPLAY"] = str(display)
        # Clients are not under test: in a sanitizer build (b_sanitize is
        # project wide, so tests/clients get it too) they may leave their
        # Wayland objects to exit(); only the proxy is leak-checked.
        if "ASAN_OPTIONS" in env:
            env["ASAN_OPTIONS"] += ":detect_leaks=0"
        else:
            env["ASAN_OPTIONS"] = "detect_leaks=0"
        if extra:
            env.update(extra)
        return env

    def unique(self, prefix):
        return f"{prefix}-{next(self._names)}"

    def spawn(self, name, argv, env, cwd=None):
        proc = Proc(self.unique(name), argv, env, cwd or self.logdir, self.logdir)
        self.procs.append(proc)
        return proc

    # -- host compositor
    def start_host(self, socket_name=None, timeout=15, env=None):
        """weston; env: extra environment (e.g. WAYLAND_DEBUG=server)."""
        socket_name = socket_name or self.unique("host")
        argv = [
            shutil.which("weston") or "weston",
            "--backend=headless-backend.so",
            "--use-pixman",
            f"--socket={socket_name}",
            f"--config={self.weston_ini}",
            f"--width={HOST_WIDTH}",
            f"--height={HOST_HEIGHT}",
            "--idle-time=0",
            "--debug",
        ]
        proc = self.spawn("weston", argv, {**self.base_env(), **(env or {})})
        proc.socket = socket_name
        proc.socket_path = socket_path(self.runtime_dir, socket_name)
        wait_for_socket(proc.socket_path, proc, timeout)
        self.hosts.append(proc)
        return proc

    def start_test_host(self, args=(), socket_name=None, timeout=15, env=None):
        """tests/hosts/test-host (a libwayland host of our own, for what
        weston cannot do) with these options; like start_host's result."""
        exe = test_host_binary()
        if not exe.exists():
            raise AssertionError(f"{exe} not found; build tests/hosts or set "
                                 "WLGP_TEST_HOST")
        socket_name = socket_name or self.unique("test-host")
        proc = self.spawn("test-host", [exe, "--socket", socket_name] + list(args),
                          {**self.base_env(), **(env or {})})
        proc.socket = socket_name
        proc.socket_path = socket_path(self.runtime_dir, socket_name)
        wait_for_socket(proc.socket_path, proc, timeout)
        self.hosts.append(proc)
        return proc

    # -- the proxy under test
    def emulator_argv(self, host, kind=None):
        """On virtwl the proxy runs under the /dev/wl0 emulator, which
        plays crosvm: its --wayland-sock is the host compositor's socket
        (host None: the latest host started)."""
        host = host if host is not None else (self.hosts[-1] if self.hosts else None)
        if host is None:
            raise AssertionError("virtwl needs a host compositor for the emulator")
        path = getattr(host, "socket_path", None) or socket_path(self.runtime_dir, host)
        stats = self.logdir / f"{self.unique('emulator-stats')}.json"
        # --in-buffers 256: crosvm posts 256 in-buffers for the whole
        # device, so a guest that leaves messages unread stalls every vfd.
        if (kind or transport()) == "virtgpu":
            # A virtio-gpu render node with crosvm's cross-domain host
            # (current crosvm: 28 identifiers) in front of the compositor.
            return [str(virtgpu_emulator_binary()), "--wayland-sock", str(path),
                    "--stats", str(stats), "--"]
        return [str(emulator_binary()), "--wayland-sock", str(path),
                "--stats", str(stats), "--in-buffers", "256", "--"]

    def proxy_argv(self, socket_name, host, extra=(), kind=None):
        """The proxy's command line on transport `kind` (default: the
        suite's WLGP_TRANSPORT)."""
        kind = kind or transport()
        argv = [str(proxy_binary())]
        if socket_name is not None:
            argv += ["--socket", str(socket_name)]
        argv += ["--transport", kind]
        if kind in ("virtwl", "virtgpu"):
            argv = self.emulator_argv(host, kind) + argv
        elif host is not None:
            argv += ["--host-display", str(getattr(host, "socket", host))]
        if os.environ.get("WLGP_PROXY_VERBOSE"):
            argv.append("--verbose")
        return argv + list(extra)

    def spawn_proxy(self, argv, name="proxy", env=None, expect_exit=0):
        """Start a proxy process (any command line); it is checked at
        teardown (finish_proxies): whenever it exits, on its own during the
        test or on the teardown's SIGTERM, its status must be expect_exit.
        A test that expects another status says so here (or sets
        proc.expected_exit before its teardown).  The status is the one
        the spawned process reports (Popen's returncode): a signal's death
        is -N, but 128+N under the emulator, which exits with its child's
        status as a shell does."""
        proc = self.spawn(name, argv, env or self.base_env())
        proc.is_proxy = True
        proc.expected_exit = expect_exit
        # Under the emulator: its stats are checked at teardown.
        proc.emulator_stats = None
        if Path(str(argv[0])).name in EMULATORS and "--stats" in argv:
            proc.emulator_stats = Path(argv[argv.index("--stats") + 1])
            # Two emulators writing one stats file would judge each
            # proxy by the other's device.
            shared = [p.name for p in self.procs if p is not proc and
                      getattr(p, "emulator_stats", None) == proc.emulator_stats]
            if shared:
                raise AssertionError(f"{name}: emulator stats file shared with "
                                     f"{shared}: build a new emulator_argv")
        return proc

    def start_proxy(self, host, socket_name=None, extra=(), wait=True, timeout=15,
                    kind=None, expect_exit=0):
        socket_name = socket_name or self.unique("guest")
        proc = self.spawn_proxy(self.proxy_argv(socket_name, host, extra, kind),
                                expect_exit=expect_exit)
        proc.socket = socket_name
        proc.socket_path = socket_path(self.runtime_dir, socket_name)
        if wait:
            wait_for_socket(proc.socket_path, proc, timeout)
        return proc

    # -- clients
    def client(self, argv, display, name=None, env=None):
        """Start a client in the background with WAYLAND_DISPLAY=display
        (a proxy/host Proc or a socket name)."""
        display = getattr(display, "socket", display)
        name = name or Path(str(argv[0])).name
        return self.spawn(name, argv, self.client_env(display, env))

    def test_client(self, name, args, display, **kw):
        exe = clients_dir() / name
        if not exe.exists():
            raise AssertionError(
                f"test client {exe} not found; build tests/clients and set "
                "WLGP_TEST_CLIENTS_DIR")
        return self.client([exe] + list(args), display, name=name, **kw)

    def run(self, argv, display, timeout=10, name=None, env=None):
        """Run a client to completion (killed after `timeout`)."""
        proc = self.client(argv, display, name=name, env=env)
        timed_out = proc.wait(timeout) is None
        if timed_out:
            proc.stop()
        return Result(proc, timed_out)

    def run_for(self, argv, display, seconds, name=None, env=None):
        """Run a client for `seconds`, then stop it.  Result.timed_out is
        True when it was still running at the end (what long-running
        clients should do)."""
        proc = self.client(argv, display, name=name, env=env)
        exited = proc.wait(seconds)
        still_running = exited is None
        proc.stop()
        return Result(proc, still_running)

    # -- screenshots of the host
    def screenshot(self, host, timeout=10):
        """Host screenshot via weston-screenshooter: (width, height, rgb bytes)."""
        shot_dir = Path(tempfile.mkdtemp(prefix="shot-", dir=self.logdir))
        proc = self.spawn("weston-screenshooter", ["weston-screenshooter"],
                          self.client_env(host.socket), cwd=shot_dir)
        rc = proc.wait(timeout)
        if rc is None:
            proc.stop()
            raise AssertionError(f"weston-screenshooter hung:\n{proc.describe()}")
        shots = sorted(shot_dir.glob("wayland-screenshot-*.png"))
        if rc != 0 or not shots:
            raise AssertionError(f"weston-screenshooter failed:\n{proc.describe()}")
        return decode_png(shots[-1])

    # -- what the host receives
    def proto_stream(self, host):
        """weston's protocol debug stream (weston-debug proto) of `host`
        from now on, into a file: see ProtoStream."""
        path = self.logdir / f"{self.unique('proto')}.txt"
        proc = self.spawn("weston-debug", ["weston-debug", "-o", str(path), "proto"],
                          self.client_env(host.socket))
        return ProtoStream(proc, path)

    # -- teardown
    def finish_proxies(self, term_timeout=5.0):
        """Every proxy of the test must have exited with the status it was
        expected to (proc.expected_exit, 0 unless the test said otherwise),
        at whatever time it exited: one that died mid-test fails the test
        even if nothing the test looked at noticed.  Proxies still running
        get SIGTERM and must exit with 0 (and must not have been expected
        to exit on their own).  No proxy may have printed a sanitizer
        report.  Returns the problems."""
        problems = []
        for proc in self.procs:
            if not getattr(proc, "is_proxy", False):
                continue
            expected = getattr(proc, "expected_exit", 0)
            if proc.alive():
                if expected != 0:
                    problems.append(f"{proc.name} still running at teardown (expected: "
                                    f"{exit_status(expected)})")
                try:
                    os.kill(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    pass
                rc = proc.wait(term_timeout)
                if rc is None:
                    problems.append(f"{proc.name} still running {term_timeout}s after SIGTERM")
                elif rc != 0:
                    problems.append(f"{proc.name} {exit_status(rc)} on SIGTERM at teardown")
            elif proc.returncode != expected:
                problems.append(f"{proc.name} {exit_status(proc.returncode)} during the "
                                f"test (expected: {exit_status(expected)}); stderr ends "
                                f"{tail(proc.stderr(), 5)!r}")
            m = SANITIZER_RE.search(proc.stderr())
            if m:
                problems.append(f"{proc.name} printed a sanitizer report ({m[0]!r})")
            problems += emulator_problems(proc)
        return problems

    def cleanup(self):
        # Clients first, then proxies, then hosts.
        def rank(p):
            return {"proxy": 1, "weston": 2}.get(p.name.rsplit("-", 1)[0], 0)
        for proc in sorted(self.procs, key=rank):
            try:
                proc.stop(timeout=2)
            except Exception:  # noqa: BLE001 - keep cleaning up
                pass
        shutil.rmtree(self.runtime_dir, ignore_errors=True)
        shutil.rmtree(self.config_home, ignore_errors=True)


PROTO_LINE_RE = re.compile(
    r"^\[(?P<time>[^\]]+)\]\[proto\] client (?P<client>0x[0-9a-f]+) "
    r"(?P<dir>rq|ev) (?P<iface>\w+)@(?P<id>\d+)\.(?P<msg>\w+)\((?P<args>.*)\)$")


class ProtoStream:
    """weston-debug proto running against a host: every request and event
    of every one of its clients, as the host sees them.  Clients are told
    apart by weston's pointer for them; through the proxy each guest client
    is a host client of its own."""

    def __init__(self, proc, path):
        self.proc = proc
        self.path = path

    def mark(self):
        """A point in the stream (its size now), for messages() after it."""
        return self.path.stat().st_size if self.path.exists() else 0

    def messages(self, start=0, end=None):
        """[(client, 'rq'|'ev', interface, id, message, args)] between two
        marks."""
        data = self.path.read_bytes()[start:end].decode(errors="replace")
        out = []
        for line in data.splitlines():
            m = PROTO_LINE_RE.match(line)
            if m:
                out.append((m["client"], m["dir"], m["iface"], int(m["id"]), m["msg"],
                            m["args"]))
        return out

    def stop(self):
        self.proc.stop()


def exit_status(rc):
    """Popen's returncode in words (negative: killed by that signal)."""
    if rc is not None and rc < 0:
        try:
            name = signal.Signals(-rc).name
        except ValueError:
            name = f"signal {-rc}"
        return f"killed by {name}"
    return f"exited with {rc}"


def host_answer(rejection):
    """A call the device failed because of what the host did, which the
    proxy cannot know before it asks: not a misuse.
    - NEW of a context, ENODEV: crosvm could not connect to the host
      compositor (it is down, or no such --wayland-sock name);
    - SEND on a context, EINVAL or ENODEV: the compositor had already hung
      up or closed (crosvm answers INVALID_TYPE, or RESP_ERR when its
      sendmsg fails); the proxy hears of the hang-up right after;
    - virtgpu INIT refused by the host: it could not connect to the
      compositor, which the guest cannot see (the proxy times out)."""
    call, err = rejection.get("call"), rejection.get("errno")
    reason = str(rejection.get("reason", ""))
    # virtgpu: rutabaga's INIT could not connect (the compositor is down).
    if (call, err) == ("INIT", "host"):
        return reason.startswith("cannot connect to ")
    if (call, err) == ("NEW", "ENODEV"):
        return reason.startswith(("type 0:", "type 5:"))
    if call == "SEND" and err in ("EINVAL", "ENODEV"):
        return reason.startswith(("the compositor ", "host sendmsg failed"))
    return False


def virtgpu_problems(proc, stats):
    """What only the cross-domain emulator counts: a POLL doubled or
    missing, what it cannot emulate, and (once the proxy has exited)
    anything left live: DRM files, contexts, resources, pipes, dma-bufs."""
    problems = []
    if stats.get("max_polls_outstanding", 0) > 1:
        problems.append(f"{proc.name}: {stats['max_polls_outstanding']} POLLs "
                        "outstanding at once on one context")
    if stats.get("polls_missing", 0) and not getattr(proc, "poll_deferral_expected", False):
        problems.append(f"{proc.name}: {stats['polls_missing']} times a context "
                        "had host data waiting and no POLL outstanding")
    if stats.get("unsupported", 0):
        problems.append(f"{proc.name}: calls the emulator cannot emulate: "
                        f"{stats.get('unsupported_log')}")
    if not proc.alive():
        live = stats.get("live", {})
        if live.get("total", 0):
            problems.append(f"{proc.name}: left live on the device: {live}")
    return problems


def emulator_problems(proc):
    """What the real driver would have refused or hung on, for a proxy that
    ran under the emulator: every such call is a proxy bug."""
    path = getattr(proc, "emulator_stats", None)
    if path is None:
        return []
    try:
        stats = read_emulator_stats(path, timeout=2)
    except AssertionError as e:
        return [f"{proc.name}: {e}"]
    problems = []
    if "counts" in stats:
        problems += virtgpu_problems(proc, stats)
    log = stats.get("rejection_log") or []
    misuse = [r for r in log if not host_answer(r)]
    if misuse or stats.get("rejections", 0) > len(log):
        problems.append(f"{proc.name}: the device rejected {stats['rejections']} "
                        f"calls: {misuse or log}")
    if stats.get("violations", 0):
        problems.append(f"{proc.name}: {stats['violations']} calls would hang or "
                        f"corrupt on the real device: {stats.get('violation_log')}")
    return problems


# --------------------------------------------------------------------------
# pictures

def png_size(path):
    with open(path, "rb") as f:
        head = f.read(24)
    if head[:8] != b"\x89PNG\r\n\x1a\n" or head[12:16] != b"IHDR":
        raise AssertionError(f"{path} is not a PNG")
    return struct.unpack(">II", head[16:24])


def decode_png(path):
    width, height = png_size(path)
    convert = shutil.which("convert") or "convert"
    out = subprocess.run([convert, str(path), "-depth", "8", "rgb:-"],
                         capture_output=True, check=True).stdout
    if len(out) != width * height * 3:
        raise AssertionError(
            f"convert gave {len(out)} bytes for a {width}x{height} picture")
    return width, height, out


def pattern_rgb(width, height, seed=0):
    """The picture pattern-client draws (see tests/clients/pattern-client.c):
    R = (x*7 + s*31) & 0xff, G = (y*5 + s*17) & 0xff, B = ((x+y)*3 + s*59) & 0xff."""
    r_row = bytes(((x * 7 + seed * 31) & 0xff) for x in range(width))
    b_diag = bytes((((i * 3) + seed * 59) & 0xff) for i in range(width + height))
    out = bytearray(width * height * 3)
    row = bytearray(width * 3)
    row[0::3] = r_row
    for y in range(height):
        row[1::3] = bytes([(y * 5 + seed * 17) & 0xff]) * width
        row[2::3] = b_diag[y:y + width]
        out[y * width * 3:(y + 1) * width * 3] = row
    return bytes(out)


def compare_rgb(actual, expected, width, max_report=5):
    """None if equal, else a description of the differences."""
    if actual == expected:
        return None
    if len(actual) != len(expected):
        return f"size differs: {len(actual)} vs {len(expected)} bytes"
    bad = []
    count = 0
    for i in range(0, len(actual), 3):
        if actual[i:i + 3] != expected[i:i + 3]:
            count += 1
            if len(bad) < max_report:
                p = i // 3
                bad.append(f"({p % width},{p // width}): got {actual[i:i + 3].hex()} "
                           f"want {expected[i:i + 3].hex()}")
    return f"{count} pixels differ, first: " + "; ".join(bad)


def write_png(path, width, height, rgb):
    """Save raw RGB as a PNG (for failure artefacts); no dependencies."""
    raw = b"".join(b"\x00" + rgb[y * width * 3:(y + 1) * width * 3] for y in range(height))

    def chunk(kind, data):
        c = struct.pack(">I", len(data)) + kind + data
        return c + struct.pack(">I", zlib.crc32(kind + data) & 0xffffffff)

    png = (b"\x89PNG\r\n\x1a\n"
           + chunk(b"IHDR", struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0))
           + chunk(b"IDAT", zlib.compress(raw, 6))
           + chunk(b"IEND", b""))
    Path(path).write_bytes(png)


# --------------------------------------------------------------------------
# pattern-client on screen

def check_screenshot(wl, host, seed, tag):
    width, height, rgb = wl.screenshot(host)
    assert (width, height) == (HOST_WIDTH, HOST_HEIGHT)
    expected = pattern_rgb(width, height, seed)
    diff = compare_rgb(rgb, expected, width)
    if diff:
        write_png(wl.logdir / f"{tag}-expected.png", width, height, expected)
        write_png(wl.logdir / f"{tag}-actual.png", width, height, rgb)
    assert diff is None, f"{diff} (pictures in {wl.logdir})"


def start_pattern(wl, display, args):
    client = wl.test_client("pattern-client", args, display)
    m = client.wait_for_output(r"^READY (\d+)x(\d+)$", 10)
    assert (int(m[1]), int(m[2])) == (HOST_WIDTH, HOST_HEIGHT), \
        f"fullscreen configure gave {m[1]}x{m[2]}"
    return client


# --------------------------------------------------------------------------
# pattern-client output

def alive_count(proc):
    """Number of answered wl_display.sync heartbeats pattern-client printed."""
    counts = re.findall(r"^ALIVE syncs=(\d+)", proc.stdout(), re.M)
    return int(counts[-1]) if counts else 0


def wait_alive_progress(procs, timeout=5.0, increase=2):
    """Assert every pattern-client in procs answers at least `increase` more
    heartbeats within timeout."""
    start = {p: alive_count(p) for p in procs}
    deadline = time.monotonic() + timeout
    pending = set(procs)
    while pending and time.monotonic() < deadline:
        for p in list(pending):
            if alive_count(p) >= start[p] + increase:
                pending.discard(p)
            elif not p.alive():
                raise AssertionError(f"client died:\n{p.describe()}")
        time.sleep(0.05)
    if pending:
        raise AssertionError("clients stopped making progress:\n" +
                             "\n".join(p.describe() for p in pending))


ERROR_LINE_RE = re.compile(r"error", re.I)

SANITIZER_RE = re.compile(
    r"ERROR: (?:Address|Leak|Memory|Thread)Sanitizer|WARNING: ThreadSanitizer|runtime error:|"
    r"UndefinedBehaviorSanitizer|AddressSanitizer:DEADLYSIGNAL")


def error_lines(text):
    return [line for line in text.splitlines() if ERROR_LINE_RE.search(line)]


def wait_until(pred, timeout, interval=0.02):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if pred():
            return True
        time.sleep(interval)
    return pred()


def unlink_quiet(path):
    try:
        os.unlink(path)
    except OSError as e:
        if e.errno != errno.ENOENT:
            raise


# --------------------------------------------------------------------------
# damage-client (tests/clients/damage-client.c): the same rules in Python

TRANSFORMS = {
    "normal": 0, "90": 1, "180": 2, "270": 3,
    "flipped": 4, "flipped-90": 5, "flipped-180": 6, "flipped-270": 7,
}

_M32 = 0xffffffff


class DamageSpec:
    """What one damage-client command line asks for; computes the frames
    (rectangles, seeds, buffer sizes) and the picture exactly as the
    client does (see the comment at the top of damage-client.c)."""

    def __init__(self, frames=40, seed=1, buffers=3, block=1, surface_damage=False,
                 scale=1, transform="normal", viewport=None, resize_at=None,
                 resize_to=None, scribble=False, no_frame_wait=False, size=None,
                 format="xrgb8888", stride_pad=0, offset=0, damage_everything=False):
        self.nframes = frames
        self.seed = seed
        self.buffers = buffers
        self.block = block
        self.surface_damage = surface_damage
        self.scale = scale
        self.transform = TRANSFORMS[transform] if isinstance(transform, str) else transform
        self.viewport = tuple(viewport) if viewport else None
        self.resize_at = resize_at
        self.resize_to = tuple(resize_to) if resize_to else None
        self.scribble = scribble
        self.no_frame_wait = no_frame_wait
        self.size = tuple(size) if size else None
        self.format = format
        self.stride_pad = stride_pad
        self.offset = offset
        self.damage_everything = damage_everything

    def args(self):
        a = ["--frames", str(self.nframes), "--seed", str(self.seed),
             "--buffers", str(self.buffers), "--block", str(self.block)]
        if self.surface_damage:
            a.append("--surface-damage")
        if self.scale != 1:
            a += ["--scale", str(self.scale)]
        if self.transform:
            a += ["--transform", str(self.transform)]
        if self.viewport:
            a += ["--viewport", ",".join(map(str, self.viewport))]
        if self.resize_at is not None:
            a += ["--resize-at", str(self.resize_at),
                  "--resize-to", "%dx%d" % self.resize_to]
        if self.scribble:
            a.append("--scribble")
        if self.no_frame_wait:
            a.append("--no-frame-wait")
        if self.size:
            a += ["--size", "%dx%d" % self.size]
        if self.format != "xrgb8888":
            a += ["--format", self.format]
        if self.stride_pad:
            a += ["--stride-pad", str(self.stride_pad)]
        if self.offset:
            a += ["--offset", str(self.offset)]
        if self.damage_everything:
            a.append("--damage-everything")
        return a

    def describe(self):
        return "damage-client " + " ".join(self.args())

    # -- geometry
    def buffer_size(self, sw, sh):
        if self.viewport:
            vx, vy, vw, vh = self.viewport
            return 2 * vx + vw, 2 * vy + vh
        if self.transform & 1:
            return sh * self.scale, sw * self.scale
        return sw * self.scale, sh * self.scale

    def surface_size(self, frame, conf):
        if self.resize_at is not None and frame >= self.resize_at:
            return self.resize_to
        return self.size or conf

    # -- frames
    def damage(self, conf):
        """[(bw, bh, seed, [(x, y, w, h) buffer pixels])]: what the client
        reports it damaged, per commit.  Surface damage cannot reach the
        pixels around a viewport's source rectangle."""
        def everything(bw, bh):
            if self.viewport and self.surface_damage:
                return [self.viewport]
            return [(0, 0, bw, bh)]
        return [(bw, bh, seed, everything(bw, bh) if self.damage_everything else rects)
                for bw, bh, seed, _full, rects in self.frames(conf)]

    def frames(self, conf):
        """[(bw, bh, seed, full, [(x, y, w, h) buffer pixels])] per frame:
        the rectangles it paints."""
        rng = (self.seed * 2654435761 + 0x9e3779b9) & _M32 or 1

        def nxt():
            nonlocal rng
            x = rng
            x ^= (x << 13) & _M32
            x ^= x >> 17
            x ^= (x << 5) & _M32
            rng = x
            return x

        out = []
        b = self.block
        for f in range(self.nframes):
            sw, sh = self.surface_size(f, conf)
            bw, bh = self.buffer_size(sw, sh)
            seed = self.seed + f
            if f == 0 or f == self.resize_at:
                out.append((bw, bh, seed, True, [(0, 0, bw, bh)]))
                continue
            ax, ay, aw, ah = 0, 0, bw // b, bh // b
            if self.viewport and self.surface_damage:
                vx, vy, vw, vh = self.viewport
                ax, ay, aw, ah = vx // b, vy // b, vw // b, vh // b
            rects = []
            for _ in range(1 + nxt() % 3):
                w = 1 + nxt() % max(1, aw // 8)
                h = 1 + nxt() % max(1, ah // 8)
                x = ax + nxt() % (aw - w + 1)
                y = ay + nxt() % (ah - h + 1)
                rects.append((x * b, y * b, w * b, h * b))
            out.append((bw, bh, seed, False, rects))
        return out

    # -- pictures
    def buffer_planes(self, conf):
        """The final buffer content as R, G, B planes: (bw, bh, [R, G, B])."""
        frames = self.frames(conf)
        bw, bh = frames[-1][0], frames[-1][1]
        b = self.block
        planes = [bytearray(bw * bh) for _ in range(3)]
        cache = {}

        def rows(seed):
            if seed not in cache:
                rrow = bytes((((x // b) * 7 + seed * 31) & 0xff) for x in range(bw))
                bexp = bytes((((i // b) * 3 + seed * 59) & 0xff)
                             for i in range(bw + bh + b))
                cache[seed] = (rrow, bexp)
            return cache[seed]

        start = max(i for i, fr in enumerate(frames) if fr[3])
        for bw_f, bh_f, seed, _full, rects in frames[start:]:
            assert (bw_f, bh_f) == (bw, bh)
            rrow, bexp = rows(seed)
            R, G, B = planes
            for x, y, w, h in rects:
                rs = rrow[x:x + w]
                for yy in range(y, y + h):
                    o = yy * bw + x
                    R[o:o + w] = rs
                    G[o:o + w] = bytes([((yy // b) * 5 + seed * 17) & 0xff]) * w
                    k = x + b * (yy // b)
                    B[o:o + w] = bexp[k:k + w]
        return bw, bh, planes

    def surface_rgb(self, conf):
        """What the compositor shows: (sw, sh, rgb bytes) of the surface."""
        sw, sh = self.surface_size(self.nframes - 1, conf)
        bw, bh, planes = self.buffer_planes(conf)
        out = bytearray(sw * sh * 3)
        for c, plane in enumerate(planes):
            t, tw, th = transform_plane(plane, bw, bh, self.transform)
            if self.viewport:
                vx, vy, vw, vh = self.viewport
                xs = [(2 * vx * sw + (2 * X + 1) * vw) // (2 * sw) for X in range(sw)]
                ys = [(2 * vy * sh + (2 * Y + 1) * vh) // (2 * sh) for Y in range(sh)]
            else:
                s = self.scale
                xs = [X * s + s // 2 for X in range(sw)]
                ys = [Y * s + s // 2 for Y in range(sh)]
            plane_out = resample_plane(t, tw, xs, ys)
            if self.format == "rgb565":  # 5/6/5 bits, widened as pixman does
                bits = 6 if c == 1 else 5
                table = bytes(((v >> (8 - bits)) << (8 - bits)) |
                              ((v >> (8 - bits)) >> (2 * bits - 8)) for v in range(256))
                plane_out = plane_out.translate(table)
            out[c::3] = plane_out
        return sw, sh, bytes(out)


def transform_plane(p, bw, bh, t):
    """The buffer plane as the surface shows it before scaling: weston's
    weston_transformed_coord (surface -> buffer), pixel centres.
    Returns (plane, width, height)."""
    if t == 0:
        return p, bw, bh
    if t & 1:  # 90, 270 and their flips: rows of the result are columns
        tw, th = bh, bw
        cols = {
            1: lambda v: p[v::bw][::-1],            # 90: (v, W-1-u)
            5: lambda v: p[v::bw],                  # flipped-90: (v, u)
            3: lambda v: p[th - 1 - v::bw],         # 270: (H-1-v, u)
            7: lambda v: p[th - 1 - v::bw][::-1],   # flipped-270: (H-1-v, W-1-u)
        }[t]
        return b"".join(bytes(cols(v)) for v in range(th)), tw, th
    rows = [p[y * bw:(y + 1) * bw] for y in range(bh)]
    if t == 4:      # flipped: (W-1-u, v)
        rows = [r[::-1] for r in rows]
    elif t == 2:    # 180: (W-1-u, H-1-v)
        rows = [r[::-1] for r in reversed(rows)]
    elif t == 6:    # flipped-180: (u, H-1-v)
        rows = list(reversed(rows))
    return b"".join(bytes(r) for r in rows), bw, bh


def resample_plane(p, width, xs, ys):
    """Nearest sampling: result[Y][X] = p[ys[Y]][xs[X]]."""
    import operator
    if xs == list(range(len(xs))):
        return b"".join(bytes(p[y * width:y * width + len(xs)]) for y in ys)
    get = operator.itemgetter(*xs)
    return b"".join(bytes(get(p[y * width:(y + 1) * width])) for y in ys)


def crop_rgb(rgb, width, x, y, w, h):
    """Rectangle (x, y, w, h) of a width-wide RGB picture."""
    return b"".join(rgb[((y + r) * width + x) * 3:((y + r) * width + x + w) * 3]
                    for r in range(h))


class DamageRecord:
    __slots__ = ("commit", "frame", "slot", "buffer", "width", "height", "seed",
                 "release", "frame_done", "rects")


DAMAGE_COMMIT_RE = re.compile(
    r"^COMMIT n=(\d+) frame=(\d+) slot=(\d+) buffer=(\d+) size=(\d+)x(\d+) seed=(\d+) "
    r"release=(\d+) frame_done=(\d+) damage=(\S*)$", re.M)


def parse_damage_client(text):
    """damage-client's stdout: dict(surface, pid, conf, records)."""
    m = re.search(r"^SURFACE id=(\d+) pid=(\d+)$", text, re.M)
    c = re.search(r"^CONFIGURED (\d+)x(\d+)$", text, re.M)
    assert m and c and "\nEND\n" in text, f"incomplete damage-client output:\n{tail(text)}"
    records = []
    for g in DAMAGE_COMMIT_RE.finditer(text):
        r = DamageRecord()
        (r.commit, r.frame, r.slot, r.buffer, r.width, r.height, r.seed, r.release,
         r.frame_done) = (int(v) for v in g.groups()[:9])
        r.rects = [tuple(int(v) for v in s.split(",")) for s in g[10].split(";") if s]
        records.append(r)
    return {"surface": int(m[1]), "pid": int(m[2]),
            "conf": (int(c[1]), int(c[2])), "records": records}


def spawn_damage_client(wl, display, spec):
    """Start damage-client (see wait_damage_client)."""
    client = wl.test_client("damage-client", spec.args(), display)
    client.spec = spec
    return client


def wait_damage_client(client, timeout=30):
    """Wait until damage-client printed END; returns the parsed output.  The
    client's rectangles must be the ones its DamageSpec computes."""
    spec = client.spec
    client.wait_for_output(r"^SCRIBBLED$" if spec.scribble else r"^END$", timeout)
    out = parse_damage_client(client.stdout())
    assert "INEXACT" not in client.stderr(), client.describe()
    got = [(r.width, r.height, r.seed, r.rects) for r in out["records"]]
    want = spec.damage(out["conf"])
    assert got == want, f"damage-client drew other frames than DamageSpec says:\n{client.describe()}"
    return out


def start_damage_client(wl, display, spec, timeout=30):
    """Run damage-client until END; returns (proc, parsed output)."""
    client = spawn_damage_client(wl, display, spec)
    return client, wait_damage_client(client, timeout)


def fullscreen_origin(sw, sh):
    """Where weston's desktop-shell puts a fullscreen surface of this size
    (centred on the output)."""
    return (HOST_WIDTH - sw) // 2, (HOST_HEIGHT - sh) // 2


# --------------------------------------------------------------------------
# the proxy's copy log (--verbose)

COPY_RE = re.compile(
    r"^wl-guest-proxy: debug: copy: client (?P<pid>\d+) surface (?P<surface>\d+) "
    r"commit (?P<commit>\d+): copied (?P<bytes>\d+) bytes in (?P<rects>\d+) rects "
    r"of a (?P<w>\d+)x(?P<h>\d+) buffer \(host buffer (?P<index>\d+)(?P<new>, new)?"
    r"(?P<threaded>, copy threads)?\)$",
    re.M)


HOLD_RE = re.compile(
    r"^wl-guest-proxy: debug: copy: client (?P<pid>\d+) surface (?P<surface>\d+) "
    r"commit (?P<commit>\d+): held back, the host holds all (?P<n>\d+) buffers$", re.M)


def parse_hold_lines(text, pid, surface):
    """Commits the proxy held back (every host buffer busy), from its
    `copy:` debug lines."""
    return [int(m["commit"]) for m in HOLD_RE.finditer(text)
            if int(m["pid"]) == pid and int(m["surface"]) == surface]


# --copy-threads as the pixel tests run the proxy (conftest's copy_mode
# fixture sets WLGP_COPY_THREADS): 3 threads, so a full frame is split in
# three uneven bands, or 0, every copy inline on the event loop.
COPY_MODES = {"threads": "3", "inline": "0"}
# A copy this large goes to the copy threads (proxy/surface.c).
ASYNC_COPY_MIN_BYTES = 256 * 1024


def copy_mode_problems(lines, mode):
    """Did the copies run where the mode says?  With copy threads every copy
    of ASYNC_COPY_MIN_BYTES or more (and none smaller) was threaded; inline
    none was."""
    problems = []
    for line in lines:
        want = mode == "threads" and line["bytes"] >= ASYNC_COPY_MIN_BYTES
        if line["threaded"] != want:
            problems.append(f"commit {line['commit']}: {line['bytes']} bytes copied "
                            f"{'on copy threads' if line['threaded'] else 'inline'} "
                            f"with copy mode {mode}")
    return problems


def parse_copy_lines(text, pid=None, surface=None):
    """The proxy's `copy:` lines as dicts, optionally for one client/surface."""
    out = []
    for m in COPY_RE.finditer(text):
        d = {k: int(v) for k, v in m.groupdict().items()
             if k not in ("new", "threaded")}
        d["new"] = m["new"] is not None
        d["threaded"] = m["threaded"] is not None
        if pid is not None and d["pid"] != pid:
            continue
        if surface is not None and d["surface"] != surface:
            continue
        out.append(d)
    return out


def start_verbose_proxy(wl, host, extra=()):
    """A proxy with --verbose (whatever WLGP_PROXY_VERBOSE says)."""
    extra = list(extra)
    if not os.environ.get("WLGP_PROXY_VERBOSE"):
        extra.append("--verbose")
    return wl.start_proxy(host, extra=extra)


# --------------------------------------------------------------------------
# rectangle unions (damage accounting)

def clip_rects(rects, width, height):
    out = []
    for x, y, w, h in rects:
        x0, y0 = max(x, 0), max(y, 0)
        x1, y1 = min(x + w, width), min(y + h, height)
        if x1 > x0 and y1 > y0:
            out.append((x0, y0, x1 - x0, y1 - y0))
    return out


def region_bands(rects):
    """The union of rects as pixman keeps a region: y-bands of disjoint
    x-spans, vertically adjacent bands with equal spans coalesced.
    Returns [(y0, y1, [(x0, x1), ...])]."""
    ys = sorted({y for _x, y, _w, h in rects for y in (y, y + h)})
    bands = []
    for y0, y1 in zip(ys, ys[1:]):
        spans = sorted((x, x + w) for x, y, w, h in rects if y <= y0 and y + h >= y1)
        merged = []
        for a, b in spans:
            if merged and a <= merged[-1][1]:
                merged[-1] = (merged[-1][0], max(merged[-1][1], b))
            else:
                merged.append((a, b))
        if not merged:
            continue
        if bands and bands[-1][1] == y0 and bands[-1][2] == merged:
            bands[-1] = (bands[-1][0], y1, merged)
        else:
            bands.append((y0, y1, merged))
    return bands


def region_area(rects):
    return sum((y1 - y0) * sum(b - a for a, b in spans)
               for y0, y1, spans in region_bands(rects))


def region_rect_count(rects):
    return sum(len(spans) for _y0, _y1, spans in region_bands(rects))


def kill_clients_mid_frame(wl, proxy, count=6):
    """`count` animated pattern clients of different sizes on `proxy`
    (under an emulator), killed mid-frame once all draw, SIGKILL and
    SIGTERM in turn.  Returns the emulator's stats at their peak."""
    clients = [wl.test_client("pattern-client",
                              ["--animate", "--size", f"{120 + 10 * i}x90",
                               "--seed", str(i)], proxy)
               for i in range(count)]
    for c in clients:
        c.wait_for_output(r"^READY", 10)
    wait_alive_progress(clients)
    peak = read_emulator_stats(proxy.emulator_stats)
    for i, c in enumerate(clients):
        c.signal_group(signal.SIGKILL if i % 2 else signal.SIGTERM)
        assert c.wait(5) is not None, c.describe()
    return peak
