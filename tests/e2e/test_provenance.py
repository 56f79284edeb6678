"""Window provenance (--tag, --app-id-prefix): what the host sees, from
weston's protocol debug stream (the requests as the host received them),
and what the guest sees, from the client's own WAYLAND_DEBUG log."""

import re

import pytest

import seat_host
import wlgp

TAG = "[vm1] "
PREFIX = "org.vm1"

STRING_ARG = re.compile(r'^"(.*)"$')


def host_names(stream, start=0):
    """[(message, string)] of every xdg_toplevel set_title / set_app_id the
    host received, in order."""
    out = []
    for _c, d, iface, _id, msg, args in stream.messages(start):
        if d == "rq" and iface == "xdg_toplevel" and msg in ("set_title", "set_app_id"):
            m = STRING_ARG.match(args)
            assert m, args
            out.append((msg, m.group(1)))
    return out


def run_window(wl, proxy, args, env=None, title_wait=None):
    c = wl.test_client("pattern-client", ["--size", "64x64"] + args, proxy,
                       env=env)
    c.wait_for_output(r"^READY", 15)
    return c


@pytest.fixture
def host(wl):
    return wl.start_host()


def wait_names(stream, pred, timeout=10):
    ok = wlgp.wait_until(lambda: pred(host_names(stream)), timeout)
    return ok, host_names(stream)


def test_tag_and_prefix_reach_the_host(wl, host, clients_dir):
    stream = wl.proto_stream(host)
    proxy = wl.start_proxy(host, extra=["--tag", TAG, "--app-id-prefix", PREFIX])
    c = run_window(wl, proxy, ["--title", "hello"], env={"WAYLAND_DEBUG": "1"})
    ok, names = wait_names(stream, lambda n: ("set_title", TAG + "hello") in n and
                           ("set_app_id", f"{PREFIX}.wlgp-pattern-client") in n)
    assert ok, names
    # Every title and app_id the host got carries the tag / prefix.
    for msg, value in names:
        if msg == "set_title":
            assert value.startswith(TAG), names
        else:
            assert value.startswith(PREFIX + "."), names
    c.stop()
    # The guest never sees either: nothing it received names them.
    log = c.stderr()
    assert "set_title(\"hello\")" in log, log  # the log is there at all
    assert TAG not in log and PREFIX not in log, log
    assert not wl.finish_proxies()


def test_real_client(wl, host):
    """weston-simple-shm, a real client: its own title and app_id, tagged."""
    stream = wl.proto_stream(host)
    proxy = wl.start_proxy(host, extra=["--tag", TAG, "--app-id-prefix", PREFIX])
    c = wl.client(["weston-simple-shm"], proxy)
    ok, names = wait_names(stream, lambda n: (
        ("set_title", TAG + "simple-shm") in n and
        ("set_app_id", f"{PREFIX}.org.freedesktop.weston.simple-shm") in n))
    assert ok, names
    c.stop()
    assert not wl.finish_proxies()


def test_untagged_without_options(wl, host):
    # The oracle of the others: without options the host gets what the
    # client sent, and nothing for a client that sends nothing.
    stream = wl.proto_stream(host)
    proxy = wl.start_proxy(host)
    a = run_window(wl, proxy, ["--title", "plain"])
    ok, names = wait_names(stream, lambda n: ("set_title", "plain") in n)
    assert ok, names
    assert names == [("set_title", "plain"), ("set_app_id", "wlgp-pattern-client")]
    start = stream.mark()
    b = run_window(wl, proxy, ["--no-title", "--app-id", ""])
    # It committed and got its configure: the host has had all it sent.
    assert host_names(stream, start) == []
    a.stop()
    b.stop()
    assert not wl.finish_proxies()


def test_nameless_window_gets_tag_and_stable_app_id(wl, host):
    stream = wl.proto_stream(host)
    proxy = wl.start_proxy(host, extra=["--tag", TAG, "--app-id-prefix", PREFIX])
    want = [("set_title", TAG), ("set_app_id", f"{PREFIX}.pattern-client")]
    for _ in range(2):  # stable: the same again for a second run
        start = stream.mark()
        c = run_window(wl, proxy, ["--no-title", "--app-id", ""])
        ok = wlgp.wait_until(lambda: host_names(stream, start) == want, 10)
        assert ok, host_names(stream, start)
        c.stop()
    assert not wl.finish_proxies()


def test_title_changes_are_tagged(wl):
    """foot changes its title when the shell in it asks (OSC 2); foot needs
    a seat, so the host is weston on Xvfb."""
    missing = seat_host.missing_tools()
    if missing:
        pytest.fail(f"missing tools: {missing}", pytrace=False)
    host = seat_host.start_weston_x11(wl)
    stream = wl.proto_stream(host)
    proxy = wl.start_proxy(host, extra=["--tag", TAG])
    script = "printf '\\033]2;second title\\007'; sleep 30"
    c = wl.client(["foot", "--override=font=monospace:size=8", "sh", "-c", script],
                  proxy)
    ok, names = wait_names(stream, lambda n: ("set_title", TAG + "second title") in n,
                           timeout=20)
    assert ok, (names, c.describe())
    titles = [v for m, v in names if m == "set_title"]
    assert len(titles) >= 2 and all(t.startswith(TAG) for t in titles), titles
    assert not any(v.startswith(PREFIX) for m, v in names if m == "set_app_id")
    c.stop()
    assert not wl.finish_proxies()


def test_through_config_file(wl, host):
    path = wl.config_home / "wl-guest-proxy" / "config"
    path.parent.mkdir(parents=True)
    path.write_text(f'tag = "{TAG}"\napp-id-prefix = {PREFIX}\n')
    stream = wl.proto_stream(host)
    proxy = wl.start_proxy(host)
    c = run_window(wl, proxy, ["--title", "cfg"])
    ok, names = wait_names(stream, lambda n: ("set_title", TAG + "cfg") in n and
                           ("set_app_id", f"{PREFIX}.wlgp-pattern-client") in n)
    assert ok, names
    c.stop()
    assert not wl.finish_proxies()


@pytest.mark.parametrize("args,message", [
    (["--tag", ""], "--tag needs a text"),
    (["--app-id-prefix", ""], "--app-id-prefix needs a prefix"),
    (["--app-id-prefix", "org vm"], "--app-id-prefix takes no spaces"),
])
def test_bad_values(wl, proxy_bin, args, message):
    p = wl.spawn_proxy([str(proxy_bin)] + args + ["--", "true"], expect_exit=1)
    assert p.wait(10) == 1, p.describe()
    assert message in p.stderr(), p.stderr()
