#!/bin/bash
# docs/screenshot.sh [OUT.png] — takes the README's screenshot (issue 13):
# the whole screen of a 1366x768 laptop, the console filling it, the demo mix
# playing through the streaming preset with a little EQ, meters settled.
#
# Real parts only: a private X server (Xvfb 1366x768x24, no window manager),
# a private jackd (dummy backend, 48 kHz / 256 frames), `lathe demo` (the
# built-in mix through the console), and ImageMagick's `import -window root`
# for the picture (the screen as the X server has it, nothing cropped).
#
#   LATHE_BIN   the lathe binary (default: ./build/lathe, else ./lathe)
#   SHOT_WAIT   seconds to let the meters and the loudness history fill (default 45)
#
# When the EQ has dynamic bands (/eq/1/dynamic in `lathe params`), one is
# switched on over OSC so that its drawing is in the picture.
# Needs: bash (its /dev/udp), Xvfb, jackd, jack_wait, imagemagick, xdotool (all in the Makefile's DEBIAN_PACKAGES).
set -eu
here=$(cd "$(dirname "$0")/.." && pwd)
out=${1:-$here/docs/screenshot.png}
bin=${LATHE_BIN:-}
[ -n "$bin" ] || { [ -x "$here/build/lathe" ] && bin=$here/build/lathe || bin=$here/lathe; }
[ -x "$bin" ] || { echo "lathe: screenshot.sh: no lathe binary at $bin (run make)" >&2; exit 1; }
wait_s=${SHOT_WAIT:-45}
tmp=$(mktemp -d /tmp/lathe-shot-XXXXXX)
xvfb= jackd= lathe=
cleanup() {
	for p in $lathe $jackd $xvfb; do kill "$p" 2>/dev/null || true; done
	for p in $lathe $jackd $xvfb; do wait "$p" 2>/dev/null || true; done
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM

# 1. the screen: Xvfb writes its display number on fd 5 once it is ready
Xvfb -displayfd 5 -screen 0 1366x768x24 -nolisten tcp 5>"$tmp/display" 2>"$tmp/xvfb.log" &
xvfb=$!
for _ in $(seq 100); do [ -s "$tmp/display" ] && break; sleep 0.1; done
[ -s "$tmp/display" ] || { echo "lathe: screenshot.sh: Xvfb did not start" >&2; exit 1; }
export DISPLAY=:$(cat "$tmp/display")

# 2. a private JACK server (never the user's)
export JACK_DEFAULT_SERVER=lathe-shot-$$ JACK_NO_AUDIO_RESERVATION=1
jackd --no-realtime -n "$JACK_DEFAULT_SERVER" -d dummy -r 48000 -p 256 >"$tmp/jackd.log" 2>&1 &
jackd=$!
jack_wait -w -t 10 >/dev/null 2>&1 || { echo "lathe: screenshot.sh: jackd did not start" >&2; exit 1; }

# 3. the console: the streaming preset as the session (its name in the title),
# the limiter driven into a few dB of reduction, a gentle EQ curve to look at
# a home of its own: the session shows as ~/Mastering/streaming.lathe, as a user's would
mkdir -p "$tmp/state" "$tmp/data" "$tmp/home/Mastering"
cp "$here/sessions/presets/streaming.lathe" "$tmp/home/Mastering/streaming.lathe"
port=$((20000 + $$ % 20000))
HOME=$tmp/home XDG_STATE_HOME=$tmp/state XDG_DATA_HOME=$tmp/data GSK_RENDERER=cairo GDK_BACKEND=x11 GTK_A11Y=none \
GSETTINGS_BACKEND=memory NO_AT_BRIDGE=1 \
	"$bin" demo --jack-name lathe --osc-port "$port" --session "$tmp/home/Mastering/streaming.lathe" --session-dir "$tmp/home/Mastering" \
	--set /eq/1/type=low_cut --set /eq/1/freq=28 \
	--set /eq/3/freq=250 --set /eq/3/gain=-2.5 --set /eq/3/q=1.2 \
	--set /eq/5/freq=1800 --set /eq/5/gain=1.5 --set /eq/5/q=0.9 \
	--set /eq/8/type=high_shelf --set /eq/8/freq=11000 --set /eq/8/gain=1.5 \
	--set /limiter/gain=7 >"$tmp/lathe.log" 2>&1 &
lathe=$!

# 4. a dynamic EQ band, when the EQ has them: over OSC, as a tablet would
if "$bin" params | grep -q '^/eq/3/dynamic '; then
	sleep 3
	# OSC 1.0: the address and the type tag string padded to 4 bytes, then 1.0 as a big-endian float
	printf '/eq/3/dynamic\000\000\000,f\000\000\077\200\000\000' >"/dev/udp/127.0.0.1/$port" ||
		echo "lathe: screenshot.sh: could not send /eq/3/dynamic over OSC" >&2
fi

# 5. let the meters, the loudness history and the goniometer fill, then take the screen
sleep "$wait_s"
kill -0 "$lathe" 2>/dev/null || { echo "lathe: screenshot.sh: the console stopped:" >&2; tail -5 "$tmp/lathe.log" >&2; exit 1; }
# Xvfb puts the pointer in the middle of the screen, over the EQ graph, whose
# tooltip would cover the band buttons: park it on the status bar's right end
xdotool mousemove 1360 762
sleep 1
import -window root "$tmp/shot.png"
convert "$tmp/shot.png" -strip -define png:compression-level=9 "$out"
echo "screenshot.sh: $(identify -format '%wx%h' "$out") -> $out ($(du -k "$out" | cut -f1) kB)"
