#!/usr/bin/env bash
# Runs the libFuzzer targets of fuzz/ (see README.md):
#   fuzz/run.sh [--minutes N] [TARGET...]     (default: 1 minute, all targets)
#   fuzz/run.sh --build-only                  (only build them)
# Builds them with clang, ASan and UBSan in build-fuzz/ (FUZZ_BUILD to
# change), keeps each target's growing corpus in build-fuzz/corpus/TARGET
# (FUZZ_CORPUS to change) on top of the committed seeds and regression
# inputs, and writes crashes to build-fuzz/artifacts/TARGET/.  Exits 1 if
# any target found anything; prints a line per target with executions per
# second, coverage and corpus size.
set -uo pipefail
cd "$(dirname "$0")/.."

ALL_TARGETS=(copy guest host device xdomain x11)
minutes=1
build_only=0
targets=()
while [ $# -gt 0 ]; do
	case $1 in
	--minutes) minutes=$2; shift 2 ;;
	--minutes=*) minutes=${1#*=}; shift ;;
	--build-only) build_only=1; shift ;;
	-h|--help) sed -n 2,9p "$0"; exit 0 ;;
	*) targets+=("$1"); shift ;;
	esac
done
[ ${#targets[@]} -gt 0 ] || targets=("${ALL_TARGETS[@]}")
seconds=$(awk -v m="$minutes" 'BEGIN { s = int(m * 60); print s < 1 ? 1 : s }')

BUILD=${FUZZ_BUILD:-build-fuzz}
CORPUS=${FUZZ_CORPUS:-$BUILD/corpus}
if [ ! -f "$BUILD/build.ninja" ]; then
	CC=clang meson setup "$BUILD" -Dfuzz=true -Db_sanitize=address,undefined \
		-Db_lundef=false || exit 1
fi
ninja -C "$BUILD" $(printf 'fuzz/fuzz-%s ' "${targets[@]}") || exit 1
[ $build_only = 1 ] && exit 0

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-halt_on_error=1:print_stacktrace=1}
status=0
summary=()
for t in "${targets[@]}"; do
	mkdir -p "$CORPUS/$t" "$BUILD/artifacts/$t"
	dirs=("$CORPUS/$t")
	for d in fuzz/seeds/$t fuzz/regressions/$t; do
		[ -d "$d" ] && dirs+=("$d")
	done
	log="$BUILD/artifacts/$t/last-run.log"
	echo "== fuzz $t for ${seconds}s (log: $log)"
	"$BUILD/fuzz/fuzz-$t" -max_total_time="$seconds" -timeout=20 \
		-rss_limit_mb=2560 -print_final_stats=1 \
		-artifact_prefix="$BUILD/artifacts/$t/" "${dirs[@]}" >"$log" 2>&1
	rc=$?
	execs=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
	runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
	cov=$(grep -oE 'cov: [0-9]+ ft: [0-9]+ corp: [0-9]+/[0-9]+[a-zA-Z]*' "$log" | tail -1)
	if [ $rc -ne 0 ]; then
		status=1
		grep -E 'ERROR|fuzz check failed|SUMMARY|Test unit written' "$log" | head -8
		summary+=("$t: FAILED (exit $rc), see $log and $BUILD/artifacts/$t/")
	else
		summary+=("$t: ok, ${runs:-?} runs, ${execs:-?} exec/s, ${cov:-?}")
	fi
done
echo "== fuzz summary"
printf '%s\n' "${summary[@]}"
exit $status
