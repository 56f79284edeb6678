#!/usr/bin/env bash
# The Debian package, end to end: builds it with dpkg-buildpackage from a
# copy of the tree (the build writes beside the source), checks it with
# lintian, installs it with dpkg -i, runs the deployment tests against the
# installed files (tests/e2e/test_deploy.py with WLGP_INSTALLED_PACKAGE),
# then purges it.  Usage: tests/package.sh BUILD_DIR TRANSPORT...
# (BUILD_DIR: where the test clients and the emulator come from).
set -uo pipefail
cd "$(dirname "$0")/.."
builddir=$1; shift
PYTHON=/usr/bin/python3
work=$(mktemp -d /tmp/wlgp-package.XXXXXX)
trap 'rm -rf "$work"' EXIT
fail() { echo "package: $*" >&2; exit 1; }

mkdir "$work/src"
git ls-files -co --exclude-standard | grep -v '^build' |
	tar -cf - -T - | tar -xf - -C "$work/src" || fail "cannot copy the tree"
echo "== package: dpkg-buildpackage -b -us -uc"
(cd "$work/src" && dpkg-buildpackage -b -us -uc >"$work/build.log" 2>&1) ||
	{ tail -40 "$work/build.log"; fail "dpkg-buildpackage failed"; }
deb=$(ls "$work"/wl-guest-proxy_*_*.deb) || fail "no .deb built"
echo "== package: lintian"
# Every tag at every level fails, pedantic ones included; overrides (none
# yet) would have to be in debian/wl-guest-proxy.lintian-overrides.
lintian --pedantic --fail-on error,warning,info,pedantic "$work"/*.changes ||
	fail "lintian found problems"

echo "== package: dpkg -i $(basename "$deb")"
dpkg -i "$deb" >/dev/null || fail "dpkg -i failed"
status=0
check() { "$@" || { echo "package: check failed: $*" >&2; status=1; }; }
check test "$(/usr/bin/wl-guest-proxy --version)" = \
	"wl-guest-proxy $(dpkg-query -W -f='${Version}' wl-guest-proxy)"
# postinst (dh_installsystemduser) enables the socket for every user.
check test -L /etc/systemd/user/sockets.target.wants/wl-guest-proxy.socket
for transport in "$@"; do
	echo "== package: deployment tests on $transport against the installed files"
	env WLGP_INSTALLED_PACKAGE=wl-guest-proxy WL_GUEST_PROXY=/usr/bin/wl-guest-proxy \
		WLGP_TEST_CLIENTS_DIR="$PWD/$builddir/tests/clients" \
		WLGP_EMULATOR="$PWD/$builddir/emulator/wl0-emulator" \
		WLGP_TRANSPORT="$transport" \
		$PYTHON -m pytest -q -p no:cacheprovider tests/e2e/test_deploy.py \
		${JUNIT_DIR:+--junitxml="$JUNIT_DIR/package-$transport.xml"} || status=1
done
dpkg --purge wl-guest-proxy >/dev/null || fail "dpkg --purge failed"
check test ! -e /etc/systemd/user/sockets.target.wants/wl-guest-proxy.socket
check test ! -e /usr/bin/wl-guest-proxy
# The control of the installed environment.d test: gone with the package.
gen=/usr/lib/systemd/user-environment-generators/30-systemd-environment-d-generator
check test -x $gen
check sh -c "! HOME=$work XDG_CONFIG_HOME=$work/none $gen | grep -q '^WAYLAND_DISPLAY='"
exit $status
