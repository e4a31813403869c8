#!/bin/sh
# tests/isolate.sh CMD [ARGS...]: runs CMD with a /dev/shm of its own when the
# system allows it (root, or a user namespace: unshare -m), else as it is.
#
# JACK keeps its server registry (8 slots), its shared memory and its sockets
# in /dev/shm.  A suite that shares them with others running at the same time
# (another checkout's make check, a second engineer) can find its server name
# taken, the registry full, or a segment it has mapped re-created under it
# (SIGBUS).  In a mount namespace of its own, with a fresh tmpfs on /dev/shm,
# the suite's jackd servers, lathe and clients see only each other, and
# nothing stale outlives the suite.
[ $# -gt 0 ] || { echo "usage: tests/isolate.sh CMD [ARGS...]" >&2; exit 2; }
if [ "${LATHE_ISOLATED:-}" != 1 ] && command -v unshare >/dev/null 2>&1 &&
	unshare -m sh -c 'mount -t tmpfs -o mode=1777 tmpfs /dev/shm' 2>/dev/null; then
	LATHE_ISOLATED=1 exec unshare -m sh -c 'mount -t tmpfs -o mode=1777 tmpfs /dev/shm && exec "$@"' isolate "$@"
fi
exec "$@"
