#!/usr/bin/env bash
# wl-guest-proxy quick start (Debian 12, as root).
#   ./quickstart.sh run    install, build, and run the proxy: through
#                          /dev/wl0 in a crosvm guest, else under the device
#                          emulator in front of a private headless weston
#   ./quickstart.sh test   install, build, and run every test (unit,
#                          end-to-end, and both again under ASan+UBSan)
set -euo pipefail
cd "$(dirname "$0")"

BUILD_PKGS="meson ninja-build pkg-config gcc libwayland-dev libwayland-bin
  wayland-protocols libxkbcommon-dev libpixman-1-dev libsystemd-dev python3"
HOST_PKGS="weston wayland-utils"
TEST_PKGS="python3-pytest xwayland xvfb xdotool wl-clipboard libxkbcommon-tools
  foot x11-apps xterm imagemagick waypipe systemd man-db sway
  clang libclang-rt-14-dev"

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

cmd_run() {
	# shellcheck disable=SC2086
	install_packages $BUILD_PKGS $HOST_PKGS
	build build
	private_runtime_dir
	local sock=$XDG_RUNTIME_DIR/wlgp-0
	if [ -e /dev/wl0 ]; then
		# A real crosvm guest: the device leads to the host compositor.
		echo "== /dev/wl0 found: relaying to the host compositor through it"
		echo "== point clients at it: WAYLAND_DISPLAY=$sock wayland-info"
		exec ./build/proxy/wl-guest-proxy --socket "$sock"
	fi
	local host=wlgp-host-$$
	weston --backend=headless-backend.so --use-pixman --socket="$host" \
		--width=1280 --height=720 --idle-time=0 --debug \
		>"$XDG_RUNTIME_DIR/weston.log" 2>&1 &
	local weston_pid=$!
	# The pid is expanded now: the trap runs after this function's locals are gone.
	trap "kill $weston_pid 2>/dev/null" EXIT
	for _ in $(seq 50); do [ -S "$XDG_RUNTIME_DIR/$host" ] && break; sleep 0.1; done
	echo "== host: headless weston on $XDG_RUNTIME_DIR/$host (log: $XDG_RUNTIME_DIR/weston.log)"
	echo "== no /dev/wl0 on this machine: the proxy runs under the device"
	echo "   emulator (build/emulator/wl0-emulator), which plays the guest"
	echo "   kernel's virtio-wayland driver and crosvm in front of that host"
	echo "== point a client at the proxy from another shell, e.g.:"
	echo "   WAYLAND_DISPLAY=$sock weston-simple-shm"
	echo "   WAYLAND_DISPLAY=$sock wayland-info"
	echo "== Ctrl-C stops the proxy and the host"
	./build/emulator/wl0-emulator --wayland-sock "$XDG_RUNTIME_DIR/$host" -- \
		./build/proxy/wl-guest-proxy --socket "$sock"
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
