"""Lock round trips, side by side: Synod's LOCK.ACQUIRE + LOCK.RELEASE against Redis's
SET NX PX + compare-and-delete (a Lua script, the documented safe release).

Usage: bench_lock.py REDIS_PORT SYNOD_PORT ROUNDS. Prints p50 and p99 in milliseconds for one
uncontended client and for 10 clients contending for one lock.
"""
import multiprocessing
import sys
import time

import redis

COMPARE_AND_DELETE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) else return 0 end"


def redis_round(client, release, owner):
    started = time.perf_counter()
    while not client.set("bench-lock", owner, nx=True, px=10000):
        pass  # Redis has no wait: a contender retries until the key is free
    release(keys=["bench-lock"], args=[owner])
    return time.perf_counter() - started


def retrying(client, *arguments):
    """The reply, retried while the cluster elects a leader (TRYAGAIN): rare on an idle machine,
    but 10 contending processes and 3 nodes on two cores can starve a heartbeat."""
    while True:
        try:
            return client.execute_command(*arguments)
        except redis.exceptions.ResponseError as error:
            if not str(error).startswith("TRYAGAIN"):
                raise


def synod_round(client, owner):
    started = time.perf_counter()
    token = retrying(client, "LOCK.ACQUIRE", "bench-lock", owner, 10000, "WAIT", 30000)
    assert isinstance(token, int), token
    assert retrying(client, "LOCK.RELEASE", "bench-lock", owner) in (0, 1)
    return time.perf_counter() - started


def run(arguments):
    system, port, owner, rounds = arguments
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=60)
    release = client.register_script(COMPARE_AND_DELETE) if system == "redis" else None
    times = []
    for _ in range(rounds):
        if system == "redis":
            times.append(redis_round(client, release, owner))
        else:
            times.append(synod_round(client, owner))
    return times


def percentiles(times):
    ordered = sorted(times)
    return ordered[len(ordered) // 2] * 1000, ordered[min(len(ordered) - 1, len(ordered) * 99 // 100)] * 1000


def main():
    redis_port, synod_port, rounds = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3])
    print("%-24s %12s %12s %12s %12s" % ("", "redis p50", "redis p99", "synod p50", "synod p99"))
    for clients in (1, 10):
        row = []
        for system, port in (("redis", redis_port), ("synod", synod_port)):
            jobs = [(system, port, "owner-%d" % number, rounds // clients) for number in range(clients)]
            with multiprocessing.Pool(clients) as pool:
                times = [time for result in pool.map(run, jobs) for time in result]
            row += percentiles(times)
        label = "uncontended" if clients == 1 else "%d clients, one lock" % clients
        print("%-24s %10.3fms %10.3fms %10.3fms %10.3fms" % (label, *row))


if __name__ == "__main__":
    main()
