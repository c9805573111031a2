"""Exercises a Synod node with Python's redis client (Debian's python3-redis).

Usage: redis_py_client.py PORT [OTHER_PORT]. Exits 0 when every check holds; prints the failure otherwise.
"""
import sys
import time

import redis

port = int(sys.argv[1])
# Another node of the cluster, for writes that come from elsewhere (the same node if alone).
other_port = int(sys.argv[2]) if len(sys.argv) > 2 else port
r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
other = redis.Redis(host="127.0.0.1", port=other_port, socket_timeout=10)
text = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10, decode_responses=True)

assert r.ping() is True
assert r.set("py:k", "v", ex=100) is True
assert r.get("py:k") == b"v"
assert 90 <= r.ttl("py:k") <= 100
assert r.set("py:k", "x", nx=True) is None
assert r.set("py:k", "y", xx=True, get=True) == b"v"
assert r.incrby("py:n", 5) == 5
assert r.decr("py:n") == 4
assert r.mset({"py:a": "1", "py:b": "2"}) is True
assert r.mget(["py:a", "py:b", "py:none"]) == [b"1", b"2", None]
pipe = r.pipeline(transaction=False)
for _ in range(100):
    pipe.incr("py:counter")
assert pipe.execute()[-1] == 100
assert r.exists("py:a", "py:b", "py:none") == 2
assert r.delete("py:a", "py:b") == 2
assert r.expire("py:n", 50) is True
assert r.persist("py:n") is True
assert r.pttl("py:n") == -1
try:
    r.incr("py:k")
    sys.exit("INCR on a string succeeded")
except redis.ResponseError as error:
    assert "not an integer" in str(error), error
assert text.client_setname("py-test") is True
assert text.client_getname() == "py-test"
info = text.info()
assert info["redis_version"], info
assert info["raft_leader"], info
assert r.dbsize() >= 3

# Hashes, as caches store objects.
assert r.hset("py:user", mapping={"name": "ada", "visits": "1"}) == 2
assert r.hgetall("py:user") == {b"name": b"ada", b"visits": b"1"}
assert r.hincrby("py:user", "visits", 2) == 3
assert r.hmget("py:user", ["name", "none"]) == [b"ada", None]
assert sorted(r.hkeys("py:user")) == [b"name", b"visits"]
assert r.type("py:user") == b"hash"
assert sorted(r.scan_iter(match="py:user*")) == [b"py:user"]

# A transaction with WATCH, as redis-py's optimistic-locking helper runs it.
r.set("py:balance", 100)


def withdraw(pipe):
    balance = int(pipe.get("py:balance"))
    pipe.multi()
    pipe.set("py:balance", balance - 30)
    pipe.incr("py:withdrawals")


assert r.transaction(withdraw, "py:balance") == [True, 1]
assert r.get("py:balance") == b"70"
pipe = r.pipeline(transaction=True)
pipe.set("py:tx", "a").append("py:tx", "b").get("py:tx")
assert pipe.execute() == [True, 2, b"ab"]
# A watched key changed by another client: EXEC aborts and redis-py raises WatchError.
watcher = r.pipeline(transaction=True)
watcher.watch("py:balance")
other.set("py:balance", 0)
watcher.multi()
watcher.set("py:balance", 1000)
try:
    watcher.execute()
    sys.exit("EXEC ran although a watched key changed")
except redis.WatchError:
    pass
assert r.get("py:balance") == b"0"

# Pub/sub through redis-py's PubSub object.
subscriber = r.pubsub()
subscriber.subscribe("py:news")
assert subscriber.get_message(timeout=10)["type"] == "subscribe"
deadline = time.monotonic() + 30
received = None
while received is None and time.monotonic() < deadline:
    other.publish("py:news", "hello")
    received = subscriber.get_message(timeout=0.5)
assert received is not None and received["data"] == b"hello", received
subscriber.close()
print("ok")
