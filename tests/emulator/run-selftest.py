#!/usr/bin/python3
"""Runs the emulator self-test under wl0-emulator, then the CLI checks
(exit status, signals, environment) that need the emulator from outside,
then wayland-info against weston through the emulator (wl-bridge.py).

usage: run-selftest.py WL0_EMULATOR EMULATOR_SELFTEST
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL {what}", file=sys.stderr)


def run(emu, args, timeout=60, env=None):
    return subprocess.run([emu] + args, capture_output=True, text=True,
                          timeout=timeout, env=env)


def selftest(emu, selftest_exe, tmp):
    sock, sock2 = f"{tmp}/host-0", f"{tmp}/host-1"
    stats = f"{tmp}/stats.json"
    p = run(emu, ["--wayland-sock", sock, "--wayland-sock", f"{sock2},name=second",
                  "--stats", stats, "--", selftest_exe, sock, sock2, stats],
            timeout=240)
    sys.stderr.write(p.stderr)
    check(p.returncode == 0, f"self-test exited {p.returncode}")
    summary = [l for l in p.stderr.splitlines() if l.startswith("wl0-emulator: summary:")]
    check(len(summary) == 1, "one summary line")
    with open(stats) as f:
        s = json.load(f)
    check(s["live"]["total"] == 0, f"final live vfds {s['live']}")
    check(s["violations"] == len(s["violation_log"]), "violation log length")
    for key in ("ctx", "alloc", "pipe", "host_shm", "host_stream"):
        check(s["created"][key] > 0, f"created {key}")
    check(s["max_recv_fds"] == 28, f"max_recv_fds {s['max_recv_fds']}")
    check(all(e["errno"] and e["reason"] for e in s["rejection_log"]), "rejection entries")


def stall(emu, selftest_exe, tmp):
    """--in-buffers: the device-wide stall."""
    sock, stats = f"{tmp}/stall-0", f"{tmp}/stall.json"
    p = run(emu, ["--in-buffers", "8", "--wayland-sock", sock, "--stats", stats, "--",
                  selftest_exe, "--stall", sock, stats], timeout=60)
    sys.stderr.write(p.stderr)
    check(p.returncode == 0, f"stall self-test exited {p.returncode}")


def cli(emu, tmp):
    sock = ["--wayland-sock", f"{tmp}/none"]
    p = run(emu, sock + ["--", "sh", "-c", "exit 7"])
    check(p.returncode == 7, f"exit status passed through ({p.returncode})")
    p = run(emu, sock + ["--", "sh", "-c", "kill -TERM $$"])
    check(p.returncode == 128 + signal.SIGTERM, f"killed child: {p.returncode}")
    env = dict(os.environ, WAYLAND_DISPLAY="wayland-host")
    p = run(emu, sock + ["--", "sh", "-c", 'test -z "$WAYLAND_DISPLAY"'], env=env)
    check(p.returncode == 0, "WAYLAND_DISPLAY removed for the guest")
    p = run(emu, sock + ["--", "/nonexistent/command"])
    check(p.returncode == 127, f"missing command: {p.returncode}")
    p = run(emu, ["--", "true"])
    check(p.returncode == 2, f"no --wayland-sock is a usage error ({p.returncode})")
    # Signals reach the child; the emulator exits with its status.
    proc = subprocess.Popen([emu] + sock + ["--", "sleep", "30"],
                            stderr=subprocess.PIPE, text=True)
    time.sleep(0.5)
    start = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    rc = proc.wait(timeout=10)
    check(rc == 128 + signal.SIGTERM, f"SIGTERM forwarded ({rc})")
    check(time.monotonic() - start < 5, "exit after SIGTERM is prompt")
    check("summary:" in proc.stderr.read(), "summary after a signal")


def start_weston(tmp):
    """weston on Xvfb (it has a seat, so clients get a keymap fd); None,
    with a failure, when a tool is missing."""
    missing = [p for p in ("weston", "Xvfb", "wayland-info") if not shutil.which(p)]
    # A missing tool is a failure, as everywhere in the suite: a skip here
    # would let the emulator pass untested against a real compositor.
    check(not missing, f"missing tools for the real-compositor check: {missing} "
          "(Debian packages weston, xvfb, wayland-utils)")
    if missing:
        return None
    rfd, wfd = os.pipe()
    xvfb = subprocess.Popen(["Xvfb", "-displayfd", str(wfd), "-screen", "0", "640x480x24",
                             "-nolisten", "tcp"], pass_fds=[wfd],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    os.close(wfd)
    with os.fdopen(rfd) as f:
        display = f.readline().strip()
    env = dict(os.environ, XDG_RUNTIME_DIR=tmp, DISPLAY=f":{display}")
    weston = subprocess.Popen(["weston", "--backend=x11-backend.so", "--use-pixman",
                               "--socket=wl0-emu-host", "--width=320", "--height=240",
                               "--idle-time=0"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    sock = f"{tmp}/wl0-emu-host"
    for _ in range(100):
        if os.path.exists(sock):
            break
        time.sleep(0.05)
    check(os.path.exists(sock), f"weston did not create {sock}")
    return xvfb, weston, sock


def real_compositor(emu, tmp):
    """A real client against a real compositor through the emulator."""
    started = start_weston(tmp)
    if not started:
        return
    xvfb, weston, sock = started
    try:
        stats = f"{tmp}/weston-stats.json"
        bridge = os.path.join(os.path.dirname(os.path.abspath(__file__)), "wl-bridge.py")
        p = run(emu, ["--wayland-sock", sock, "--stats", stats, "--",
                      sys.executable, bridge, "wayland-info"], timeout=60)
        sys.stderr.write(p.stderr)
        check(p.returncode == 0, f"wayland-info through the emulator: {p.returncode}")
        with open(stats) as f:
            s = json.load(f)
        check(s["created"]["host_shm"] >= 1, "weston's keymap arrived as host memory")
        check(s["rejections"] == 0 and s["violations"] == 0, "clean run")
        check(s["live"]["total"] == 0, f"live after the client left: {s['live']}")
    finally:
        for proc in (weston, xvfb):
            proc.terminate()
            proc.wait(timeout=10)


def main():
    emu, selftest_exe = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory(prefix="wl0-emu-") as tmp:
        selftest(emu, selftest_exe, tmp)
        stall(emu, selftest_exe, tmp)
        cli(emu, tmp)
        real_compositor(emu, tmp)
    print("PASSED" if not failures else f"FAILED: {failures}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
