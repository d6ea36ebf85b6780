"""Destination guard: every outbound request of soarflow goes through `guarded_session`.

Playbooks build URLs from alert data and from people's input, so a request could otherwise be
aimed at the machine soarflow runs on or at its private network (server-side request forgery):
the cloud metadata service hands out credentials, and admin consoles on loopback trust their
callers. Each step below closes one way around the guard:

* **Judge the address, not the spelling.** `resolve_host` asks `socket.getaddrinfo` — the very
  resolver the connection uses — so decimal (2130706433), octal (0177.0.0.1), hex (0x7f.0.0.1)
  and short (127.1) forms come back as the address they really reach. `check_address` first
  unwraps IPv6 forms that carry an IPv4 address (mapped ``::ffff:a.b.c.d``, compatible
  ``::a.b.c.d``, NAT64 ``64:ff9b::/96``, 6to4 ``2002::/16``), because the packets go to that
  IPv4 address.
* **Refuse when any answer is bad.** A name that resolves to one public and one private address
  is refused: picking the good one would still leave a connection free to reach the bad one.
* **Pin the checked address.** The check happens inside the connection, which then connects to
  the addresses it just checked instead of resolving the name a second time; otherwise a DNS
  server answering "public" to the check and "169.254.169.254" to the connect (DNS rebinding)
  would win. The Host header, TLS SNI and certificate verification still use the name in the URL.
* **Every redirect hop is a new request.** requests follows redirects by sending each hop
  through the session again, so each hop's URL is checked and each new connection resolves and
  checks its own host. Keeping requests' redirect logic (rather than a loop of our own) keeps its
  rule of dropping the Authorization header when a redirect changes host, so connector secrets
  never follow a redirect elsewhere.
* **Only http and https, no credentials in URLs, no proxies.** Other schemes reach files or
  other protocols; ``user:password@`` in a URL ends up in logs and traces; a proxy would resolve
  the destination itself, past the guard (so environment proxies and .netrc are ignored too).

An administrator allows ranges with ``SOARFLOW_ALLOWED_NETWORKS`` (comma-separated CIDRs); an
address inside one is allowed whatever else it is. A refusal raises `BlockedDestination`, whose
`code` is the step error code and whose message names the host and the reason, never the URL's
path, query or credentials.
"""

from __future__ import annotations

import contextlib
import ipaddress
import os
import socket
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from requests.adapters import BaseAdapter, HTTPAdapter
from urllib3 import PoolManager
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util.connection import create_connection

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Timeout = float | tuple[float, float]

ALLOWED_NETWORKS_VARIABLE = "SOARFLOW_ALLOWED_NETWORKS"
ALLOWED_SCHEMES = ("http", "https")

_PRIVATE = "a private (RFC 1918) address"
_DOCUMENTATION = "a documentation address"
_BENCHMARKING = "a benchmarking address"
# First match gives the reason. The IPv4 forms wrapped in IPv6 are unwrapped before this table.
_BLOCKED: tuple[tuple[Network, str], ...] = tuple(
    (ipaddress.ip_network(network), reason)
    for network, reason in (
        ("0.0.0.0/32", "the unspecified address"),
        ("0.0.0.0/8", "a 'this network' address (it reaches the local host)"),
        ("10.0.0.0/8", _PRIVATE),
        ("100.64.0.0/10", "a carrier-grade NAT (RFC 6598) address"),
        ("127.0.0.0/8", "a loopback address"),
        ("169.254.0.0/16", "a link-local address"),
        ("172.16.0.0/12", _PRIVATE),
        ("192.0.0.0/24", "an IETF protocol assignment address"),
        ("192.0.2.0/24", _DOCUMENTATION),
        ("192.168.0.0/16", _PRIVATE),
        ("198.18.0.0/15", _BENCHMARKING),
        ("198.51.100.0/24", _DOCUMENTATION),
        ("203.0.113.0/24", _DOCUMENTATION),
        ("224.0.0.0/4", "a multicast address"),
        ("240.0.0.0/4", "a reserved or broadcast address"),
        ("::/128", "the unspecified address"),
        ("::1/128", "a loopback address"),
        ("100::/64", "a discard-only address"),
        ("2001::/32", "a Teredo tunnel address (it embeds an IPv4 address)"),
        ("2001:2::/48", _BENCHMARKING),
        ("2001:db8::/32", _DOCUMENTATION),
        ("3fff::/20", _DOCUMENTATION),
        ("fc00::/7", "a unique local (private) address"),
        ("fe80::/10", "a link-local address"),
        ("fec0::/10", "a site-local (private) address"),
        ("ff00::/8", "a multicast address"),
    )
)
# Every routable IPv6 unicast address lies here; the rest is unassigned or special-purpose.
_IPV6_GLOBAL_UNICAST = ipaddress.IPv6Network("2000::/3")
# Already inside blocked ranges; named so that the message says what the request was after.
_CLOUD_METADATA: tuple[Network, ...] = (
    ipaddress.IPv4Network("169.254.169.254/32"),  # AWS, Azure, GCP, Oracle, DigitalOcean
    ipaddress.IPv6Network("fd00:ec2::254/128"),  # AWS over IPv6
    ipaddress.IPv4Network("100.100.100.200/32"),  # Alibaba Cloud
)
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")


class BlockedDestination(Exception):
    """The guard refused a request before any connection was made."""

    code = "blocked_destination"

    def __init__(self, message: str, *, host: str, address: Address | None = None) -> None:
        super().__init__(message)
        self.host = host
        self.address = address


@dataclass(frozen=True)
class OutboundPolicy:
    """What an administrator allows on top of the default: ranges that may be reached."""

    allowed_networks: tuple[Network, ...] = ()

    @classmethod
    def from_env(cls, environ: Mapping[str, str] = os.environ) -> OutboundPolicy:
        networks: list[Network] = []
        entries = (part.strip() for part in environ.get(ALLOWED_NETWORKS_VARIABLE, "").split(","))
        for entry in filter(None, entries):
            try:
                networks.append(ipaddress.ip_network(entry))
            except ValueError as error:
                raise ValueError(
                    f"{ALLOWED_NETWORKS_VARIABLE}: {entry!r} is not a network ({error})"
                ) from error
        return cls(tuple(networks))

    def allows(self, address: Address) -> bool:
        return any(address in network for network in self.allowed_networks)


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    # :: and ::1 sit inside ::/96 but are the IPv6 unspecified and loopback addresses.
    if address in _NAT64 or (address in _IPV4_COMPATIBLE and int(address) > 1):
        return ipaddress.IPv4Address(int(address) & 0xFFFF_FFFF)
    return None


def _reason(address: Address) -> str | None:
    reason = next((reason for network, reason in _BLOCKED if address in network), None)
    if reason is None and address.version == 6 and address not in _IPV6_GLOBAL_UNICAST:
        reason = "a reserved address (outside the IPv6 global unicast range 2000::/3)"
    if reason is not None and any(address in network for network in _CLOUD_METADATA):
        reason += " (cloud metadata)"
    return reason


def _refusal(address: Address, policy: OutboundPolicy) -> str | None:
    """Why `address` may not be reached, or None when it may."""
    embedded = _embedded_ipv4(address) if isinstance(address, ipaddress.IPv6Address) else None
    if policy.allows(address) or (embedded is not None and policy.allows(embedded)):
        return None
    if embedded is None:
        return _reason(address)
    reason = _reason(embedded)
    return None if reason is None else f"{reason} once unwrapped to {embedded}"


def check_address(address: Address, policy: OutboundPolicy) -> None:
    """Raise BlockedDestination unless `address` is public or inside an allowed network."""
    reason = _refusal(address, policy)
    if reason is not None:
        raise BlockedDestination(f"{address} is {reason}", host=str(address), address=address)


def _normalize_host(host: str) -> str:
    # One spelling for the resolver and the messages: URLs bracket IPv6 literals, may end in
    # the DNS root dot, use capitals or Unicode names (IDNA).
    name = host.removeprefix("[").removesuffix("]").rstrip(".").lower()
    return name.encode("idna").decode("ascii")


def _spells(name: str, address: Address) -> bool:
    """Whether `name` is a standard literal of `address` (::ffff:1.2.3.4 is ::ffff:102:304)."""
    try:
        return ipaddress.ip_address(name) == address
    except ValueError:
        return False


def resolve_host(host: str, port: int, policy: OutboundPolicy) -> list[Address]:
    """Resolve `host` and return its addresses, or raise BlockedDestination if any is refused.

    Raises socket.gaierror when the name does not resolve, UnicodeError when it is no valid
    IDNA name. The list is never empty, in the resolver's order of preference.
    """
    name = _normalize_host(host)
    addresses: list[Address] = []
    for *_, sockaddr in socket.getaddrinfo(name, port, type=socket.SOCK_STREAM):
        text = str(sockaddr[0])
        # An IPv6 link-local answer needs its interface (scope id) to be connected to again.
        if len(sockaddr) == 4 and sockaddr[3]:
            text = f"{text}%{sockaddr[3]}"
        address = ipaddress.ip_address(text)
        if address not in addresses:
            addresses.append(address)
    for address in addresses:
        reason = _refusal(address, policy)
        if reason is None:
            continue
        said = f"{name} is" if _spells(name, address) else f"{name} resolves to {address},"
        raise BlockedDestination(f"{said} {reason}", host=name, address=address)
    return addresses


def _open_pinned_socket(connection: HTTPConnection, policy: OutboundPolicy) -> socket.socket:
    """Resolve and check the connection's host, then connect to those same addresses."""
    try:
        addresses = resolve_host(connection.host, connection.port, policy)
    except socket.gaierror as error:
        raise NameResolutionError(connection.host, connection, error) from error

    def connect(address: Address) -> socket.socket:
        return create_connection(
            (str(address), connection.port),
            connection.timeout,
            source_address=connection.source_address,
            socket_options=connection.socket_options,
        )

    *fallbacks, last = addresses
    # The same errors urllib3 raises, so that requests reports timeouts and refusals as usual.
    try:
        for address in fallbacks:
            with contextlib.suppress(OSError):  # like create_connection: try the next address
                return connect(address)
        return connect(last)
    except TimeoutError as error:
        message = f"Connection to {connection.host} timed out. (timeout={connection.timeout})"
        raise ConnectTimeoutError(connection, message) from error
    except OSError as error:
        message = f"Failed to establish a new connection: {error}"
        raise NewConnectionError(connection, message) from error


class _PinnedHTTPConnection(HTTPConnection):
    def __init__(self, *args: Any, policy: OutboundPolicy, **kwargs: Any) -> None:
        self._policy = policy
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        return _open_pinned_socket(self, self._policy)


class _PinnedHTTPSConnection(HTTPSConnection):
    # Only the TCP socket is pinned; TLS then runs over it with the URL's host name for SNI
    # and certificate verification, exactly as urllib3 does it.
    def __init__(self, *args: Any, policy: OutboundPolicy, **kwargs: Any) -> None:
        self._policy = policy
        super().__init__(*args, **kwargs)

    def _new_conn(self) -> socket.socket:
        return _open_pinned_socket(self, self._policy)


class _PinnedPoolManager(PoolManager):
    def __init__(self, policy: OutboundPolicy, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._policy = policy

    def _new_pool(
        self,
        scheme: str,
        host: str,
        port: int,
        request_context: dict[str, Any] | None = None,
    ) -> HTTPConnectionPool:
        # urllib3 documents _new_pool as the place to customise the pools it hands out.
        pool = super()._new_pool(scheme, host, port, request_context)
        pool.ConnectionCls = _PinnedHTTPSConnection if scheme == "https" else _PinnedHTTPConnection
        pool.conn_kw["policy"] = self._policy
        return pool


class _GuardedAdapter(HTTPAdapter):
    def __init__(self, policy: OutboundPolicy, timeout: Timeout) -> None:
        self._policy = policy  # before super().__init__, which builds the pool manager
        self._timeout = timeout
        super().__init__()

    def init_poolmanager(
        self, connections: int, maxsize: int, block: bool = False, **pool_kwargs: Any
    ) -> None:
        super().init_poolmanager(connections, maxsize, block, **pool_kwargs)
        self.poolmanager = _PinnedPoolManager(
            self._policy, num_pools=connections, maxsize=maxsize, block=block, **pool_kwargs
        )

    def send(
        self,
        request: requests.PreparedRequest,
        stream: bool = False,
        timeout: float | tuple[float, float] | tuple[float, None] | None = None,
        verify: bool | str = True,
        cert: bytes | str | tuple[bytes | str, bytes | str] | None = None,
        proxies: Mapping[str, str] | None = None,
    ) -> requests.Response:
        if proxies:
            raise ValueError("proxies are not supported: a proxy would resolve past the guard")
        # requests waits forever without a timeout; a step must end.
        chosen = self._timeout if timeout is None else timeout
        return super().send(request, stream, chosen, verify, cert, proxies)


def _check_url(url: str) -> None:
    parts = urlsplit(url)
    host = parts.hostname or ""
    if parts.scheme.lower() not in ALLOWED_SCHEMES:
        raise BlockedDestination(
            f"{parts.scheme or 'scheme-less'} URLs are refused: only http and https are allowed",
            host=host,
        )
    if parts.username is not None or parts.password is not None:
        raise BlockedDestination(
            f"the URL for {host} carries credentials (user:password@): "
            "send them with the connection's authentication instead",
            host=host,
        )


class _GuardedSession(requests.Session):
    def get_adapter(self, url: str) -> BaseAdapter:
        # Session.send calls this for the first request and for every redirect hop.
        _check_url(url)
        return super().get_adapter(url)


def guarded_session(
    policy: OutboundPolicy, *, timeout: Timeout = (5, 30), max_redirects: int = 5
) -> requests.Session:
    """A requests Session whose every request and redirect hop passes the destination guard.

    `timeout` (connect, read) applies when a request names none.
    """
    session = _GuardedSession()
    # Environment proxies would bypass the guard, and .netrc would add credentials.
    session.trust_env = False
    session.max_redirects = max_redirects
    adapter = _GuardedAdapter(policy, timeout)
    for scheme in ALLOWED_SCHEMES:
        session.mount(f"{scheme}://", adapter)
    return session
