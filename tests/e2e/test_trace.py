"""Protocol tracing (--trace, WLGP_TRACE=1): each message on both sides of
the proxy, so a request can be followed to the host and its answer back."""

import os
import re
import signal

import wlgp

TRACE_RE = re.compile(
    r"^wl-guest-proxy: \[\s*\d+\.\d{3}\] trace: pid (?P<pid>\d+) "
    r"(?P<leg>guest->proxy|proxy->host |host->proxy |proxy->guest) "
    r"(?P<iface>\w+)@(?P<id>\d+)\.(?P<msg>\w+)\((?P<args>.*)\)$")


def trace_lines(text):
    """[(pid, leg, interface, id, message, args)] in order."""
    out = []
    for line in text.splitlines():
        if " trace: " not in line:
            continue
        m = TRACE_RE.match(line)
        assert m, f"malformed trace line: {line!r}"
        out.append((int(m["pid"]), m["leg"].strip(), m["iface"], int(m["id"]),
                    m["msg"], m["args"]))
    return out


def without_verbose(argv):
    return [a for a in argv if a != "--verbose"]


def next_line(lines, start, leg):
    """The first line after index start on leg."""
    for i in range(start + 1, len(lines)):
        if lines[i][1] == leg:
            return i, lines[i]
    raise AssertionError(f"no {leg} line after {lines[start]}")


def find(lines, leg, iface, msg, start=0):
    for i in range(start, len(lines)):
        if lines[i][1:3] == (leg, iface) and lines[i][4] == msg:
            return i, lines[i]
    raise AssertionError(f"no {leg} {iface}.{msg} in the trace")


def test_trace_follows_requests_to_the_host_and_back(wl, host, proxy_bin, clients_dir):
    proxy = wl.start_proxy(host, extra=["--trace"])
    title = 'trace\ntest"'
    client = wl.test_client("pattern-client",
                            ["--size", "64x64", "--exit-after-ready", "--title", title],
                            proxy)
    assert client.wait(15) == 0, client.describe()
    proxy.wait_for_output(rf"client pid {client.pid} disconnected$", 10, stream="stderr")
    lines = trace_lines(proxy.stderr())
    assert lines, proxy.describe()
    assert {pid for pid, *_ in lines} == {client.pid}, "trace lines of other pids"

    # wl_compositor.create_surface goes to the host, with the host's ids.
    i, guest = find(lines, "guest->proxy", "wl_compositor", "create_surface")
    m = re.fullmatch(r"new id wl_surface@(\d+)", guest[5])
    assert m, guest
    j, sent = next_line(lines, i, "proxy->host")
    assert sent[2] == "wl_compositor" and sent[4] == "create_surface", sent
    assert re.fullmatch(r"new id wl_surface@\d+", sent[5]), sent

    # wl_display.sync: a host round trip, and the host's answer comes back
    # to the guest's callback with the same serial.
    i, guest = find(lines, "guest->proxy", "wl_display", "sync")
    guest_cb = int(re.fullmatch(r"new id wl_callback@(\d+)", guest[5])[1])
    j, sent = next_line(lines, i, "proxy->host")
    assert sent[2:5] == ("wl_display", 1, "sync"), sent
    host_cb = int(re.fullmatch(r"new id wl_callback@(\d+)", sent[5])[1])
    k, done = find(lines, "host->proxy", "wl_callback", "done", j)
    while done[3] != host_cb:
        k, done = find(lines, "host->proxy", "wl_callback", "done", k + 1)
    n, posted = next_line(lines, k, "proxy->guest")
    assert posted[2:5] == ("wl_callback", guest_cb, "done"), posted
    assert posted[5] == done[5], (done, posted)

    # Strings are quoted with control characters and quotes escaped, so a
    # guest's title never breaks a journal line.
    _i, set_title = find(lines, "guest->proxy", "xdg_toplevel", "set_title")
    assert set_title[5] == '"trace\\x0atest\\x22"', set_title
    _i, sent = next_line(lines, _i, "proxy->host")
    assert (sent[2], sent[4], sent[5]) == ("xdg_toplevel", "set_title", set_title[5]), sent

    # wl_registry.bind: shown from the guest with the interface it names,
    # then as the proxy binds it on the host (registry.c, not the relay).
    i, bind = find(lines, "guest->proxy", "wl_registry", "bind")
    m = re.fullmatch(r'(\d+), "(\w+)", (\d+), new id \2@\d+', bind[5])
    assert m, bind
    _j, sent = next_line(lines, i, "proxy->host")
    assert (sent[2], sent[4]) == ("wl_registry", "bind"), sent
    assert re.fullmatch(rf'{m[1]}, "{m[2]}", {m[3]}, new id {m[2]}@\d+', sent[5]), sent

    # wl_surface.attach: the guest's shm buffer goes to the host as the
    # proxy's own host buffer (surface.c, on commit).
    i, attach = find(lines, "guest->proxy", "wl_surface", "attach")
    _j, sent = find(lines, "proxy->host", "wl_surface", "attach", i)
    assert re.fullmatch(r"wl_buffer@\d+, 0, 0", sent[5]), sent


def run_info(wl, host, name, env_trace=None, extra=()):
    env = wl.base_env()
    if env_trace is not None:
        env["WLGP_TRACE"] = env_trace
    proxy = wl.spawn_proxy(without_verbose(wl.proxy_argv(name, host, extra)), env=env)
    proxy.socket = name
    wlgp.wait_for_socket(wl.runtime_dir / name, proxy, 15)
    info = wl.run(["wayland-info"], proxy, timeout=15)
    assert info.returncode == 0, info.describe()
    proxy.wait_for_output(rf"client pid {info.proc.pid} disconnected$", 10, stream="stderr")
    os.kill(proxy.pid, signal.SIGTERM)
    assert proxy.wait(10) == 0, proxy.describe()
    return info.proc.pid, trace_lines(proxy.stderr())


def test_trace_environment_variable(wl, host, proxy_bin):
    pid, lines = run_info(wl, host, "env-1", env_trace="1")
    assert (pid, "guest->proxy", "wl_display", 1, "get_registry") in \
        {line[:5] for line in lines}
    assert any(line[1] == "proxy->host" for line in lines)
    assert any(line[1] == "host->proxy" and line[4] == "global" for line in lines)

    for name, value in (("env-0", "0"), ("env-unset", None)):
        _pid, lines = run_info(wl, host, name, env_trace=value)
        assert lines == [], f"WLGP_TRACE={value}: traced anyway"

    bad = wl.spawn_proxy(wl.proxy_argv("env-bad", host),
                         env=dict(wl.base_env(), WLGP_TRACE="yes"), expect_exit=1)
    assert bad.wait(10) == 1, bad.describe()
    assert "WLGP_TRACE=yes" in bad.stderr()


def test_hidden_globals_show_only_on_the_host_side(wl, host, proxy_bin):
    """A global the proxy hides: the host's announcement is in the trace, no
    announcement to the guest follows (what a user debugging a missing
    global needs to see)."""
    _pid, lines = run_info(wl, host, "hidden-0", extra=["--trace"])
    host_globals = {re.match(r'\d+, "(\w+)"', line[5])[1] for line in lines
                    if line[1] == "host->proxy" and line[4] == "global"}
    guest_globals = {re.match(r'\d+, "(\w+)"', line[5])[1] for line in lines
                     if line[1] == "proxy->guest" and line[4] == "global"}
    assert "weston_screenshooter" in host_globals - guest_globals, \
        (host_globals, guest_globals)
    assert "wl_compositor" in guest_globals
