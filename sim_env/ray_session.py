"""Ray, the optional engine that spreads hrisim's work (dataset groups, benchmark episodes) over the
cores of one machine or the nodes of a cluster (``pip install 'hrisim[ray]'``).

``ray_session`` connects as the command line asks (a local Ray of N CPUs, or a running cluster at
``auto`` or HOST:PORT) and turns what can go wrong into one-line errors; ``unordered`` runs one task
per item, a bounded number in flight, and yields the results as they finish. Results come back
through Ray's object store and only the driver writes them, so no node needs a shared file system.
"""
from __future__ import annotations

import contextlib
import os
import re
import socket
import sys
from typing import Callable, Iterable, Iterator

from hrisim.errors import HrisimError, UsageError

INSTALL_HINT = "pip install 'hrisim[ray]'"
CONNECT_TIMEOUT_S = 5.0
_HOST_PORT = re.compile(r"^(?P<host>[A-Za-z0-9_.\-]+|\[[0-9A-Fa-f:]+\]):(?P<port>\d{1,5})$")


class RayError(HrisimError):
    """Ray is not installed, or no Ray cluster answers at the address given."""


def check_address(address: str | None) -> str | None:
    """``None`` (start a local Ray), ``auto`` (the cluster this machine belongs to), HOST:PORT (a head
    node's GCS port) or ray://HOST:PORT (Ray Client); anything else is a usage error."""
    if address is None or address == "auto" or address.startswith("ray://"):
        return address
    match = _HOST_PORT.match(address)
    if not match or not 0 < int(match["port"]) < 65536:
        raise UsageError(f"--ray-address {address!r}: expected auto, HOST:PORT (a Ray head node's address, "
                         "port 6379 unless `ray start --head --port` chose another) or ray://HOST:PORT")
    return address


def _reachable(address: str) -> None:
    """Fail in seconds, naming the address, where ``ray.init`` would retry for a minute."""
    match = _HOST_PORT.match(address)
    host, port = match["host"].strip("[]"), int(match["port"])
    try:
        socket.create_connection((host, port), timeout=CONNECT_TIMEOUT_S).close()
    except OSError as exc:
        raise RayError(f"--ray-address {address}: no Ray cluster answers there ({exc.strerror or exc}); "
                       "start one with `ray start --head` or check the head node's address") from None


def _on_loopback(address: str | None) -> bool:
    """A Ray on this machine's loopback interface: the local one hrisim starts (None) or one at 127.0.0.1:PORT."""
    match = _HOST_PORT.match(address or "")
    host = match["host"].strip("[]") if match else ""
    return address is None or host in ("localhost", "::1") or host.startswith("127.")


def import_ray(local: bool):
    """The ``ray`` module, or a RayError saying how to install it. ``local``: this process starts or
    joins a Ray on the loopback interface, where a local Ray listens (nothing on the network). Ray's
    switch for that (the default on Windows and macOS) is read when ray is first imported, and it is
    set only for that import, since a driver that joins a cluster must announce an address the
    cluster can reach (Ray would otherwise swap 127.0.0.1 for this machine's network address)."""
    if local and "ray" not in sys.modules:
        os.environ["RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER"] = "0"
        try:
            return import_ray(local=False)
        finally:
            os.environ.pop("RAY_ENABLE_WINDOWS_OR_OSX_CLUSTER", None)
    try:
        import ray
    except ImportError:
        raise RayError(f"--backend ray needs Ray, which is not installed: {INSTALL_HINT}") from None
    return ray


@contextlib.contextmanager
def ray_session(address: str | None, num_cpus: int, log: Callable[[str], None] | None = None) -> Iterator:
    """Yield the ``ray`` module, connected: to a new local Ray of ``num_cpus`` CPUs when ``address`` is
    None (shut down at the end), else to the cluster at ``address``. A Ray this process has already
    joined (a notebook's, a test's) is used as it is."""
    log = log or (lambda line: print(line, file=sys.stderr))
    address = check_address(address)
    ray = import_ray(local=_on_loopback(address))
    if ray.is_initialized():
        yield ray
        return
    if address and _HOST_PORT.match(address):
        _reachable(address)
    settings = dict(include_dashboard=False, logging_level="WARNING", configure_logging=True)
    if address is None:
        log(f"starting a local Ray with {num_cpus} CPUs")
        settings["num_cpus"] = num_cpus
    try:
        ray.init(address=address, **settings)
    except (ConnectionError, RuntimeError, ImportError, ValueError) as exc:
        where = f"the Ray cluster at {address}" if address else "a local Ray"
        hint = ""
        if address and "RAY_AUTH_MODE" not in os.environ:  # Ray turns token auth on only for clusters it finds itself
            hint = ("; a cluster with token authentication (a local Ray's default) needs RAY_AUTH_MODE=token "
                    "and its token (~/.ray/auth_token or RAY_AUTH_TOKEN) on this machine")
        raise RayError(f"could not start or join {where}: {str(exc).splitlines()[0]}{hint}") from None
    try:
        yield ray
    finally:
        ray.shutdown()


def cluster_cpus(ray) -> int:
    return max(1, int(ray.cluster_resources().get("CPU", 1)))


def unordered(ray, task, items: Iterable, in_flight: int, *args) -> Iterator:
    """``task.remote(item, *args)`` for every item, at most ``in_flight`` at a time, yielding results as
    they finish. ``args`` go to the object store once. A task's own exception is raised as itself
    (the remote traceback in its notes); when the caller stops early, unfinished tasks are cancelled."""
    from ray.exceptions import RayTaskError

    shared = [ray.put(a) for a in args]
    queue, pending = list(items), []
    try:
        while queue or pending:
            while queue and len(pending) < in_flight:
                pending.append(task.remote(queue.pop(0), *shared))
            done, pending = ray.wait(pending, num_returns=1)
            try:
                result = ray.get(done[0])
            except RayTaskError as exc:
                cause = exc.cause if isinstance(exc.cause, BaseException) else exc
                cause.add_note(f"raised in a Ray task:\n{exc.traceback_str}")
                raise cause from None
            yield result
    finally:
        for ref in pending:
            ray.cancel(ref)
