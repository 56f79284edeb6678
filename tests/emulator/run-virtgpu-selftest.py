#!/usr/bin/python3
"""Runs virtgpu-selftest under virtgpu-emulator and checks, from the stats
file, that every rejection the self-test provoked was counted (and
nothing else), that what the emulator cannot do was counted apart, and
that every file, context, resource, pipe and dma-buf is gone at the end.

usage: run-virtgpu-selftest.py VIRTGPU_EMULATOR VIRTGPU_SELFTEST
"""
import json
import re
import subprocess
import sys
import tempfile

failures = []


def check(cond, what):
    if not cond:
        failures.append(what)
        print(f"FAIL {what}", file=sys.stderr)


def run(emu, selftest, tmp, name, emu_args=(), test_args=()):
    sock, stats = f"{tmp}/{name}-host", f"{tmp}/{name}.json"
    p = subprocess.run([emu, "--wayland-sock", sock, "--stats", stats, *emu_args,
                        "--", selftest, *test_args, sock, stats],
                       capture_output=True, text=True, timeout=120)
    sys.stderr.write(p.stderr)
    sys.stdout.write(p.stdout)
    check(p.returncode == 0, f"{name}: self-test exited {p.returncode}")
    m = re.search(r"expected rejections: (\d+)", p.stdout)
    check(m is not None, f"{name}: the self-test ran to the end")
    summary = [l for l in p.stderr.splitlines()
               if l.startswith("virtgpu-emulator: summary:")]
    check(len(summary) == 1, f"{name}: one summary line")
    with open(stats) as f:
        s = json.load(f)
    check(s["live"]["total"] == 0, f"{name}: nothing left live: {s['live']}")
    if m:
        check(s["rejections"] == int(m.group(1)),
              f"{name}: {s['rejections']} rejections counted, "
              f"{m.group(1)} provoked: {s['rejection_log']}")
    return s


def main():
    emu, selftest = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        s = run(emu, selftest, tmp, "main")
        reasons = " | ".join(e["reason"] for e in s["rejection_log"])
        for what in ("the reference's", "wrong guess", "guest memory",
                     "identifier array has the wrong size", "second POLL",
                     "cannot pass", "already used"):
            check(what in reasons, f"rejection '{what}' logged: {reasons}")
        calls = [e["call"] for e in s["rejection_log"]]
        for call in ("GET_CAPS", "CONTEXT_INIT", "PRIME_FD_TO_HANDLE", "mmap"):
            check(call in calls, f"a {call} rejection: {calls}")
        check(s["unsupported"] == 1 and "HOST3D" in s["unsupported_log"][0]["reason"],
              f"HOST3D mmap through the DRM fd counted as unsupported: "
              f"{s['unsupported_log']}")
        check(s["max_polls_outstanding"] == 2, "the double POLL was seen")
        check(s["polls_missing"] == 1, f"one missing POLL: {s['polls_missing']}")
        for key in ("files", "contexts", "resources", "pipes", "exports"):
            check(s["created"][key] > 0, f"created {key}")
        check(s["created"]["contexts"] == 3, f"three contexts: {s['created']}")
        c = run(emu, selftest, tmp, "caps", ["--caps-need-context"],
                ["--caps-need-context"])
        check(c["rejection_log"] and c["rejection_log"][0]["call"] == "GET_CAPS",
              "GET_CAPS before CONTEXT_INIT rejected")
    if failures:
        print(f"{len(failures)} failures", file=sys.stderr)
        sys.exit(1)
    print("virtgpu-emulator self-test passed")


main()
