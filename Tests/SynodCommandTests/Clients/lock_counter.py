"""Increments a shared counter under a Synod lock, with every write fenced by its token.

Usage: lock_counter.py PORTS LOCK OWNER ROUNDS. Prints one line per event:
  token T          the lock was granted with fencing token T
  write N T ok     the counter was set to N under token T
  write N T refused <error>   the fenced write was refused (the lock had been lost)
"""
import sys

from synod_client import Cluster

ports = [int(port) for port in sys.argv[1].split(",")]
lock, owner, rounds = sys.argv[2], sys.argv[3], int(sys.argv[4])
cluster = Cluster(ports)
for _ in range(rounds):
    token = cluster.call("LOCK.ACQUIRE", lock, owner, 2000, "WAIT", 20000)
    if not isinstance(token, int):
        print("acquire", token, flush=True)
        continue
    print("token", token, flush=True)
    value = cluster.call("GET", "counter")
    following = int(value or 0) + 1
    result = cluster.call("SET", "counter", following, "FENCE", lock, token)
    outcome = "ok" if result is True or result == b"OK" else "refused %s" % result
    print("write", following, token, outcome, flush=True)
    cluster.call("LOCK.RELEASE", lock, owner)
print("done", flush=True)
