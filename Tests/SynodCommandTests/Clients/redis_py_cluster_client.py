"""Uses a Synod cluster through redis-py's RedisCluster, which reads CLUSTER SLOTS, COMMAND and
INFO to route each key.

Usage: redis_py_cluster_client.py PORT [SHARDS]. Exits 0 when every check holds.
"""
import sys

from redis.cluster import ClusterNode, RedisCluster

port = int(sys.argv[1])
shard_count = int(sys.argv[2]) if len(sys.argv) > 2 else 1
cluster = RedisCluster(startup_nodes=[ClusterNode("127.0.0.1", port)], socket_timeout=10)
for number in range(100):
    assert cluster.set("cluster:%d" % number, number) is True
assert [cluster.get("cluster:%d" % number) for number in (0, 50, 99)] == [b"0", b"50", b"99"]
assert cluster.keyslot("foo") == 12182 == cluster.cluster_keyslot("foo")
assert cluster.mget_nonatomic(["cluster:1", "cluster:2", "missing"]) == [b"1", b"2", None]
assert cluster.cluster_info()["cluster_state"] == "ok"
pipe = cluster.pipeline()
pipe.set("cluster:x", 1)
pipe.incr("cluster:x")
assert pipe.execute() == [True, 2]
# The shards' ranges cover the slots in order, each served by one master.
shards = cluster.execute_command("CLUSTER SHARDS")
assert len(shards) == shard_count, shards
assert shards[0]["slots"][0][0] == 0 and shards[-1]["slots"][-1][1] == 16383, shards
for before, after in zip(shards, shards[1:]):
    assert before["slots"][-1][1] + 1 == after["slots"][0][0], shards
for shard in shards:
    assert [node[b"role"] for node in shard["nodes"]].count(b"master") == 1, shard
# Each key went to the master of its slot: every master the client knows serves some.
masters = {(node.host, node.port) for node in cluster.get_primaries()}
assert 1 <= len(masters) <= shard_count, masters
assert cluster.hset("cluster:h", "f", "v") == 1 and cluster.hget("cluster:h", "f") == b"v"
print("ok")
