#!/usr/bin/env bash
# wl-guest-proxy quick start (Debian 12, as root).
#   ./quickstart.sh run    install, build, and run the proxy: through
#                          /dev/wl0 in a crosvm guest, else under the device
#                          emulator in front of the compositor of the
#                          Wayland session it runs in (WAYLAND_DISPLAY), so
#                          the guest's windows show on your screen, else in
#                          front of a private headless weston
#   ./quickstart.sh test   install, build, and run every test (unit,
#                          end-to-end, and both again under ASan+UBSan)
set -euo pipefail
cd "$(dirname "$0")"

BUILD_PKGS="meson ninja-build pkg-config gcc libwayland-dev libwayland-bin
  wayland-protocols libxkbcommon-dev libpixman-1-dev libsystemd-dev libdrm-dev python3
  libxcb1-dev libxcb-composite0-dev libxcb-icccm4-dev libxcb-xfixes0-dev"
HOST_PKGS="weston wayland-utils xwayland"
TEST_PKGS="python3-pytest python3-pytest-timeout xwayland xvfb xdotool wl-clipboard libxkbcommon-tools
  foot x11-apps xterm imagemagick waypipe systemd man-db sway libtsan2
  x11-utils gtk-3-examples gtk-4-examples firefox-esr qtbase5-examples qtwayland5
  pyqt6-examples qt6-wayland mesa-utils wmctrl xclip
  debhelper dpkg-dev lintian clang libclang-rt-14-dev"

install_packages() {
	local missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			missing+=("$p")
	done
	[ ${#missing[@]} -eq 0 ] && return 0
	echo "== installing: ${missing[*]}"
	apt-get update -q
	DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${missing[@]}"
}

build() { # build DIR [meson options...]
	local dir=$1; shift
	[ -f "$dir/build.ninja" ] || meson setup "$dir" "$@"
	ninja -C "$dir"
}

private_runtime_dir() {
	if [ -z "${XDG_RUNTIME_DIR:-}" ] || [ ! -w "${XDG_RUNTIME_DIR}" ]; then
		XDG_RUNTIME_DIR=$(mktemp -d /tmp/wlgp-runtime.XXXXXX)
		chmod 700 "$XDG_RUNTIME_DIR"
		export XDG_RUNTIME_DIR
	fi
}

# The first X display number with neither a lock nor a socket.
free_x_display() {
	local n=1
	while [ -e "/tmp/.X$n-lock" ] || [ -e "/tmp/.X11-unix/X$n" ]; do n=$((n + 1)); done
	echo "$n"
}

cmd_run() {
	# shellcheck disable=SC2086
	install_packages $BUILD_PKGS $HOST_PKGS
	build build
	# Before private_runtime_dir: a session's WAYLAND_DISPLAY is a name in
	# its own XDG_RUNTIME_DIR.
	local session=
	[ -e /dev/wl0 ] || session=$(session_compositor) || session=
	private_runtime_dir
	local sock=$XDG_RUNTIME_DIR/wlgp-0
	local xdisplay
	# WLGP_X_DISPLAY: a number of the caller's (the test suite runs
	# several quick starts at once, which would all pick the same one).
	xdisplay=${WLGP_X_DISPLAY:-$(free_x_display)}
	if [ -e /dev/wl0 ]; then
		# A real crosvm guest: the device leads to the host compositor.
		echo "== /dev/wl0 found: relaying to the host compositor through it"
		echo "== point clients at it: WAYLAND_DISPLAY=$sock wayland-info"
		echo "== X11 apps: DISPLAY=:$xdisplay xterm"
		exec ./build/proxy/wl-guest-proxy --socket "$sock" --x-display "$xdisplay"
	fi
	if [ -n "$session" ]; then
		echo "== host: the compositor of this Wayland session, $session"
		echo "   (WAYLAND_DISPLAY=$WAYLAND_DISPLAY): guest windows show on your screen"
		run_under_emulator "$session" "$sock" "$xdisplay"
	fi
	local host=wlgp-host-$$
	weston --backend=headless-backend.so --use-pixman --socket="$host" \
		--width=1280 --height=720 --idle-time=0 --debug \
		>"$XDG_RUNTIME_DIR/weston.log" 2>&1 &
	local weston_pid=$!
	# The pid is expanded now: the trap runs after this function's locals are gone.
	# "|| true": under set -e a failing trap command (weston gone already,
	# e.g. with the Ctrl-C) would make the exit status 1.
	trap "kill $weston_pid 2>/dev/null || true" EXIT
	for _ in $(seq 50); do [ -S "$XDG_RUNTIME_DIR/$host" ] && break; sleep 0.1; done
	echo "== host: headless weston on $XDG_RUNTIME_DIR/$host (log: $XDG_RUNTIME_DIR/weston.log)"
	echo "   (no Wayland session here: WAYLAND_DISPLAY unset or not answering)"
	run_under_emulator "$XDG_RUNTIME_DIR/$host" "$sock" "$xdisplay"
}

# The socket of the Wayland session this runs in, if its compositor
# answers: WAYLAND_DISPLAY is a name in XDG_RUNTIME_DIR or a path.
session_compositor() {
	[ -n "${WAYLAND_DISPLAY:-}" ] || return 1
	local path=$WAYLAND_DISPLAY
	if [ "${path#/}" = "$path" ]; then
		[ -n "${XDG_RUNTIME_DIR:-}" ] || return 1
		path=$XDG_RUNTIME_DIR/$path
	fi
	[ -S "$path" ] || return 1
	WAYLAND_DISPLAY=$path timeout 5 wayland-info >/dev/null 2>&1 || return 1
	echo "$path"
}

run_under_emulator() { # HOST_SOCKET PROXY_SOCKET X_DISPLAY
	# WLGP_DEVICE=virtgpu: the virtio-gpu cross-domain device instead.
	local emulator=(./build/emulator/wl0-emulator) transport=virtwl
	if [ "${WLGP_DEVICE:-virtwl}" = virtgpu ]; then
		emulator=(./build/emulator/virtgpu-emulator)
		transport=virtgpu
		echo "== the proxy runs under build/emulator/virtgpu-emulator, which plays"
		echo "   a mainline kernel's virtio_gpu render node and crosvm's cross-domain"
		echo "   host in front of that host (WLGP_DEVICE=virtgpu)"
	else
		echo "== no /dev/wl0 on this machine: the proxy runs under the device"
		echo "   emulator (build/emulator/wl0-emulator), which plays the guest"
		echo "   kernel's virtio-wayland driver and crosvm in front of that host"
		echo "   (WLGP_DEVICE=virtgpu plays virtio-gpu cross-domain instead)"
	fi
	echo "== point a client at the proxy from another shell, e.g.:"
	echo "   WAYLAND_DISPLAY=$2 weston-simple-shm"
	echo "   WAYLAND_DISPLAY=$2 wayland-info"
	echo "== X11 apps (Xwayland starts on the first one):"
	echo "   DISPLAY=:$3 xterm"
	echo "== Ctrl-C stops the proxy (and a private host)"
	"${emulator[@]}" --wayland-sock "$1" -- \
		./build/proxy/wl-guest-proxy --transport "$transport" --socket "$2" \
		--x-display "$3"
	exit
}

cmd_test() {
	# shellcheck disable=SC2086
	install_packages $BUILD_PKGS $HOST_PKGS $TEST_PKGS
	exec tests/run-all.sh
}

case "${1:-}" in
run) cmd_run ;;
test) cmd_test ;;
*) echo "usage: $0 run|test" >&2; exit 2 ;;
esac
