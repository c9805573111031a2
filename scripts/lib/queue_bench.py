"""A work queue on a stream, as the seeds' order -> pay -> deliver pipeline uses one.

Producers XADD messages through some nodes; consumers of one group XREADGROUP (BLOCK) and
XACK through others; optionally a process (the leader) is killed halfway. Clients that get an
error or lose their connection reconnect to the next node and retry. At the end a recovery
consumer claims what is still pending (entries delivered whose reply was lost with a node),
and the run is checked: every entry is delivered as new at most once, every entry is either
delivered or claimed, and every XADD a producer saw succeed is in the stream.

    queue_bench.py NAME PRODUCE_PORTS CONSUME_PORTS MESSAGES PRODUCERS CONSUMERS [KILL_PID]

Prints one line of results; exits non-zero when a check fails.
"""

import os
import signal
import sys
import threading
import time

import redis

name = sys.argv[1]
produce_ports = [int(port) for port in sys.argv[2].split(",")]
consume_ports = [int(port) for port in sys.argv[3].split(",")]
messages = int(sys.argv[4])
producer_count = int(sys.argv[5])
consumer_count = int(sys.argv[6])
kill_pid = int(sys.argv[7]) if len(sys.argv) > 7 else 0

STREAM, GROUP = "queue", "workers"
lock = threading.Lock()
acknowledged_adds = {}  # payload -> id, for XADDs a producer saw succeed
deliveries = {}  # id -> how many times it was delivered as new
latencies = []
errors = {"produce": 0, "consume": 0}
produced = [0]
done = threading.Event()


def connect(ports, index):
    return redis.Redis(port=ports[index % len(ports)], socket_timeout=10, decode_responses=True)


def retrying(action, ports, what):
    """Runs action(connection) until it succeeds, moving to the next node after an error."""
    index = 0
    connection = connect(ports, index)
    while True:
        try:
            return action(connection)
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError) as error:
            if isinstance(error, redis.ResponseError) and "BUSYGROUP" in str(error):
                return None
            with lock:
                errors[what] += 1
            index += 1
            connection = connect(ports, index)
            time.sleep(0.05)


def producer(number):
    index = number
    connection = connect(produce_ports, index)
    for sequence in range(number, messages, producer_count):
        payload = f"{sequence}"
        while True:
            try:
                entry = connection.xadd(STREAM, {"m": payload, "t": repr(time.time())})
                break
            except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
                with lock:
                    errors["produce"] += 1
                index += 1
                connection = connect(produce_ports, index)
                time.sleep(0.05)
        with lock:
            acknowledged_adds[payload] = entry
            produced[0] += 1


def consumer(number):
    index = number
    connection = connect(consume_ports, index)
    me = f"c{number}"
    while not done.is_set():
        try:
            reply = connection.xreadgroup(GROUP, me, {STREAM: ">"}, count=50, block=200)
        except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
            with lock:
                errors["consume"] += 1
            index += 1
            connection = connect(consume_ports, index)
            time.sleep(0.05)
            continue
        now = time.time()
        ids = []
        for _, entries in reply or []:
            for entry, fields in entries:
                ids.append(entry)
                with lock:
                    deliveries[entry] = deliveries.get(entry, 0) + 1
                    latencies.append(now - float(fields["t"]))
        if ids:
            try:
                connection.xack(STREAM, GROUP, *ids)
            except (redis.ConnectionError, redis.TimeoutError, redis.ResponseError):
                # Left pending: the recovery consumer claims them at the end.
                with lock:
                    errors["consume"] += 1
                index += 1
                connection = connect(consume_ports, index)


retrying(lambda c: c.delete(STREAM), produce_ports, "produce")
retrying(lambda c: c.xgroup_create(STREAM, GROUP, id="$", mkstream=True), produce_ports, "produce")
threads = [threading.Thread(target=consumer, args=(n,)) for n in range(consumer_count)]
threads += [threading.Thread(target=producer, args=(n,)) for n in range(producer_count)]
start = time.time()
for thread in threads:
    thread.start()
killed_at = None
if kill_pid:
    while produced[0] < messages // 2:
        time.sleep(0.01)
    os.kill(kill_pid, signal.SIGKILL)
    killed_at = time.time() - start
for thread in threads[consumer_count:]:
    thread.join()
# Consumers go on until every entry is delivered, or nothing comes for 3 seconds (an entry
# whose delivery was lost with a node stays pending: the recovery below claims it).
target = retrying(lambda c: c.xlen(STREAM), consume_ports, "consume")
last_count, last_change = -1, time.time()
while time.time() - last_change < 3:
    with lock:
        count = len(deliveries)
    if count >= target:
        break
    if count != last_count:
        last_count, last_change = count, time.time()
    time.sleep(0.05)
elapsed = time.time() - start
done.set()
for thread in threads[:consumer_count]:
    thread.join()

# Recovery: claim whatever is still pending, then read the whole stream.
claimed = set()
cursor = "0-0"


def claim(connection):
    # The raw reply, [cursor, ids, deleted ids]: redis-py 4.3 drops the cursor with JUSTID.
    connection.response_callbacks.pop("XAUTOCLAIM", None)
    return connection.execute_command("XAUTOCLAIM", STREAM, GROUP, "recovery", 0, cursor, "COUNT", 500, "JUSTID")


while True:
    reply = retrying(claim, consume_ports, "consume")
    claimed.update(reply[1])
    cursor = reply[0]
    if cursor == "0-0":
        break
entries = retrying(lambda c: c.xrange(STREAM), consume_ports, "consume")
groups = retrying(lambda c: c.xinfo_groups(STREAM), consume_ports, "consume")
last_delivered = groups[0]["last-delivered-id"]


def after(entry, other):
    return tuple(map(int, entry.split("-"))) > tuple(map(int, other.split("-")))


unread = sum(1 for entry, _ in entries if after(entry, last_delivered))
in_stream = {entry for entry, _ in entries}
payloads = [fields["m"] for _, fields in entries]
delivered_twice = sum(1 for count in deliveries.values() if count > 1)
never_delivered = len(in_stream - set(deliveries) - claimed) - unread
acknowledged_missing = sum(1 for entry in acknowledged_adds.values() if entry not in in_stream)
added_twice = len(payloads) - len(set(payloads))
latencies.sort()


def percentile(fraction):
    return latencies[min(len(latencies) - 1, int(fraction * len(latencies)))] * 1000 if latencies else float("nan")


print(
    f"{name}: {messages} messages, {producer_count} producers, {consumer_count} consumers: "
    f"{len(deliveries) / elapsed:.0f} msg/s delivered, end-to-end p50 {percentile(0.5):.1f} ms "
    f"p99 {percentile(0.99):.1f} ms; delivered as new twice {delivered_twice}, lost {never_delivered}, "
    f"acknowledged XADDs missing {acknowledged_missing}, unread {unread}, claimed after the run {len(claimed)}, "
    f"XADDs applied twice by a retry {added_twice}, client errors {errors['produce']}+{errors['consume']}"
    + (f", leader killed at {killed_at:.1f} s" if killed_at is not None else "")
)
sys.exit(1 if delivered_twice or never_delivered or acknowledged_missing or unread else 0)
