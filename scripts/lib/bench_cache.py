"""A cache workload, side by side: 90% GET / 10% SET over zipfian keys, with maxmemory set so
that eviction runs (allkeys-lru); a miss is followed by a SET, as a cache-aside client does.

Usage: bench_cache.py REDIS_PORT SYNOD_PORT SECONDS. Prints ops/s, hit rate and evictions.
"""
import bisect
import multiprocessing
import random
import sys
import time

import redis

KEYS = 50_000
VALUE = b"v" * 200
PROCESSES = 4


def zipf_table(count, exponent=1.0):
    weights = [1.0 / (rank ** exponent) for rank in range(1, count + 1)]
    total = sum(weights)
    cumulative, running = [], 0.0
    for weight in weights:
        running += weight / total
        cumulative.append(running)
    return cumulative


def worker(arguments):
    port, seconds, seed = arguments
    table = zipf_table(KEYS)
    generator = random.Random(seed)
    client = redis.Redis(host="127.0.0.1", port=port, socket_timeout=30)
    gets = hits = sets = 0
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        key = "cache:%d" % bisect.bisect_left(table, generator.random())
        try:
            if generator.random() < 0.9:
                gets += 1
                if client.get(key) is not None:
                    hits += 1
                else:
                    client.set(key, VALUE)
                    sets += 1
            else:
                client.set(key, VALUE)
                sets += 1
        except redis.exceptions.ResponseError as error:
            if not str(error).startswith("TRYAGAIN"):
                raise
    return gets, hits, sets


def run(port, seconds):
    with multiprocessing.Pool(PROCESSES) as pool:
        results = pool.map(worker, [(port, seconds, seed) for seed in range(PROCESSES)])
    gets = sum(result[0] for result in results)
    hits = sum(result[1] for result in results)
    sets = sum(result[2] for result in results)
    info = redis.Redis(host="127.0.0.1", port=port).info()
    return (gets + sets) / seconds, hits / max(1, gets), info.get("evicted_keys", 0)


def main():
    redis_port, synod_port, seconds = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
    print("%-12s %12s %10s %12s" % ("", "ops/s", "hit rate", "evicted"))
    for name, port in (("redis", redis_port), ("synod", synod_port)):
        client = redis.Redis(host="127.0.0.1", port=port)
        client.config_set("maxmemory", "4mb")
        client.config_set("maxmemory-policy", "allkeys-lru")
        ops, hit_rate, evicted = run(port, seconds)
        print("%-12s %12.0f %9.1f%% %12d" % (name, ops, hit_rate * 100, evicted))


if __name__ == "__main__":
    main()
