#!/bin/sh
# make soak: lathe under load for LATHE_SOAK_SECONDS (default 600).
#
# Builds and runs tests/integration/test_soak.c (the same test `make check`
# runs for 60 s): a private jackd at 48 kHz / 64 frames (dummy backend,
# realtime scheduling when allowed), lathe under the RT interposer with every
# module active and the demo playing, the console under Xvfb when the GUI is
# built (LATHE_SOAK_HEADLESS=1: headless), 1,000 OSC messages a second to
# random parameters, snapshot store/recall every 3 s and a session save every
# 5 s, a listener checking every output sample; beside it a control jackd
# without lathe for the xrun comparison (LATHE_SOAK_CONTROL=1; make check runs
# the soak without it).  The pass criteria are in the test's header comment;
# xruns and CPU are reported, not asserted; the figures are printed every 10 s
# and at the end.
set -u
: "${LATHE_BIN:?set LATHE_BIN to the lathe binary (make soak does)}"
LATHE_SRC=${LATHE_SRC:-.}
LATHE_SOAK_SECONDS=${LATHE_SOAK_SECONDS:-600}
bdir=$(dirname "$LATHE_BIN")
case "$bdir" in
"$LATHE_SRC"/*) B=${bdir#"$LATHE_SRC"/} ;;
*) B=$bdir ;;
esac
make -C "$LATHE_SRC" --no-print-directory B="$B" "$B/tests/test_soak" "$B/rtcheck.so" >/dev/null || {
	echo "soak: cannot build $B/tests/test_soak"; exit 1; }
echo "soak: $LATHE_SOAK_SECONDS s ($(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg))"
LATHE_SOAK_CONTROL=${LATHE_SOAK_CONTROL:-1}
export LATHE_BIN LATHE_SRC LATHE_SOAK_SECONDS LATHE_SOAK_CONTROL
RTCHECK_SO=${RTCHECK_SO:-$bdir/rtcheck.so} exec sh "$LATHE_SRC/tests/isolate.sh" "$bdir/tests/test_soak"
