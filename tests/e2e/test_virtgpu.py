"""The virtgpu transport (virtio-gpu cross-domain) through virtgpu-emulator,
whatever the suite's WLGP_TRANSPORT: what crosses the device, what is left
behind when clients go, the host versions the options play, and what a
user sees when the guest kernel or the host lacks something.

Every proxy here also passes the teardown check of wlgp.emulator_problems:
no rejection by the driver or the host, never two POLLs outstanding nor a
missing one, nothing the emulator cannot emulate, nothing left live once
the proxy has exited."""

import signal

import wlgp


def start_virtgpu_proxy(wl, host, extra=(), socket_name=None):
    proxy = wl.start_proxy(host, kind="virtgpu", extra=extra, socket_name=socket_name)
    assert proxy.emulator_stats is not None
    return proxy


def idle(stats):
    """Nothing but per-file rings: no host buffers (dma-bufs), no pipes, and
    each DRM file one context with its two rings (the host monitor's
    connection and, once memory was allocated, the allocator's)."""
    live = stats["live"]
    return (live["exports"] == 0 and live["pipes"] == 0 and
            live["files"] == live["contexts"] and
            live["resources"] == 2 * live["contexts"] and live["contexts"] <= 2)


def wait_idle(proxy, timeout=10):
    stats = wlgp.wait_emulator_stats(proxy.emulator_stats, idle, timeout)
    assert idle(stats), f"left behind: {stats['live']}"
    return stats


def test_frames_cross_as_blobs_and_are_freed(wl, host, proxy_bin, clients_dir):
    proxy = start_virtgpu_proxy(wl, host)
    wait_idle(proxy)
    client = wlgp.start_pattern(wl, proxy, ["--seed", "3"])
    wlgp.check_screenshot(wl, host, 3, "virtgpu")

    stats = wlgp.read_emulator_stats(proxy.emulator_stats)
    # The picture reached the host in host-visible blobs made from image
    # requirements, sent as resource ids; the host's answers came back as
    # RECEIVE events, one per POLL.
    assert stats["counts"]["image_requirements"] >= 1, stats
    assert stats["live"]["exports"] >= 1, stats
    assert stats["counts"]["send_ids"] >= 1, stats
    assert stats["counts"]["receives"] >= 1, stats
    assert stats["counts"]["events"] <= stats["counts"]["polls"], stats
    assert stats["max_polls_outstanding"] == 1, stats

    client.signal_group(signal.SIGTERM)
    assert client.wait(5) is not None
    stats = wait_idle(proxy)
    assert stats["rejections"] == 0 and stats["unsupported"] == 0, stats


def test_clients_killed_mid_frame_leave_nothing(wl, host, proxy_bin, clients_dir):
    proxy = start_virtgpu_proxy(wl, host)
    peak = wlgp.kill_clients_mid_frame(wl, proxy)
    # One DRM file and context per client, plus the monitor and allocator.
    assert peak["live"]["contexts"] >= 8, peak
    wait_idle(proxy)
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    wait_idle(proxy)


def test_auto_picks_the_render_node(wl, host, proxy_bin):
    argv = wl.proxy_argv("auto-0", host, kind="virtgpu")
    argv[argv.index("virtgpu")] = "auto"
    auto = wl.spawn_proxy(argv)
    auto.socket = "auto-0"
    auto.socket_path = wlgp.socket_path(wl.runtime_dir, "auto-0")
    wlgp.wait_for_socket(auto.socket_path, auto, 15)
    auto.wait_for_output(r"transport auto: virtgpu on /dev/dri/renderD128 "
                         r"\(no /dev/wl0\)", 5, stream="stderr")
    auto.wait_for_output(r"over the virtgpu transport", 5, stream="stderr")
    info = wl.run(["wayland-info"], auto, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()


def failing_proxy(wl, host, name, emulator_flags):
    argv = wl.proxy_argv(name, host, kind="virtgpu")
    i = argv.index("--")
    proc = wl.spawn_proxy(argv[:i] + emulator_flags + argv[i:], expect_exit=1)
    rc = proc.wait(10)
    assert rc == 1, proc.describe()
    return proc


def test_host_without_cross_domain_is_explained(wl, host, proxy_bin):
    proc = failing_proxy(wl, host, "noxd-0", ["--no-cross-domain"])
    assert "does not offer cross-domain" in proc.stderr(), proc.describe()
    assert "context-types=cross-domain" in proc.stderr(), proc.describe()


def test_kernel_without_context_init_is_explained(wl, host, proxy_bin):
    proc = failing_proxy(wl, host, "noci-0", ["--no-context-init"])
    assert "lacks context_init" in proc.stderr(), proc.describe()
    assert "+context_init" in proc.stderr(), proc.describe()


def test_kernel_that_wants_a_context_before_get_caps(wl, host, proxy_bin):
    """Some kernels answer GET_CAPS only on a file with a context: the probe
    retries after CONTEXT_INIT, and each context does CONTEXT_INIT first."""
    argv = wl.proxy_argv("caps-0", host, kind="virtgpu")
    i = argv.index("--")
    proxy = wl.spawn_proxy(argv[:i] + ["--caps-need-context"] + argv[i:])
    proxy.socket = "caps-0"
    proxy.socket_path = wlgp.socket_path(wl.runtime_dir, "caps-0")
    wlgp.wait_for_socket(proxy.socket_path, proxy, 15)
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    stats = wlgp.wait_emulator_stats(proxy.emulator_stats,
                                     lambda st: st.get("rejection_log"))
    # Exactly the probe's first GET_CAPS was refused, as that kernel does.
    assert [r["call"] for r in stats["rejection_log"]] == ["GET_CAPS"], stats
    proxy.emulator_stats = None  # that one rejection is the point


def test_older_hosts_identifier_array(wl, host, proxy_bin, clients_dir):
    """--cross-domain-ids 4 talks to a host with 4 identifiers (older crosvm,
    libkrun); the default 28 against that host is refused, the control
    that shows the option is what makes it work."""
    argv = wl.proxy_argv("ids4-0", host, kind="virtgpu", extra=["--cross-domain-ids", "4"])
    i = argv.index("--")
    proxy = wl.spawn_proxy(argv[:i] + ["--ids", "4"] + argv[i:])
    proxy.socket = "ids4-0"
    proxy.socket_path = wlgp.socket_path(wl.runtime_dir, "ids4-0")
    wlgp.wait_for_socket(proxy.socket_path, proxy, 15)
    wlgp.start_pattern(wl, proxy, ["--seed", "5"])
    wlgp.check_screenshot(wl, host, 5, "virtgpu-ids4")

    # The control: the host drops every SEND, so the proxy's first round
    # trip (its host monitor's) is never answered and it gives up.
    wrong = failing_proxy(wl, host, "ids28-0", ["--ids", "4"])
    assert "did not answer through cross-domain" in wrong.stderr(), wrong.describe()
    stats = wlgp.read_emulator_stats(wrong.emulator_stats)
    assert any("identifier array has the wrong size" in r["reason"]
               for r in stats["rejection_log"]), stats
    wrong.emulator_stats = None  # its rejections are the point


def test_host_hangup_disconnects_clients_and_frees_contexts(wl, host, proxy_bin,
                                                            clients_dir):
    proxy = start_virtgpu_proxy(wl, host)
    client = wlgp.start_pattern(wl, proxy, ["--animate"])
    host.signal_group(signal.SIGKILL)
    assert host.wait(5) is not None
    assert client.wait(5) is not None, "client not disconnected:\n" + client.describe()
    # The empty RECEIVE ended every context whose compositor went; only
    # the allocator's file is left, and no buffer.
    stats = wlgp.wait_emulator_stats(
        proxy.emulator_stats,
        lambda s: s["live"]["contexts"] <= 1 and s["live"]["exports"] == 0, 10)
    assert stats["live"]["contexts"] <= 1 and stats["live"]["exports"] == 0, stats["live"]
    assert proxy.alive(), proxy.describe()
    new_host = wl.start_host(socket_name=host.socket)
    info = wl.run(["wayland-info"], proxy, timeout=10)
    assert info.returncode == 0 and "wl_compositor" in info.stdout, info.describe()
    wlgp.start_pattern(wl, proxy, ["--seed", "9"])
    wlgp.check_screenshot(wl, new_host, 9, "virtgpu-new-host")


def test_write_pipes_tagged_as_blobs(wl, proxy_bin, tmp_path):
    """crosvm from 2024-10 to 2025-09 tags the compositor's write pipes as
    type 1 (blob) with size 0: a guest-to-host paste still arrives, through
    WRITE commands."""
    import seat_host
    from test_clipboard import copy, paste, check_same, UTF8_TEXT
    missing = seat_host.missing_tools()
    assert not missing, f"missing tools for the seat tests: {missing}"
    weston = seat_host.start_weston_x11(wl)
    argv = wl.proxy_argv("wpb-0", weston, kind="virtgpu")
    i = argv.index("--")
    proxy = wl.spawn_proxy(argv[:i] + ["--write-pipe-as-blob"] + argv[i:])
    proxy.socket = "wpb-0"
    proxy.socket_path = wlgp.socket_path(wl.runtime_dir, "wpb-0")
    wlgp.wait_for_socket(proxy.socket_path, proxy, 15)
    data = UTF8_TEXT.encode()
    copy(wl, proxy, data, "text/plain;charset=utf-8", tmp_path)
    check_same(paste(wl, weston, "text/plain;charset=utf-8"), data, "guest_to_host")
    stats = wlgp.wait_emulator_stats(proxy.emulator_stats,
                                     lambda st: st["counts"]["writes"] >= 1)
    assert stats["counts"]["writes"] >= 1, stats
