#!/usr/bin/env bash
# Runs the whole suite: unit tests (meson test) and end-to-end tests
# (pytest, real weston + real clients + the real binary), first on a normal
# build, then on an ASan+UBSan build.  The end-to-end tests run three times
# on each, side by side: on the direct transport, on virtwl with the proxy
# under the /dev/wl0 emulator, and on virtgpu under the virtio-gpu
# cross-domain emulator.  Between the two builds the Debian package is built,
# installed and checked.  Then a ThreadSanitizer build runs the copy unit
# tests and the copy-thread e2e files (run_tsan), and every fuzz target runs
# for a minute (fuzz/run.sh).  Prints one closing summary line.
set -uo pipefail
cd "$(dirname "$0")/.."
PYTHON=/usr/bin/python3
RESULTS=$(mktemp -d)
status=0

build() { # DIR [meson options...]
	local dir=$1; shift
	{ [ -f "$dir/build.ninja" ] || meson setup "$dir" "$@"; } && ninja -C "$dir"
}

run_unit() { # NAME BUILD_DIR [env...]
	local name=$1 dir=$2; shift 2
	echo "== $name: unit tests"
	env "$@" meson test -C "$dir" --print-errorlogs --logbase "unit-$name" ||
		status=1
	cp "$dir/meson-logs/unit-$name.junit.xml" "$RESULTS/" 2>/dev/null
}

# A stage's bound, beside pytest-timeout's per-test one (pytest.ini): a
# hang outside any test (collection, a session fixture, interpreter exit)
# still ends the stage, and SIGINT makes pytest print where it was and write
# its report.  An end-to-end run takes 8-11 minutes on two cores.
STAGE_TIMEOUT=(timeout --signal=INT --kill-after=60 25m)

run_e2e() { # NAME BUILD_DIR TRANSPORT [env...]
	local name=$1 dir=$2 transport=$3; shift 3
	echo "== $name: end-to-end tests on $transport"
	"${STAGE_TIMEOUT[@]}" env "$@" WL_GUEST_PROXY="$PWD/$dir/proxy/wl-guest-proxy" \
		WLGP_TEST_CLIENTS_DIR="$PWD/$dir/tests/clients" \
		WLGP_EMULATOR="$PWD/$dir/emulator/wl0-emulator" \
		WLGP_VIRTGPU_EMULATOR="$PWD/$dir/emulator/virtgpu-emulator" \
		WLGP_TRANSPORT="$transport" \
		$PYTHON -m pytest -q -p no:cacheprovider tests/e2e \
		--junitxml="$RESULTS/e2e-$name-$transport.xml" --durations=5
}

# The three transports' end-to-end runs of one build side by side: each
# test has its own runtime dir, hosts, display numbers and emulator, and
# most of a test's time is spent waiting on real programs, so the suite's
# wall time drops by about half on two cores.  Each run's output is shown
# whole once it is done.
run_e2e_transports() { # NAME BUILD_DIR [env...]
	local name=$1 dir=$2 t pids=() logs=()
	shift 2
	for t in direct virtwl virtgpu; do
		run_e2e "$name" "$dir" "$t" "$@" >"$RESULTS/log-$name-$t.txt" 2>&1 &
		pids+=($!)
		logs+=("$RESULTS/log-$name-$t.txt")
	done
	for i in "${!pids[@]}"; do
		wait "${pids[$i]}" || status=1
		cat "${logs[$i]}"
	done
}

# ThreadSanitizer: the copy threads (copy/copy_pool.c, proxy/surface.c,
# the per-thread SIGBUS guard in proxy/shm.c) and the window manager's X
# set-up thread (xwm/startup.c).  The copy unit tests and a few e2e files
# where clients copy side by side, are killed mid-copy or truncate a pool
# under a copy thread; the window manager starting, and stopped midway by
# a stopped Xwayland; direct transport only, to keep the suite's time
# (about 2 minutes plus the build).
run_tsan() { # BUILD_DIR
	local dir=$1
	echo "== tsan: copy unit tests"
	TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" meson test -C "$dir" --suite copy \
		--print-errorlogs --logbase unit-tsan || status=1
	cp "$dir/meson-logs/unit-tsan.junit.xml" "$RESULTS/" 2>/dev/null
	echo "== tsan: copy, many-client and window manager start-up end-to-end tests on direct"
	# Not test_copy_is_damage_exact[inline-no-frame-wait]: it has no copy
	# thread to check, and its premise (commits outrunning the host's
	# releases until a commit is held back) does not hold for a proxy
	# slowed 5-15x by TSan (seen once); the plain and ASan runs check it.
	"${STAGE_TIMEOUT[@]}" env TSAN_OPTIONS="halt_on_error=1 suppressions=$PWD/tests/tsan.supp" WL_GUEST_PROXY="$PWD/$dir/proxy/wl-guest-proxy" \
		WLGP_TEST_CLIENTS_DIR="$PWD/$dir/tests/clients" \
		WLGP_EMULATOR="$PWD/$dir/emulator/wl0-emulator" \
		WLGP_TRANSPORT=direct \
		$PYTHON -m pytest -q -p no:cacheprovider \
		tests/e2e/test_copy_threads.py tests/e2e/test_many_clients.py \
		tests/e2e/test_copy_damage.py \
		tests/e2e/test_shm_hostile.py::test_truncated_pool_while_others_copy \
		tests/e2e/test_x11.py::test_x11_title_and_app_id_follow \
		tests/e2e/test_x11.py::test_stopped_xwayland_holds_up_only_its_x_clients \
		tests/e2e/test_x11.py::test_sigterm_while_xwayland_is_stopped \
		-k "not inline-no-frame-wait" \
		--junitxml="$RESULTS/e2e-tsan-direct.xml" || status=1
}

SANITIZE=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)

build build || exit 1
run_unit plain build
# The sanitizer and fuzz builds compile at low priority while the plain
# end-to-end runs go on (those mostly wait on real programs): the suite's
# wall time, not its work, is what the 30 minutes bound.
prebuild() {
	build build-asan -Db_sanitize=address,undefined -Db_lundef=false &&
		build build-tsan -Db_sanitize=thread && fuzz/run.sh --build-only
}
nice -n 10 bash -c "$(declare -f build prebuild); prebuild" >"$RESULTS/prebuild.txt" 2>&1 &
prebuild_pid=$!
run_e2e_transports plain build
wait $prebuild_pid || { cat "$RESULTS/prebuild.txt"; exit 1; }
echo "== sanitizer and fuzz builds (made beside the plain runs)"
tail -n 3 "$RESULTS/prebuild.txt"

echo "== the Debian package: build, lintian, install, deployment tests"
JUNIT_DIR=$RESULTS tests/package.sh build direct virtwl || status=1

run_unit asan build-asan "${SANITIZE[@]}"
run_e2e_transports asan build-asan "${SANITIZE[@]}"

run_tsan build-tsan

# Every fuzz target for a minute (clang, ASan+UBSan, build-fuzz/); the
# regression inputs themselves are replayed by meson test above.
echo "== fuzz: every target for 1 minute"
fuzz/run.sh --minutes 1 || status=1

$PYTHON - "$RESULTS" <<'PY'
import sys, glob, xml.etree.ElementTree as ET
passed = failed = skipped = 0
for f in glob.glob(sys.argv[1] + '/*.xml'):
    for case in ET.parse(f).getroot().iter('testcase'):
        if case.find('failure') is not None or case.find('error') is not None:
            failed += 1
        elif case.find('skipped') is not None:
            skipped += 1
        else:
            passed += 1
print(f'{passed} passed, {failed} failed, {skipped} skipped')
PY
exit $status
