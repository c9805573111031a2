"""Big values side by side: COUNT SETs of MEGABYTES each on redis-server and on a 3-node Synod.

Usage: bench_large_values.py REDIS_PORT SYNOD_PORTS COUNT MEGABYTES, SYNOD_PORTS as
"p1,p2,p3". On Synod the writes go to the leader and a follower in turn, and each value is
read back through another node. Meanwhile a small-key GET loop runs on another connection (on
a node that does not take the write) and its longest reply is kept. Prints MB/s of the writes,
failed writes and reads, elections (the rise of the highest term) and that longest reply; then
one SET at the size limit and one just over it. On Synod a second GET loop runs on the
leader, which takes every write.
"""
import sys
import threading
import time

import redis

LIMIT_BYTES = 64 << 20  # --max-request-bytes' default; the request adds its words' framing


def connect(port):
    return redis.Redis(port=port, socket_timeout=300, socket_connect_timeout=10)


def info(port, field):
    try:
        return connect(port).info("consensus").get(field)
    except redis.exceptions.RedisError:
        return None


def leader_of(ports):
    for port in ports:
        if info(port, "raft_role") == "leader":
            return port
    return None


def highest_term(ports):
    return max(int(info(port, "raft_term") or 0) for port in ports)


class SmallGets(threading.Thread):
    """GETs of one small key (or PINGs) in a loop, keeping the longest reply time."""

    def __init__(self, port, ping=False):
        super().__init__(daemon=True)
        self.client = connect(port)
        self.client.set("small", "x")
        self.ping = ping
        self.longest = 0.0
        self.count = 0
        self.failures = 0
        self.running = True

    def run(self):
        while self.running:
            started = time.perf_counter()
            try:
                if self.ping:
                    self.client.ping()
                else:
                    self.client.get("small")
            except redis.exceptions.RedisError:
                self.failures += 1
            self.longest = max(self.longest, time.perf_counter() - started)
            self.count += 1


def run(name, writers, readers, loop_port, count, value, terms=None, leader_loop_port=None):
    """Writes `count` values, writer i through writers[i % len], read back through readers[i % len].

    A small-key GET loop runs on `loop_port`, and on Synod a second one on the leader."""
    gets = SmallGets(loop_port)
    gets.start()
    leader_gets = SmallGets(leader_loop_port) if leader_loop_port else None
    if leader_gets:
        leader_gets.start()
    term_before = terms() if terms else None
    failed_writes = failed_reads = 0
    started = time.perf_counter()
    for index in range(count):
        key = f"big:{index}"
        try:
            connect(writers[index % len(writers)]).set(key, value)
        except redis.exceptions.RedisError as error:
            failed_writes += 1
            print(f"  {name}: SET {key} failed: {str(error)[:100]}")
            continue
        try:
            if connect(readers[index % len(readers)]).get(key) != value:
                failed_reads += 1
        except redis.exceptions.RedisError as error:
            failed_reads += 1
            print(f"  {name}: GET {key} failed: {str(error)[:100]}")
    elapsed = time.perf_counter() - started
    gets.running = False
    gets.join()
    if leader_gets:
        leader_gets.running = False
        leader_gets.join()
    megabytes = count * len(value) / (1 << 20)
    elections = terms() - term_before if terms else 0
    return {
        "name": name,
        "rate": megabytes / elapsed,
        "failed_writes": failed_writes,
        "failed_reads": failed_reads,
        "elections": elections,
        "longest_get_ms": gets.longest * 1000,
        "longest_leader_get_ms": leader_gets.longest * 1000 if leader_gets else None,
        "gets": gets.count,
        "get_failures": gets.failures,
    }


def main():
    redis_port = int(sys.argv[1])
    synod_ports = [int(port) for port in sys.argv[2].split(",")]
    count = int(sys.argv[3])
    value = b"v" * (int(sys.argv[4]) << 20)
    leader = leader_of(synod_ports)
    followers = [port for port in synod_ports if port != leader]
    rows = [
        run("redis aof", [redis_port], [redis_port], redis_port, count, value),
        # Writes through the leader and a follower in turn; each read through the other
        # follower or the leader; the GET loop on the remaining follower.
        run(
            "synod 3-node",
            [leader, followers[0]],
            [followers[1], leader],
            followers[1],
            count,
            value,
            terms=lambda: highest_term(synod_ports),
            leader_loop_port=leader,
        ),
    ]
    print(f"\n{count} SETs of {len(value) >> 20} MB, each read back")
    print(f"{'':14} {'MB/s':>8} {'failed SET':>11} {'failed GET':>11} {'elections':>10} {'longest small GET':>18}")
    for row in rows:
        print(
            f"{row['name']:14} {row['rate']:8.1f} {row['failed_writes']:11d} {row['failed_reads']:11d} "
            f"{row['elections']:10d} {row['longest_get_ms']:15.1f} ms"
        )
    print(f"ratio synod/redis MB/s: {rows[1]['rate'] / rows[0]['rate']:.2f}x")
    print(
        f"longest small GET on the Synod leader meanwhile (a loop of its own): "
        f"{rows[1]['longest_leader_get_ms']:.1f} ms"
    )

    print("\nat the size limit (--max-request-bytes 64 MiB; the framing of SET's words counts too);")
    print("longest PING: the longest a PING to the same server waited meanwhile (its loop was busy)")
    at_limit = b"w" * (LIMIT_BYTES - 1024)
    over_limit = b"w" * (LIMIT_BYTES + 1)
    for name, port in (("redis aof", redis_port), ("synod leader", leader_of(synod_ports))):
        for label, payload in (("64 MiB - 1 KiB", at_limit), ("64 MiB + 1 B", over_limit)):
            pings = SmallGets(port, ping=True)
            pings.start()
            started = time.perf_counter()
            try:
                connect(port).set("limit", payload)
                outcome = "stored"
            except redis.exceptions.RedisError as error:
                outcome = f"refused: {str(error)[:90]}"
            elapsed = time.perf_counter() - started
            pings.running = False
            pings.join()
            print(
                f"  {name:13} {label:15} {outcome} in {elapsed * 1000:.0f} ms, "
                f"longest PING {pings.longest * 1000:.0f} ms"
            )


if __name__ == "__main__":
    main()
