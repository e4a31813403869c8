#!/bin/sh
# Runs each test binary given; prints Check's summaries; fails if any failed.
# The last line is the plain summary "N passed, N failed".
# JACK's server registry (8 slots in /dev/shm) keeps every server that was
# killed with SIGKILL (the reconnect tests do that on purpose), and jackd
# reclaims only a dead entry of its own name.  When no jackd runs at all,
# every /dev/shm/jack* file is stale: clear them, as a reboot would.
# Where it can, each suite runs with a /dev/shm of its own (tests/isolate.sh),
# so none of this touches it, nor suites that run beside it.
if ! pgrep -x jackd >/dev/null 2>&1 && ! pgrep -x jackdbus >/dev/null 2>&1; then
	find /dev/shm -maxdepth 1 -name 'jack*' -type f -delete 2>/dev/null
fi
pass=0; fail=0; failed=""
for t in "$@"; do
	name=$(basename "$t")
	echo "== $name"
	if sh "$(dirname "$0")/isolate.sh" "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $name"; fi
done
[ -n "$failed" ] && echo "failed suites:$failed"
echo "suites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
