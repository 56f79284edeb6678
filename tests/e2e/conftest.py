"""Fixtures for the wl-guest-proxy end-to-end tests.

Environment:
  WL_GUEST_PROXY         the proxy binary (default: <repo>/build/proxy/wl-guest-proxy)
  WLGP_TEST_CLIENTS_DIR  build dir of tests/clients (default: <repo>/build/tests/clients)
  WLGP_TRANSPORT         passed as --transport (default: direct)
  WLGP_PROXY_VERBOSE     if set, the proxy runs with --verbose
Logs of every process of a test are kept in its tmp_path.
"""

import os
import resource
import shutil

import pytest

import wlgp


def pytest_configure(config):
    # No core dumps from the processes tests start (the limit is
    # inherited): a crash is judged by its exit status and logs, and on a
    # machine whose limit allows cores any crash would write one (hundreds
    # of MB for Firefox or Xwayland) into the test's directory.
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def pytest_report_header(config):
    return [
        f"wl-guest-proxy: {wlgp.proxy_binary()}",
        f"test clients: {wlgp.clients_dir()}",
        f"transport: {wlgp.transport()}",
    ]


@pytest.fixture(scope="session")
def proxy_bin():
    path = wlgp.proxy_binary()
    if not (path.is_file() and os.access(path, os.X_OK)):
        pytest.fail(f"proxy binary {path} missing: build it or set WL_GUEST_PROXY",
                    pytrace=False)
    return path


@pytest.fixture(scope="session")
def clients_dir():
    path = wlgp.clients_dir()
    missing = [c for c in ("pattern-client", "garbage-client", "bad-request-client",
                         "slow-reader-client")
               if not (path / c).is_file()]
    if missing:
        pytest.fail(f"test clients {missing} missing in {path}: build tests/clients "
                    "or set WLGP_TEST_CLIENTS_DIR", pytrace=False)
    return path


@pytest.fixture(scope="session")
def host_tools():
    missing = [t for t in ("weston", "weston-screenshooter", "weston-debug", "wayland-info",
                           "convert")
               if shutil.which(t) is None]
    if missing:
        pytest.fail(f"missing host tools: {missing}", pytrace=False)


@pytest.fixture
def wl(tmp_path, host_tools):
    """A private XDG_RUNTIME_DIR (mode 700) and the processes of one test."""
    env = wlgp.WlEnv(tmp_path)
    try:
        yield env
        problems = env.finish_proxies()
    finally:
        env.cleanup()
    if problems:
        pytest.fail("proxy teardown: " + "; ".join(problems) + f" (logs in {tmp_path})",
                    pytrace=False)


@pytest.fixture(params=list(wlgp.COPY_MODES))
def copy_mode(request, monkeypatch):
    """The pixel tests run twice: large copies on copy threads, and every
    copy inline (--copy-threads 0), through WLGP_COPY_THREADS, which every
    proxy the test starts reads."""
    monkeypatch.setenv("WLGP_COPY_THREADS", wlgp.COPY_MODES[request.param])
    return request.param


@pytest.fixture
def host(wl):
    """A private weston headless host (pixman, deterministic shell config)."""
    return wl.start_host()


@pytest.fixture
def proxy(wl, host, proxy_bin):
    """The proxy under test, on its own socket, relaying to `host`."""
    return wl.start_proxy(host)
