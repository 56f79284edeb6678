"""Logging fit for the journal: quiet at the default level except one line
per client connect and disconnect with its pid; levels from --log-level,
--verbose and WLGP_LOG_LEVEL; <N> priority prefixes when stderr is the
journal (JOURNAL_STREAM)."""

import os
import re
import signal

import wlgp

# Everything the proxy may print at the default level while serving
# well-behaved clients.
QUIET_LINES = [
    r"listening on \S+, relaying to .* over the \w+ transport",
    r"run clients with WAYLAND_DISPLAY=\S+",
    r"transport auto: .*",
    r"client pid \d+ connected",
    r"client pid \d+ disconnected",
    r"received SIG(TERM|INT), shutting down",
]


def at_level(level):
    """Extra arguments for a proxy at `level`, whatever WLGP_PROXY_VERBOSE
    says (the last level option wins)."""
    return ["--log-level", level]


def default_level_proxy(wl, host, name):
    """A proxy given no level at all: no --log-level, no --verbose (whatever
    WLGP_PROXY_VERBOSE says), no WLGP_LOG_LEVEL in its environment."""
    env = wl.base_env()
    env.pop("WLGP_LOG_LEVEL", None)
    argv = [a for a in wl.proxy_argv(name, host) if a not in ("--verbose", "-v")]
    assert not [a for a in argv if a.startswith("--log-level")], argv
    proxy = wl.spawn_proxy(argv, env=env)
    proxy.socket = name
    proxy.socket_path = wlgp.socket_path(wl.runtime_dir, name)
    wlgp.wait_for_socket(proxy.socket_path, proxy, 15)
    return proxy


def count(text, line):
    return sum(1 for ln in text.splitlines() if ln == line)


def test_one_line_per_connect_and_disconnect(wl, host, proxy_bin, clients_dir):
    """At the default level (no option, no environment): the connect and
    disconnect lines (so not warning or error), and nothing else (so not
    debug: wayland-info makes the proxy log hidden globals at debug, see
    test_levels)."""
    proxy = default_level_proxy(wl, host, "default-0")
    info = wl.run(["wayland-info"], proxy, timeout=15)
    assert info.returncode == 0, info.describe()
    pattern = wl.test_client("pattern-client", ["--size", "64x64"], proxy)
    pattern.wait_for_output(r"^READY", 10)
    killed = wl.test_client("pattern-client", ["--size", "32x32"], proxy)
    killed.wait_for_output(r"^READY", 10)
    killed.kill9()
    pattern.stop()
    pids = [info.proc.pid, pattern.pid, killed.pid]
    for pid in pids:
        proxy.wait_for_output(rf"^wl-guest-proxy: client pid {pid} disconnected$", 10,
                              stream="stderr")
    os.kill(proxy.pid, signal.SIGTERM)
    assert proxy.wait(10) == 0, proxy.describe()

    err = proxy.stderr()
    for pid in pids:
        assert count(err, f"wl-guest-proxy: client pid {pid} connected") == 1, err
        assert count(err, f"wl-guest-proxy: client pid {pid} disconnected") == 1, err
    quiet = re.compile(r"^wl-guest-proxy: (?:" + "|".join(QUIET_LINES) + r")$")
    # (under a device emulator it shares the proxy's stderr)
    noisy = [ln for ln in err.splitlines()
             if not quiet.match(ln) and
             not ln.startswith(("wl0-emulator: ", "virtgpu-emulator: "))]
    assert not noisy, "unexpected lines at the default level:\n" + "\n".join(noisy)


def test_disconnect_line_when_the_proxy_stops(wl, host, proxy_bin, clients_dir):
    """Clients still connected at SIGTERM get their disconnect line too."""
    proxy = wl.start_proxy(host, extra=at_level("info"))
    client = wl.test_client("pattern-client", ["--size", "64x64"], proxy)
    client.wait_for_output(r"^READY", 10)
    os.kill(proxy.pid, signal.SIGTERM)
    assert proxy.wait(10) == 0, proxy.describe()
    err = proxy.stderr()
    assert count(err, f"wl-guest-proxy: client pid {client.pid} connected") == 1, err
    assert count(err, f"wl-guest-proxy: client pid {client.pid} disconnected") == 1, err


def test_levels(wl, host, proxy_bin):
    # debug: the details (hidden globals) appear.
    debug = wl.start_proxy(host, extra=at_level("debug"))
    assert wl.run(["wayland-info"], debug, timeout=15).returncode == 0
    debug.wait_for_output(r"^wl-guest-proxy: debug: ", 10, stream="stderr")

    # WLGP_LOG_LEVEL=warning: not even the connect lines.
    env = wl.base_env()
    env["WLGP_LOG_LEVEL"] = "warning"
    argv = [a for a in wl.proxy_argv("quiet-0", host) if a != "--verbose"]
    quiet = wl.spawn_proxy(argv, env=env)
    quiet.socket = "quiet-0"
    wlgp.wait_for_socket(wl.runtime_dir / "quiet-0", quiet, 15)
    info = wl.run(["wayland-info"], quiet, timeout=15)
    assert info.returncode == 0, info.describe()
    os.kill(quiet.pid, signal.SIGTERM)
    assert quiet.wait(10) == 0, quiet.describe()
    assert "wl-guest-proxy:" not in quiet.stderr(), quiet.describe()

    # The command line wins over the environment.
    argv = wl.proxy_argv("loud-0", host, at_level("info"))
    loud = wl.spawn_proxy(argv, env=env)
    loud.socket = "loud-0"
    wlgp.wait_for_socket(wl.runtime_dir / "loud-0", loud, 15)
    info = wl.run(["wayland-info"], loud, timeout=15)
    loud.wait_for_output(rf"^wl-guest-proxy: client pid {info.proc.pid} connected$", 10,
                         stream="stderr")


def test_bad_level_is_refused(wl, host, proxy_bin):
    bad = wl.spawn_proxy(wl.proxy_argv("bad-0", host, at_level("chatty")), expect_exit=1)
    assert bad.wait(10) == 1, bad.describe()
    assert "unknown log level 'chatty'" in bad.stderr()
    env = wl.base_env()
    env["WLGP_LOG_LEVEL"] = "loud"
    bad = wl.spawn_proxy([a for a in wl.proxy_argv("bad-1", host) if a != "--verbose"],
                         env=env, expect_exit=1)
    assert bad.wait(10) == 1, bad.describe()
    assert "WLGP_LOG_LEVEL=loud" in bad.stderr()


def journal_proxy(wl, argv, journal_file, matching=True, name="proxy", expect_exit=0):
    """The proxy with stderr in journal_file and JOURNAL_STREAM naming it,
    as systemd sets it for StandardError=journal (or naming something else:
    a variable inherited by a process whose stderr went elsewhere)."""
    stream = '$(stat -L -c %d:%i /proc/self/fd/2)' if matching else "1:1"
    script = f'exec 2>"$0"; JOURNAL_STREAM={stream} exec "$@"'
    return wl.spawn_proxy(["sh", "-c", script, str(journal_file)] + argv, name=name,
                          expect_exit=expect_exit)


def test_journal_format(wl, host, proxy_bin, clients_dir):
    journal = wl.logdir / "journal.stream"
    sock = "journal-0"
    argv = wl.proxy_argv(sock, host, at_level("info") + ["--trace"])
    proxy = journal_proxy(wl, argv, journal)
    wlgp.wait_for_socket(wl.runtime_dir / sock, proxy, 15)
    info = wl.run(["wayland-info"], sock, timeout=15)
    assert info.returncode == 0, info.describe()
    pid = info.proc.pid
    assert wlgp.wait_until(
        lambda: f"<6>client pid {pid} disconnected\n" in journal.read_text(), 10), \
        journal.read_text()[-3000:]

    # A second server on the same socket fails with an error line.
    second = journal_proxy(wl, wl.proxy_argv(sock, host), wl.logdir / "journal2.stream",
                           name="second", expect_exit=1)
    assert second.wait(10) == 1, second.describe()
    os.kill(proxy.pid, signal.SIGTERM)
    assert proxy.wait(10) == 0, proxy.describe()

    lines = journal.read_text().splitlines()
    assert f"<6>client pid {pid} connected" in lines
    assert any(re.match(r"^<6>listening on ", ln) for ln in lines), lines[:5]
    trace = [ln for ln in lines if ln.startswith("<7>trace: ")]
    assert trace, "no trace lines"
    # The journal has its own timestamps and identifier.
    assert all(re.match(rf"^<7>trace: pid \d+ (guest->proxy|proxy->host |host->proxy |"
                        r"proxy->guest) \w+@\d+\.\w+\(", ln) for ln in trace), trace[:3]
    assert not [ln for ln in lines if ln.startswith("wl-guest-proxy:")], lines
    assert not wlgp.SANITIZER_RE.search(journal.read_text())
    err2 = (wl.logdir / "journal2.stream").read_text()
    assert re.search(r"^<3>error: another Wayland server is running on ", err2, re.M), err2

    # JOURNAL_STREAM naming another file: the terminal format.
    other = wl.logdir / "other.stream"
    proxy = journal_proxy(wl, wl.proxy_argv("plain-0", host, at_level("info")), other,
                          matching=False, name="plain")
    wlgp.wait_for_socket(wl.runtime_dir / "plain-0", proxy, 15)
    os.kill(proxy.pid, signal.SIGTERM)
    assert proxy.wait(10) == 0, proxy.describe()
    text = other.read_text()
    assert text.startswith("wl-guest-proxy: listening on "), text
    assert "<6>" not in text


def test_refused_client_has_its_connect_and_disconnect_line(wl, host, proxy_bin):
    """A client the proxy cannot serve (the host is gone) is still one
    connect line, the reason, and one disconnect line."""
    proxy = wl.start_proxy(host, extra=at_level("info"))
    host.stop()
    proxy.wait_for_output(r"host compositor .* went away", 10, stream="stderr")
    info = wl.run(["wayland-info"], proxy, timeout=15)
    # (wayland-info exits 0 even then)
    assert "wl-guest-proxy: " in info.stderr, info.describe()
    pid = info.proc.pid
    proxy.wait_for_output(rf"^wl-guest-proxy: client pid {pid} disconnected$", 10,
                          stream="stderr")
    err = proxy.stderr()
    assert count(err, f"wl-guest-proxy: client pid {pid} connected") == 1, err
    assert count(err, f"wl-guest-proxy: client pid {pid} disconnected") == 1, err
    assert re.search(rf"^wl-guest-proxy: client pid {pid}: .+", err, re.M), err
