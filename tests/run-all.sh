#!/usr/bin/env bash
# Runs the whole suite: unit tests (meson test) and end-to-end tests
# (pytest, real weston + real clients + the real binary), first on a normal
# build, then on an ASan+UBSan build.  The end-to-end tests run twice on
# each: on the direct transport, and on virtwl with the proxy under the
# /dev/wl0 emulator.  Then every fuzz target runs for a minute (fuzz/run.sh).
# Prints one closing summary line.
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

run_e2e() { # NAME BUILD_DIR TRANSPORT [env...]
	local name=$1 dir=$2 transport=$3; shift 3
	echo "== $name: end-to-end tests on $transport"
	env "$@" WL_GUEST_PROXY="$PWD/$dir/proxy/wl-guest-proxy" \
		WLGP_TEST_CLIENTS_DIR="$PWD/$dir/tests/clients" \
		WLGP_EMULATOR="$PWD/$dir/emulator/wl0-emulator" \
		WLGP_TRANSPORT="$transport" \
		$PYTHON -m pytest -q -p no:cacheprovider tests/e2e \
		--junitxml="$RESULTS/e2e-$name-$transport.xml" || status=1
}

SANITIZE=(ASAN_OPTIONS=detect_leaks=1:abort_on_error=1
	  UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1)

build build || exit 1
run_unit plain build
run_e2e plain build direct
run_e2e plain build virtwl

build build-asan -Db_sanitize=address,undefined -Db_lundef=false || exit 1
run_unit asan build-asan "${SANITIZE[@]}"
run_e2e asan build-asan direct "${SANITIZE[@]}"
run_e2e asan build-asan virtwl "${SANITIZE[@]}"

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
