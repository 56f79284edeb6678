#!/bin/bash
# run-bench.sh: commit -> wl_display.sync latency of a 1920x1080 wl_shm
# client, direct to weston / through wl-guest-proxy / through waypipe.
#
# Starts a private weston (headless, pixman, 1920x1080, the deterministic
# config of docs/test-environment.md), one wl-guest-proxy on it and one
# waypipe client/server pair on it, then runs bench-client in both modes
# (full: whole frame damaged, small: one 64x64 square) on each path,
# BENCH_ROUNDS times with the path order rotated each round, and prints
# the medians over the rounds with the targets of the copy-path issue:
#
#   full frame    proxy <= direct + 1.3 x one memcpy of the frame
#   small damage  proxy <= direct + 0.1 ms
#   waypipe       proxy "well ahead": latency and CPU per frame both at
#                 most 1/WELL_AHEAD (2) of waypipe's, in each mode
#
# It is a benchmark, not a test: a MISS does not change the exit status.
# Exit status 1 only when something broke (a program missing or failing).
#
# Environment (defaults in brackets):
#   WL_GUEST_PROXY     proxy binary [build/proxy/wl-guest-proxy]
#   WLGP_BENCH_CLIENT  bench-client [build/bench/bench-client]
#   WAYPIPE            waypipe binary [waypipe on PATH]; skipped if missing
#   BENCH_FRAMES [300] BENCH_WARMUP [30] BENCH_ROUNDS [5] BENCH_BUFFERS [3]
#   BENCH_MODES        which of full small 4k iso to run [all four]
#   BENCH_PIN          a CPU list (taskset -c) to pin weston, the proxy,
#                      waypipe and the client to, e.g. 0 [unset: unpinned].
#                      On a VM a wake-up across vCPUs costs tens of us, and
#                      whether the scheduler puts the client and the
#                      compositor on one CPU or two changes small-damage
#                      latency by 3-5x from run to run; BENCH_PIN=0 removes
#                      that and leaves the work itself (see README.md).
#   BENCH_LOGDIR       where logs and raw results go [a new /tmp dir]
set -u

REPO=$(cd "$(dirname "$0")/.." && pwd)
PROXY=${WL_GUEST_PROXY:-$REPO/build/proxy/wl-guest-proxy}
CLIENT=${WLGP_BENCH_CLIENT:-$REPO/build/bench/bench-client}
WAYPIPE=${WAYPIPE:-waypipe}
FRAMES=${BENCH_FRAMES:-300}
WARMUP=${BENCH_WARMUP:-30}
ROUNDS=${BENCH_ROUNDS:-5}
PIN=${BENCH_PIN:-}
BUFFERS=${BENCH_BUFFERS:-3}
MODES=${BENCH_MODES:-full small 4k iso}
WELL_AHEAD=2
WIDTH=1920
HEIGHT=1080

die() {
	echo "run-bench: $*" >&2
	exit 1
}

[ -x "$CLIENT" ] || die "bench-client not found at $CLIENT (ninja -C build, or set WLGP_BENCH_CLIENT)"
[ -x "$PROXY" ] || die "wl-guest-proxy not found at $PROXY (set WL_GUEST_PROXY)"
command -v weston >/dev/null || die "weston not installed"
HAVE_WAYPIPE=1
command -v "$WAYPIPE" >/dev/null || { HAVE_WAYPIPE=0; echo "run-bench: $WAYPIPE not found, skipping the waypipe column" >&2; }

LOGDIR=${BENCH_LOGDIR:-$(mktemp -d /tmp/wlgp-bench-XXXXXX)}
mkdir -p "$LOGDIR"
RESULTS=$LOGDIR/results.txt
: >"$RESULTS"
BROKE=0

# Short path: unix socket paths are limited to 107 bytes.
XDG_RUNTIME_DIR=$(mktemp -d /tmp/wlgp-bench-xdg-XXXXXX) || die "mktemp failed"
export XDG_RUNTIME_DIR
chmod 700 "$XDG_RUNTIME_DIR"
unset WAYLAND_DISPLAY WAYLAND_SOCKET DISPLAY WAYLAND_DEBUG

# ---- processes: each in its own session, stopped by its group id --------

PIDS=()
NAMES=()

start() { # name argv...   (sets STARTED to the pid)
	local name=$1
	shift
	setsid "$@" >"$LOGDIR/$name.log" 2>&1 </dev/null &
	STARTED=$!
	PIDS+=("$STARTED")
	NAMES+=("$name")
}

# shellcheck disable=SC2317  # called from the EXIT trap
stop_one() {
	local pid=$1 pgid
	pgid=$(ps -o pgid= -p "$pid" 2>/dev/null | tr -d ' ')
	# setsid made it a group leader; if it did not, stop the pid alone
	local target=$pid
	[ "$pgid" = "$pid" ] && target=-$pid
	kill -TERM -- "$target" 2>/dev/null || return 0
	for _ in $(seq 20); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL -- "$target" 2>/dev/null
	wait "$pid" 2>/dev/null
}

# shellcheck disable=SC2317  # the EXIT trap
cleanup() {
	local i
	for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
		stop_one "${PIDS[i]}"
	done
	rm -rf "$XDG_RUNTIME_DIR"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

wait_socket() { # path pid what
	for _ in $(seq 150); do
		[ -S "$1" ] && return 0
		kill -0 "$2" 2>/dev/null || { echo "run-bench: $3 exited early:" >&2; tail -5 "$LOGDIR/$3.log" >&2; return 1; }
		sleep 0.1
	done
	echo "run-bench: $3 socket $1 not ready after 15 s" >&2
	return 1
}

start weston weston --backend=headless-backend.so --use-pixman --socket=host-0 \
	--config="$REPO/tests/weston.ini" --width=$WIDTH --height=$HEIGHT --idle-time=0
WESTON=$STARTED
wait_socket "$XDG_RUNTIME_DIR/host-0" $WESTON weston || exit 1

start proxy "$PROXY" --socket guest-0 --transport direct --host-display host-0
PROXY_PID=$STARTED
wait_socket "$XDG_RUNTIME_DIR/guest-0" $PROXY_PID proxy || exit 1
# A 3840x2160 weston for the 4k row (a fullscreen surface may not be larger
# than the output), with a proxy of each kind in front of it.
start weston-4k weston --backend=headless-backend.so --use-pixman --socket=host-4k \
	--config="$REPO/tests/weston.ini" --width=3840 --height=2160 --idle-time=0
WESTON4K=$STARTED
wait_socket "$XDG_RUNTIME_DIR/host-4k" $WESTON4K weston-4k || exit 1
start proxy-4k "$PROXY" --socket guest-4k --transport direct --host-display host-4k
PROXY4K_PID=$STARTED
wait_socket "$XDG_RUNTIME_DIR/guest-4k" $PROXY4K_PID proxy-4k || exit 1
start proxy-inline-4k "$PROXY" --socket guest-4k-inline --transport direct \
	--host-display host-4k --copy-threads 0
PROXY04K_PID=$STARTED
wait_socket "$XDG_RUNTIME_DIR/guest-4k-inline" $PROXY04K_PID proxy-inline-4k || exit 1
# The same proxy copying on its event loop, for comparison.
start proxy-inline "$PROXY" --socket guest-1 --transport direct --host-display host-0 \
	--copy-threads 0
PROXY0_PID=$STARTED
wait_socket "$XDG_RUNTIME_DIR/guest-1" $PROXY0_PID proxy-inline || exit 1

PATHS="direct proxy proxy0"
# BENCH_BASELINE=/path/to/an/older/wl-guest-proxy: a third proxy, e.g. the
# main branch's, in the same run (full and small modes only).
if [ -n "${BENCH_BASELINE:-}" ]; then
	start proxy-baseline "$BENCH_BASELINE" --socket guest-b --transport direct \
		--host-display host-0
	BASE_PID=$STARTED
	wait_socket "$XDG_RUNTIME_DIR/guest-b" $BASE_PID proxy-baseline || exit 1
	PATHS="$PATHS base"
fi
# The product path on each emulated device: the proxy under wl0-emulator
# (virtwl) and virtgpu-emulator (virtgpu cross-domain).  What these columns
# add over "proxy" is the emulators' seccomp round trips, not the devices'.
EMU_DIR=${WLGP_EMULATOR_DIR:-$REPO/build/emulator}
start_emulated() { # name transport emulator
	start "$1" "$EMU_DIR/$3" --wayland-sock "$XDG_RUNTIME_DIR/host-0" -- \
		"$PROXY" --socket "$1-0" --transport "$2"
	wait_socket "$XDG_RUNTIME_DIR/$1-0" $STARTED "$1" || exit 1
}
EMU_PATHS=""
if [ -x "$EMU_DIR/wl0-emulator" ] && [ -x "$EMU_DIR/virtgpu-emulator" ]; then
	start_emulated emu-virtwl virtwl wl0-emulator
	EMU_WL0=$STARTED
	start_emulated emu-virtgpu virtgpu virtgpu-emulator
	EMU_VGPU=$STARTED
	EMU_PATHS=" emu-virtwl emu-virtgpu"
else
	echo "run-bench: no emulators in $EMU_DIR, skipping the emulated columns" >&2
fi
if [ $HAVE_WAYPIPE = 1 ]; then
	WP_OPTS=(--no-gpu -c none --threads 1 -s "$XDG_RUNTIME_DIR/wp.sock")
	WAYLAND_DISPLAY=host-0 start waypipe-client "$WAYPIPE" "${WP_OPTS[@]}" client
	WPC=$STARTED
	wait_socket "$XDG_RUNTIME_DIR/wp.sock" $WPC waypipe-client || exit 1
	start waypipe-server "$WAYPIPE" "${WP_OPTS[@]}" --display wayland-wp server -- sleep infinity
	WPS=$STARTED
	wait_socket "$XDG_RUNTIME_DIR/wayland-wp" $WPS waypipe-server || exit 1
	PATHS="$PATHS waypipe"
fi
PATHS="$PATHS$EMU_PATHS"

# Pin every process started (all threads, and the children they already
# have; later children inherit it) and, below, the client.
PIN_CMD=()
if [ -n "$PIN" ]; then
	PIN_CMD=(taskset -c "$PIN")
	for sid in "${PIDS[@]}"; do
		for pid in "$sid" $(ps -o pid= --sid "$sid"); do
			taskset -a -p -c "$PIN" "$pid" >/dev/null ||
				{ echo "run-bench: cannot pin $pid to CPU $PIN" >&2; exit 1; }
		done
	done
fi

# ---- runs ---------------------------------------------------------------

memcpy_run() { # label
	local out
	if out=$("${PIN_CMD[@]}" "$CLIENT" --memcpy --iterations 100 --size ${WIDTH}x$HEIGHT); then
		echo "path=memcpy round=$1 $out" >>"$RESULTS"
	else
		echo "run-bench: bench-client --memcpy failed" >&2
		BROKE=1
	fi
}

path_display() { # path -> display, watch
	case $1 in
	direct) display=host-0; watch=() ;;
	proxy) display=guest-0; watch=(--watch "proxy:$PROXY_PID") ;;
	proxy0) display=guest-1; watch=(--watch "proxy:$PROXY0_PID") ;;
	base) display=guest-b; watch=(--watch "proxy:$BASE_PID") ;;
	waypipe) display=wayland-wp; watch=(--watch "wpclient:$WPC" --watch "wpserver:$WPS") ;;
	emu-virtwl) display=emu-virtwl-0
		watch=(--watch "emu:$EMU_WL0" --watch "proxy:$(pgrep -P "$EMU_WL0" | head -1)") ;;
	emu-virtgpu) display=emu-virtgpu-0
		watch=(--watch "emu:$EMU_VGPU" --watch "proxy:$(pgrep -P "$EMU_VGPU" | head -1)") ;;
	esac
}

# mode: full, small, 4k (full frames of 3840x2160) or iso (a 64x64 client's
# full-frame commits while 4 other clients commit full 1080p frames on the
# same path without pause: the bystander's latency shows whether others'
# copies hold it up).
bench_run() { # path mode round
	local path=$1 mode=$2 round=$3 display watch out size=${WIDTH}x$HEIGHT
	local cmode=$mode frames=$FRAMES warmup=$WARMUP loads=() host_pid=$WESTON i pid
	path_display "$path"
	case $mode in
	4k) size=3840x2160; cmode=full; frames=$((FRAMES / 3)); warmup=$((WARMUP / 3))
		case $path in
		direct) display=host-4k ;;
		esac
		host_pid=$WESTON4K
		case $path in
		proxy) display=guest-4k; watch=(--watch "proxy:$PROXY4K_PID") ;;
		proxy0) display=guest-4k-inline; watch=(--watch "proxy:$PROXY04K_PID") ;;
		esac ;;
	# Ten times the frames: a 64x64 frame is short, and 300 of them last
	# about 60 ms, in which the scheduler's time slicing between the 4
	# loads and everything else stalls some 10% of frames for 1-3 ms on
	# direct and the proxy alike; the p90 of so few frames lands on
	# either side of that edge from run to run.
	iso) size=64x64; cmode=full; frames=$((FRAMES * 10))
		for i in 1 2 3 4; do
			WAYLAND_DISPLAY=$display "${PIN_CMD[@]}" "$CLIENT" --mode full \
				--frames 1000000 --warmup 0 --buffers "$BUFFERS" \
				--size ${WIDTH}x$HEIGHT >/dev/null 2>>"$LOGDIR/bench-load.log" &
			loads+=($!)
		done
		sleep 1 ;;
	esac
	if out=$(WAYLAND_DISPLAY=$display timeout 60 "${PIN_CMD[@]}" "$CLIENT" --mode "$cmode" \
		--frames "$frames" --warmup "$warmup" --buffers "$BUFFERS" \
		--size $size --watch weston:$host_pid "${watch[@]}" \
		2>>"$LOGDIR/bench-client.log"); then
		echo "path=$path round=$round $out mode=$mode" >>"$RESULTS"
	else
		echo "run-bench: bench-client --mode $mode via $path (round $round) failed; see $LOGDIR/bench-client.log" >&2
		BROKE=1
	fi
	for pid in "${loads[@]}"; do
		kill "$pid" 2>/dev/null
		wait "$pid" 2>/dev/null
	done
}

COMMIT=$(git -C "$REPO" describe --always --dirty 2>/dev/null || echo unknown)
echo "wl-guest-proxy bench: ${WIDTH}x$HEIGHT XRGB8888, $FRAMES frames (+$WARMUP warm-up) x $ROUNDS rounds, $BUFFERS buffers"
echo "CPUs: $(nproc) online; pinned to: ${PIN:-no}; load average at start: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "repo $COMMIT; proxy $PROXY ($(stat -c %y "$PROXY" | cut -d. -f1)); logs $LOGDIR"

memcpy_run start
read -r -a PATH_LIST <<<"$PATHS"
for ((r = 1; r <= ROUNDS; r++)); do
	n=${#PATH_LIST[@]}
	for mode in $MODES; do
		for ((i = 0; i < n; i++)); do
			path=${PATH_LIST[(i + r - 1) % n]}
			# waypipe takes seconds per 4K frame and under 4 loads.
			# The emulated columns run on the 1080p host only.
			case $path in waypipe | base | emu-*)
				[ $mode = 4k -o $mode = iso ] && continue ;;
			esac
			bench_run "$path" $mode $r
		done
	done
done
memcpy_run end

# Host-buffer memory per surface (the proxy's host buffers are memfds named
# wl-guest-proxy-host-buffer on the direct transport): one full-frame client
# through the proxy while it commits, then after it stopped (SIGSTOP: the
# connection stays, the commits stop) for 3 s.
host_buffer_bytes() { # pid -> "bytes buffers"
	local range rest b=0 n=0
	while read -r range rest; do
		case $rest in
		*wl-guest-proxy-host-buffer*)
			b=$((b + 0x${range#*-} - 0x${range%-*})); n=$((n + 1)) ;;
		esac
	done <"/proc/$1/maps"
	echo "$b $n"
}
WAYLAND_DISPLAY=guest-0 "$CLIENT" --mode full --frames 1000000 --warmup 0 \
	--buffers "$BUFFERS" --size ${WIDTH}x$HEIGHT >/dev/null 2>>"$LOGDIR/bench-load.log" &
MEMCLIENT=$!
sleep 1.5
read -r MEM_ACTIVE MEM_ACTIVE_N < <(host_buffer_bytes $PROXY_PID)
kill -STOP $MEMCLIENT
sleep 3
read -r MEM_IDLE MEM_IDLE_N < <(host_buffer_bytes $PROXY_PID)
kill -CONT $MEMCLIENT; kill $MEMCLIENT; wait $MEMCLIENT 2>/dev/null
echo "path=memory active_bytes=$MEM_ACTIVE active_buffers=$MEM_ACTIVE_N idle_bytes=$MEM_IDLE idle_buffers=$MEM_IDLE_N" >>"$RESULTS"

echo "load average at end: $(cut -d' ' -f1-3 /proc/loadavg) (the run itself adds about 1-2; other work skews the figures)"

# Each process must have survived the runs.
for i in "${!PIDS[@]}"; do
	kill -0 "${PIDS[i]}" 2>/dev/null ||
		{ echo "run-bench: ${NAMES[i]} (pid ${PIDS[i]}) died during the runs; see $LOGDIR/${NAMES[i]}.log" >&2; BROKE=1; }
done

# ---- table --------------------------------------------------------------

awk -v well="$WELL_AHEAD" -v rounds="$ROUNDS" '
function median(list,    a, n, i, j, t) {
	n = split(list, a, " ")
	if (n == 0) return ""
	for (i = 2; i <= n; i++) {
		t = a[i] + 0
		for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
	return (n % 2) ? a[(n + 1) / 2] + 0 : (a[n / 2] + a[n / 2 + 1]) / 2
}
function add(k, v) { L[k] = (k in L) ? L[k] " " v : v }
function cpu(name) { # ms/frame of a watched process: scheduler figure, else ticks
	if ((name "_sched_cpu_ms_per_frame") in kv) return kv[name "_sched_cpu_ms_per_frame"]
	if ((name "_stat_cpu_ms_per_frame") in kv) return kv[name "_stat_cpu_ms_per_frame"]
	return ""
}
{
	delete kv
	for (i = 1; i <= NF; i++) {
		p = index($i, "=")
		if (p) kv[substr($i, 1, p - 1)] = substr($i, p + 1)
	}
	if (kv["path"] == "memory") {
		mem = sprintf("host-buffer bytes per surface (one 1920x1080 client through the proxy): %.1f MB in %d buffers while committing, %.1f MB in %d after 3 s without commits",
			kv["active_bytes"] / 1e6, kv["active_buffers"], kv["idle_bytes"] / 1e6, kv["idle_buffers"])
		next
	}
	if (kv["path"] == "memcpy") {
		add("memcpy_hot", kv["memcpy_hot_ms"]); add("memcpy_fresh", kv["memcpy_fresh_ms"])
		add("memcpy_cold", kv["memcpy_cold_ms"])
		if ("memcpy_remote_ms" in kv) add("memcpy_remote", kv["memcpy_remote_ms"])
		next
	}
	k = kv["mode"] SUBSEP kv["path"]
	seen[k] = 1
	add(k SUBSEP "med", kv["median_ms"]); add(k SUBSEP "p90", kv["p90_ms"])
	add(k SUBSEP "slow", kv["over_half_ms_pct"])
	add(k SUBSEP "mean", kv["mean_ms"]); add(k SUBSEP "client", kv["client_cpu_ms_per_frame"])
	add(k SUBSEP "weston", cpu("weston")); add(k SUBSEP "waits", kv["release_waits"])
	if (kv["path"] == "proxy" || kv["path"] == "proxy0" || kv["path"] == "base") add(k SUBSEP "pcpu", cpu("proxy"))
	if (kv["path"] ~ /^emu-/) add(k SUBSEP "pcpu", cpu("proxy") + cpu("emu"))
	if (kv["path"] == "waypipe") {
		add(k SUBSEP "pcpu", cpu("wpclient") + cpu("wpserver"))
		add(k SUBSEP "wpc", cpu("wpclient")); add(k SUBSEP "wps", cpu("wpserver"))
	}
}
END {
	nm = split("full small 4k iso", modes, " "); np = split("direct proxy proxy0 base waypipe emu-virtwl emu-virtgpu", paths, " ")
	names["direct"] = "direct"; names["proxy"] = "wl-guest-proxy"; names["waypipe"] = "waypipe 0.8.4"
	names["proxy0"] = "proxy, inline"; names["base"] = "baseline proxy"
	names["emu-virtwl"] = "proxy virtwl*"; names["emu-virtgpu"] = "proxy virtgpu*"
	printf "\nmemcpy of one frame, ms (median of 100, at start / end of the run):\n"
	printf "  hot %s / %s, fresh %s / %s, cold %s / %s", a1(L["memcpy_hot"]), a2(L["memcpy_hot"]),
		a1(L["memcpy_fresh"]), a2(L["memcpy_fresh"]), a1(L["memcpy_cold"]), a2(L["memcpy_cold"])
	if ("memcpy_remote" in L) printf ", remote %s / %s", a1(L["memcpy_remote"]), a2(L["memcpy_remote"])
	printf "\n"
	memcpy = median(L["memcpy_fresh"])
	remote = ("memcpy_remote" in L) ? median(L["memcpy_remote"]) : ""
	printf "\nmedians over %d rounds; latency = commit -> wl_display.sync done; CPU = ms per frame\n", rounds
	printf "(proxy CPU: wl-guest-proxy, or waypipe client + server; from /proc schedstat)\n"
	printf "(modes: full/small 1920x1080, 4k 3840x2160 full frames, iso: a 64x64 client while 4\n"
	printf " others commit full 1080p frames; \"proxy, inline\" is --copy-threads 0)\n\n"
	printf "%-6s %-15s %9s %9s %9s %10s %10s %10s %9s %6s\n", "mode", "path", "median ms", "p90 ms",
		"mean ms", "proxy CPU", "weston CPU", "client CPU", "vs direct", "waits"
	for (m = 1; m <= nm; m++) for (p = 1; p <= np; p++) {
		k = modes[m] SUBSEP paths[p]
		if (!(k in seen)) continue
		med[modes[m], paths[p]] = median(L[k SUBSEP "med"])
		pc = (k SUBSEP "pcpu") in L ? median(L[k SUBSEP "pcpu"]) : ""
		pcpu[modes[m], paths[p]] = pc
		d = med[modes[m], "direct"]
		printf "%-6s %-15s %9.3f %9.3f %9.3f %10s %10.3f %10.3f %9s %6s\n", modes[m], names[paths[p]],
			med[modes[m], paths[p]], median(L[k SUBSEP "p90"]), median(L[k SUBSEP "mean"]),
			pc == "" ? "-" : sprintf("%.3f", pc), median(L[k SUBSEP "weston"]),
			median(L[k SUBSEP "client"]),
			(d > 0 ? sprintf("%.2fx", med[modes[m], paths[p]] / d) : "-"),
			median(L[k SUBSEP "waits"])
		if (paths[p] == "waypipe")
			wpsplit[modes[m]] = sprintf("%.3f + %.3f", median(L[k SUBSEP "wpc"]), median(L[k SUBSEP "wps"]))
	}
	if (mem != "") printf "%s\n", mem
	for (m = 1; m <= 2; m++) if (modes[m] in wpsplit)
		printf "  waypipe CPU %s: client %s server ms/frame\n", modes[m], wpsplit[modes[m]]
	if (("full", "emu-virtwl") in med)
		printf "  * the proxy on an emulated device (wl0-emulator, virtgpu-emulator): emulator\n" \
		       "    overhead (seccomp round trips; proxy CPU includes the emulator), not device speed\n"

	printf "\ntargets (median latency):\n"
	if ((("full", "direct") in med) && (("full", "proxy") in med)) {
		lim = med["full", "direct"] + 1.3 * memcpy
		printf "  %-4s full frame <= direct + 1.3 x memcpy: %.3f <= %.3f + 1.3 x %.3f = %.3f ms\n",
			verdict(med["full", "proxy"] <= lim), med["full", "proxy"], med["full", "direct"], memcpy, lim
		if (remote != "") {
			lim = med["full", "direct"] + 1.3 * remote
			printf "       (with the memcpy whose source was just written on another CPU, as a client\n"
			printf "        drawing on another vCPU leaves it: limit %.3f + 1.3 x %.3f = %.3f ms: %s)\n",
				med["full", "direct"], remote, lim, verdict(med["full", "proxy"] <= lim)
		}
	}
	for (p = 2; p <= 4; p++) {
		pa = paths[p]
		if (!((("full", "direct") in med) && (("full", pa) in med) && memcpy > 0)) continue
		ratio = (med["full", pa] - med["full", "direct"]) / memcpy
		printf "  %-4s full frame (%s): (proxy - direct) / memcpy = (%.3f - %.3f) / %.3f = %.2f (target <= 0.6)\n",
			verdict(ratio <= 0.6), names[pa], med["full", pa], med["full", "direct"], memcpy, ratio
	}
	if ((("small", "direct") in med) && (("small", "proxy") in med)) {
		lim = med["small", "direct"] + 0.1
		printf "  %-4s small damage <= direct + 0.1 ms: %.3f <= %.3f + 0.1 = %.3f ms\n",
			verdict(med["small", "proxy"] <= lim), med["small", "proxy"], med["small", "direct"], lim
		d = med["small", "proxy"] - med["small", "direct"]
		printf "  %-4s small damage: proxy - direct = %.3f ms (target <= 0.05)\n", verdict(d <= 0.05), d
	}
	if ((("iso", "direct") in med) && (("iso", "proxy") in med)) {
		for (p = 1; p <= 3; p++) iso90[paths[p]] = median(L["iso" SUBSEP paths[p] SUBSEP "p90"])
		printf "  %-4s isolation: the 64x64 bystander p90 through the proxy %.3f ms (target <= 0.5); direct %.3f, inline proxy %s ms\n",
			verdict(iso90["proxy"] <= 0.5), iso90["proxy"], iso90["direct"],
			(("iso", "proxy0") in med) ? sprintf("%.3f", iso90["proxy0"]) : "-"
		printf "       bystander frames over 0.5 ms: proxy %.1f%%, direct %.1f%%, inline proxy %s%%\n",
			median(L["iso" SUBSEP "proxy" SUBSEP "slow"]), median(L["iso" SUBSEP "direct" SUBSEP "slow"]),
			(("iso", "proxy0") in med) ? sprintf("%.1f", median(L["iso" SUBSEP "proxy0" SUBSEP "slow"])) : "-"
	}
	for (m = 1; m <= 2; m++) {
		mo = modes[m]
		if (!((mo, "proxy") in med)) continue
		printf "       proxy CPU per %s frame: %.3f ms (inline %s, baseline %s)", mo, pcpu[mo, "proxy"],
			((mo, "proxy0") in pcpu) ? sprintf("%.3f", pcpu[mo, "proxy0"]) : "-",
			((mo, "base") in pcpu) ? sprintf("%.3f", pcpu[mo, "base"]) : "- (set BENCH_BASELINE)"
		if ((mo, "base") in pcpu) printf ": %s, not above the baseline", verdict(pcpu[mo, "proxy"] <= pcpu[mo, "base"])
		printf "\n"
	}
	if ((("4k", "direct") in med) && (("4k", "proxy") in med))
		printf "       3840x2160 full frame: proxy - direct = %.3f ms (inline proxy: %s ms)\n",
			med["4k", "proxy"] - med["4k", "direct"],
			(("4k", "proxy0") in med) ? sprintf("%.3f", med["4k", "proxy0"] - med["4k", "direct"]) : "-"
	for (m = 1; m <= 2; m++) {
		mo = modes[m]
		if (!(((mo, "waypipe") in med) && ((mo, "proxy") in med))) continue
		ok = med[mo, "proxy"] * well <= med[mo, "waypipe"] && pcpu[mo, "proxy"] * well <= pcpu[mo, "waypipe"]
		printf "  %-4s %s well ahead of waypipe (<= 1/%d): latency %.3f vs %.3f ms (%.1fx faster), CPU %.3f vs %.3f ms/frame (%.1fx less)\n",
			verdict(ok), mo, well, med[mo, "proxy"], med[mo, "waypipe"],
			(med[mo, "proxy"] > 0 ? med[mo, "waypipe"] / med[mo, "proxy"] : 0),
			pcpu[mo, "proxy"], pcpu[mo, "waypipe"],
			(pcpu[mo, "proxy"] > 0 ? pcpu[mo, "waypipe"] / pcpu[mo, "proxy"] : 0)
	}
}
function verdict(ok) { return ok ? "PASS" : "MISS" }
function a1(list,    a) { split(list, a, " "); return a[1] }
function a2(list,    a, n) { n = split(list, a, " "); return a[n] }
' "$RESULTS" || { echo "run-bench: the summary failed" >&2; BROKE=1; }

echo
echo "raw results: $RESULTS"
if [ $BROKE = 1 ]; then
	echo "run-bench: something broke (see above and $LOGDIR)" >&2
	exit 1
fi
exit 0
