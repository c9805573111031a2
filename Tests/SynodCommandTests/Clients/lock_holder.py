"""Takes a Synod lock and keeps it: refreshes it and writes to a resource fenced by its token
a few times per TTL, until a refresh says the lock is lost.

Usage: lock_holder.py PORTS LOCK OWNER TTL_MS. Prints "token T", then "write <reply>" and
"refresh <reply>" for each round; once a refresh fails, one last "write <reply>" (a write
made knowing nothing of the loss would look the same to the resource) and "lost".
"""
import sys
import time

from synod_client import Cluster

ports = [int(port) for port in sys.argv[1].split(",")]
lock, owner, ttl = sys.argv[2], sys.argv[3], int(sys.argv[4])
cluster = Cluster(ports)
token = cluster.call("LOCK.ACQUIRE", lock, owner, ttl, "WAIT", 20000)
print("token", token, flush=True)
while True:
    print("write", cluster.call("SET", "resource", owner, "FENCE", lock, token), flush=True)
    refreshed = cluster.call("LOCK.REFRESH", lock, owner, ttl)
    print("refresh", refreshed, flush=True)
    if refreshed != 1:
        break
    time.sleep(ttl / 4000)  # the holder's own pace: a few refreshes per TTL
print("write", cluster.call("SET", "resource", owner, "FENCE", lock, token), flush=True)
print("lost", flush=True)
