#!/bin/sh
# make rtcheck: lathe headless under the RT interposer on a private jackd at
# 64 frames, with every module active, the demo, a reference and a mix file playing, parameters moving
# over OSC and the buffer size changed live.  Then the same with a build that
# plants a malloc in process(), which must be caught.
set -u
: "${LATHE_BIN:?}" "${RTCHECK_SO:?}" "${LATHE_PLANT_BIN:?}"
server=lathe-rtcheck   # a fixed name: JACK reclaims a dead registry entry only under its own name
log=/tmp/lathe-rtcheck-$$.log
port=$((20000 + $$ % 20000))
export JACK_NO_AUDIO_RESERVATION=1 JACK_DEFAULT_SERVER=$server
jackd --no-realtime -n $server -d dummy -r 48000 -p 64 >/dev/null 2>&1 &
jackd_pid=$!
trap 'kill $jackd_pid 2>/dev/null; wait $jackd_pid 2>/dev/null' EXIT
jack_wait -w -t 30 >/dev/null 2>&1 || { echo "rtcheck: jackd did not start"; exit 1; }

# a reference track and a mix at other rates than the server's, so both file players run
# (the reference player into ref_L/R, the input player into in_L/R; both were converted)
ref=/tmp/lathe-rtcheck-ref-$$.wav
mix=/tmp/lathe-rtcheck-mix-$$.wav
sox -n -r 44100 -c 2 "$ref" synth 3 sine 500 gain -20 || { echo "rtcheck: sox cannot write $ref"; exit 1; }
sox -n -r 96000 -c 2 "$mix" synth 2 sine 300 gain -12 || { echo "rtcheck: sox cannot write $mix"; exit 1; }
trap 'kill $jackd_pid 2>/dev/null; wait $jackd_pid 2>/dev/null; rm -f "$ref" "$mix"' EXIT

active="--ref $ref --play $mix --set /mb/bypass=0 --set /saturate/bypass=0 --set /dither/bypass=0 --set /eq/2/gain=3 --set /eq/6/gain=-2 \
 --set /eq/1/type=low_cut --set /imager/width=120 --set /imager/mono_below=120 --set /limiter/gain=6 --set /mb/bands=4 \
 --set /eq/4/freq=300 --set /eq/4/dynamic=on --set /eq/4/threshold=-50 --set /eq/4/range=-9 --set /eq/4/attack=1"

run() { # bin seconds
	XDG_STATE_HOME=/tmp/lathe-rtcheck-state-$$ LD_PRELOAD=$RTCHECK_SO "$1" headless --jack-name rtc --osc-port $port \
		--play-demo $active >"$log" 2>&1 &
	pid=$!
	sleep 2
	i=0
	while [ $i -lt "$2" ]; do
		for p in /eq/3/gain /eq/3/freq /limiter/ceiling /mb/1/threshold /imager/width /saturate/drive /monitor/level; do
			oscsend localhost $port $p f "-$(( (i * 7 + ${#p}) % 9 )).5" 2>/dev/null
		done
		oscsend localhost $port /monitor/source i $((i % 3)) 2>/dev/null
		# dynamic EQ bands: band 4 (on from the start, under the 300 Hz mix) moving with its
		# threshold, band 5 switched on and off on the side channel
		oscsend localhost $port /eq/4/threshold f "-$(( 30 + (i * 11) % 30 ))" 2>/dev/null
		oscsend localhost $port /eq/5/channel i 2 2>/dev/null
		oscsend localhost $port /eq/5/threshold f -60 2>/dev/null
		oscsend localhost $port /eq/5/dynamic f $((i % 2)) 2>/dev/null
		[ $i -eq 2 ] && jack_bufsize 128 >/dev/null 2>&1
		[ $i -eq 4 ] && jack_bufsize 64 >/dev/null 2>&1
		sleep 1
		i=$((i + 1))
	done
	kill -TERM $pid 2>/dev/null
	wait $pid
	return $?
}

run "$LATHE_BIN" 8
rc=$?
summary=$(grep 'rtcheck:' "$log" | tail -1)
echo "$summary"
cycles=$(echo "$summary" | sed -n 's/rtcheck: \([0-9]*\) process cycles.*/\1/p')
if [ $rc -ne 0 ] || ! echo "$summary" | grep -q ' 0 violations' || [ "${cycles:-0}" -lt 1000 ]; then
	echo "rtcheck: FAILED (exit $rc)"; cat "$log"; exit 1
fi
for what in "the reference path" "the mix input"; do
	grep -q "playing into $what" "$log" || { echo "rtcheck: FAILED: no file played into $what"; cat "$log"; exit 1; }
done

run "$LATHE_PLANT_BIN" 1
rc=$?
if grep -q 'RT violation: malloc' "$log" && [ $rc -ne 0 ]; then
	echo "rtcheck: the planted malloc was caught: $(grep 'RT violation' "$log" | head -1)"
else
	echo "rtcheck: FAILED: the planted malloc was not caught (exit $rc)"; cat "$log"; exit 1
fi
echo "rtcheck: passed"
