#!/bin/sh
# Runs each test binary given; prints Check's summaries; fails if any failed.
# The last line is the plain summary "N passed, N failed".
pass=0; fail=0; failed=""
for t in "$@"; do
	name=$(basename "$t")
	echo "== $name"
	if "$t"; then pass=$((pass + 1)); else fail=$((fail + 1)); failed="$failed $name"; fi
done
[ -n "$failed" ] && echo "failed suites:$failed"
echo "suites: $pass passed, $fail failed"
[ "$fail" -eq 0 ]
