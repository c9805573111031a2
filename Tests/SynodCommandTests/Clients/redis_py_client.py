"""Exercises a Synod node with Python's redis client (Debian's python3-redis).

Usage: redis_py_client.py PORT. Exits 0 when every check holds; prints the failure otherwise.
"""
import sys

import redis

port = int(sys.argv[1])
r = redis.Redis(host="127.0.0.1", port=port, socket_timeout=10)
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
print("ok")
