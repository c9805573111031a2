"""A client of a Synod cluster that sends each command to whichever node answers, retrying
while there is no leader (TRYAGAIN: not applied) or a node is down: what an application does.
An UNCERTAIN answer (a write whose outcome the node could not learn) is returned to the
caller, who must read before retrying a write that is not idempotent."""
import time

import redis


class Cluster:
    def __init__(self, ports):
        self.ports = ports
        self.clients = [redis.Redis(host="127.0.0.1", port=port, socket_timeout=15) for port in ports]

    def call(self, *arguments):
        """The reply, or the ResponseError the cluster answered (other than TRYAGAIN)."""
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            for client in self.clients:
                try:
                    return client.execute_command(*arguments)
                except redis.exceptions.ResponseError as error:
                    if str(error).startswith("TRYAGAIN"):
                        continue
                    return error
                except (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError):
                    continue
            time.sleep(0.02)  # every node refused: an election is under way
        raise RuntimeError("no node answered %r for 60 s" % (arguments,))
