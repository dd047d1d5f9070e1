"""Who is asking: the client address that per-client limits count.

The peer address of the connection, unless the peer is one of ``server.trusted_proxies``:
then the client is read from ``server.trusted_proxy_header`` (``X-Forwarded-For``: the
addresses the request passed through, each proxy appending its peer), taking the last
address that is not a trusted proxy itself: everything left of it was written by the
client and cannot be believed. A header on a request that does not come from a trusted
proxy is ignored, so a client cannot choose its own identity.

An IPv6 client is its /64 network: one subscriber usually holds a whole /64, and would
otherwise have 2**64 identities.

Tested in ``tests/test_fairness.py``.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def client_address(environ: dict, server: dict) -> str:
    """The client identity of a WSGI request under the ``server:`` settings."""
    peer = str(environ.get("REMOTE_ADDR") or "")
    proxies = trusted_proxies(server)
    header = str(server.get("trusted_proxy_header") or "")
    if proxies and header and _within(peer, proxies):
        forwarded = environ.get("HTTP_" + header.upper().replace("-", "_"), "")
        for hop in reversed([part.strip() for part in forwarded.split(",")]):
            if not _within(hop, proxies):
                return _identity(hop) or _identity(peer) or peer
    return _identity(peer) or peer


def _identity(address: str) -> str | None:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    if ip.version == 6 and ip.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip.ipv4_mapped or ip) if ip.version == 6 else str(ip)


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def trusted_proxies(server: dict) -> tuple[Network, ...]:
    """``server.trusted_proxies`` as networks; ValueError names a value that is not one."""
    return _networks(tuple(str(value) for value in server.get("trusted_proxies") or ()))


@lru_cache(maxsize=8)
def _networks(values: tuple[str, ...]) -> tuple[Network, ...]:
    try:
        return tuple(ipaddress.ip_network(value, strict=False) for value in values)
    except ValueError as exc:
        raise ValueError(f"server.trusted_proxies: {exc}") from None
