"""Destination guard: real local servers, real sockets; only DNS is faked (FakeDNS) where a test
needs a name to resolve to chosen addresses.

Every test here runs under an audit hook that records each socket.connect and stops any that
would leave the machine, so a guard bug can never send traffic to 169.254.169.254 or elsewhere.
"""

from __future__ import annotations

import ipaddress
import re
import shutil
import socket
import ssl
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import given
from hypothesis import strategies as st

from soarflow.security.outbound import (
    Address,
    BlockedDestination,
    OutboundPolicy,
    check_address,
    guarded_session,
    resolve_host,
)
from tests.fixtures import skip_or_fail

DEFAULT = OutboundPolicy()


def allowing(networks: str) -> OutboundPolicy:
    return OutboundPolicy.from_env({"SOARFLOW_ALLOWED_NETWORKS": networks})


LOCAL = allowing("127.0.0.1/32")


# --- every connect made by a test, and a stop for any that is not loopback ------------------


@dataclass
class _ConnectLog:
    active: bool = False
    targets: list[tuple[str, int]] = field(default_factory=list)


_CONNECTS = _ConnectLog()


def _police_connects(event: str, args: tuple[Any, ...]) -> None:
    if event != "socket.connect" or not _CONNECTS.active or not isinstance(args[1], tuple):
        return
    host, port = str(args[1][0]), int(args[1][1])
    _CONNECTS.targets.append((host, port))
    if not ipaddress.ip_address(host.split("%")[0]).is_loopback:
        raise RuntimeError(f"a test tried to connect to {host}:{port}, off this machine")


# Audit hooks cannot be removed; this one does nothing outside this module's tests.
sys.addaudithook(_police_connects)


@pytest.fixture(autouse=True)
def connects() -> Iterator[list[tuple[str, int]]]:
    _CONNECTS.targets = []
    _CONNECTS.active = True
    yield _CONNECTS.targets
    _CONNECTS.active = False


# --- local HTTP(S) servers ----------------------------------------------------------------

Reply = tuple[int, dict[str, str], bytes]


@dataclass(frozen=True)
class Hit:
    path: str
    headers: dict[str, str]


class LocalServer(ThreadingHTTPServer):
    daemon_threads = True

    def __init__(
        self, host: str, port: int, reply: Callable[[str], Reply], tls: ssl.SSLContext | None
    ) -> None:
        self.reply = reply
        self.hits: list[Hit] = []
        super().__init__((host, port), _Handler)
        if tls is not None:
            self.socket = tls.wrap_socket(self.socket, server_side=True)
        self.host = host
        self.port = self.server_port

    def url(self, path: str = "/", *, scheme: str = "http") -> str:
        return f"{scheme}://{self.host}:{self.port}{path}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """Clients here hang up on purpose (timeouts, refused certificates): not an error."""


class _Handler(BaseHTTPRequestHandler):
    server: LocalServer

    def do_GET(self) -> None:
        self.server.hits.append(Hit(self.path, dict(self.headers.items())))
        status, headers, body = self.server.reply(self.path)
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:
        """Quiet: the tests read `hits` instead."""


def ok(body: bytes = b"hello") -> Callable[[str], Reply]:
    return lambda path: (200, {"Content-Type": "text/plain"}, body)


def redirect(location: str) -> Callable[[str], Reply]:
    return lambda path: (302, {"Location": location}, b"")


class Servers:
    def __init__(self) -> None:
        self._started: list[LocalServer] = []

    def start(
        self,
        reply: Callable[[str], Reply],
        host: str = "127.0.0.1",
        port: int = 0,
        tls: ssl.SSLContext | None = None,
    ) -> LocalServer:
        server = LocalServer(host, port, reply, tls)
        # A short poll keeps shutdown() at teardown quick.
        threading.Thread(target=server.serve_forever, args=(0.02,), daemon=True).start()
        self._started.append(server)
        return server

    def stop_all(self) -> None:
        for server in self._started:
            server.shutdown()
            server.server_close()


@pytest.fixture
def servers() -> Iterator[Servers]:
    started = Servers()
    yield started
    started.stop_all()


# --- a DNS server the test controls -------------------------------------------------------


class FakeDNS:
    """Stands in for socket.getaddrinfo for the names given to `answer`; others resolve as usual."""

    def __init__(self, real: Callable[..., Any]) -> None:
        self._real = real
        self._answers: dict[str, list[list[str]]] = {}
        self.asked: list[str] = []

    def answer(self, name: str, *answers: list[str]) -> None:
        """Answer `name` with each list of addresses in turn, the last one from then on."""
        self._answers[name] = list(answers)

    def getaddrinfo(self, host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        if host not in self._answers:
            return self._real(host, port, *args, **kwargs)
        self.asked.append(host)
        queue = self._answers[host]
        addresses = queue.pop(0) if len(queue) > 1 else queue[0]
        return [
            (socket.AF_INET6, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port, 0, 0))
            if ":" in ip
            else (socket.AF_INET, socket.SOCK_STREAM, socket.IPPROTO_TCP, "", (ip, port))
            for ip in addresses
        ]


@pytest.fixture
def fake_dns(monkeypatch: pytest.MonkeyPatch) -> FakeDNS:
    dns = FakeDNS(socket.getaddrinfo)
    monkeypatch.setattr(socket, "getaddrinfo", dns.getaddrinfo)
    return dns


# --- policy ---------------------------------------------------------------------------------


def test_policy_reads_allowed_networks_from_the_environment() -> None:
    policy = allowing(" 127.0.0.1/32, 10.20.0.0/16,,::1 ")
    assert policy.allowed_networks == (
        ipaddress.ip_network("127.0.0.1/32"),
        ipaddress.ip_network("10.20.0.0/16"),
        ipaddress.ip_network("::1/128"),
    )
    assert OutboundPolicy.from_env({}) == DEFAULT


@pytest.mark.parametrize("entry", ["10.0.0.0/33", "intranet", "10.20.0.1/16"])
def test_policy_names_a_bad_entry(entry: str) -> None:
    with pytest.raises(ValueError, match=rf"SOARFLOW_ALLOWED_NETWORKS: '{entry}' is not a network"):
        allowing(f"127.0.0.1/32,{entry}")


# --- the guard on real requests -------------------------------------------------------------


def test_loopback_is_refused_by_default(servers: Servers, connects: list[tuple[str, int]]) -> None:
    server = servers.start(ok())
    with pytest.raises(BlockedDestination) as caught:
        guarded_session(DEFAULT).get(server.url("/alerts?api_key=s3cret"))
    assert caught.value.code == "blocked_destination"
    assert str(caught.value) == "127.0.0.1 is a loopback address"
    assert caught.value.host == "127.0.0.1"
    assert server.hits == []
    assert connects == []


def test_an_allowed_network_is_reached(servers: Servers) -> None:
    server = servers.start(ok(b"local fake"))
    response = guarded_session(LOCAL).get(server.url("/api/v3/ip_addresses/8.8.8.8"))
    assert response.status_code == 200
    assert response.text == "local fake"
    assert [hit.path for hit in server.hits] == ["/api/v3/ip_addresses/8.8.8.8"]
    assert server.hits[0].headers["Host"] == f"127.0.0.1:{server.port}"


@pytest.mark.parametrize(
    "location",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[::ffff:169.254.169.254]/latest/meta-data/",
        "http://2852039166/latest/meta-data/",  # 169.254.169.254 as one decimal number
        "http://metadata.test/latest/meta-data/",
    ],
)
def test_a_redirect_to_cloud_metadata_is_refused_before_connecting(
    servers: Servers, fake_dns: FakeDNS, connects: list[tuple[str, int]], location: str
) -> None:
    fake_dns.answer("metadata.test", ["169.254.169.254"])
    server = servers.start(redirect(location))
    with pytest.raises(BlockedDestination, match=r"169\.254\.169\.254.*\(cloud metadata\)"):
        guarded_session(LOCAL).get(server.url("/go"))
    assert len(server.hits) == 1
    assert connects == [("127.0.0.1", server.port)]


def test_a_redirect_to_another_allowed_server_is_followed(servers: Servers) -> None:
    second = servers.start(ok(b"second"), host="127.0.0.2")
    first = servers.start(redirect(second.url("/landing")))
    session = guarded_session(allowing("127.0.0.1/32,127.0.0.2/32"))
    response = session.get(first.url("/start"), headers={"Authorization": "Bearer s3cret"})
    assert response.text == "second"
    assert [r.status_code for r in response.history] == [302]
    assert [hit.path for hit in second.hits] == ["/landing"]
    # requests' own redirect handling drops credentials when the host changes; the guard keeps it.
    assert first.hits[0].headers["Authorization"] == "Bearer s3cret"
    assert "Authorization" not in second.hits[0].headers


def test_every_redirect_hop_is_checked_against_the_policy(
    servers: Servers, connects: list[tuple[str, int]]
) -> None:
    outside = servers.start(ok(b"not allowed"), host="127.0.0.3")
    first = servers.start(redirect(outside.url("/")))
    with pytest.raises(BlockedDestination, match=r"^127\.0\.0\.3 is a loopback address$"):
        guarded_session(LOCAL).get(first.url())
    assert outside.hits == []
    assert connects == [("127.0.0.1", first.port)]


def test_redirects_stop_at_max_redirects(servers: Servers) -> None:
    loop = servers.start(redirect("/again"))
    with pytest.raises(requests.TooManyRedirects):
        guarded_session(LOCAL, max_redirects=3).get(loop.url())
    assert len(loop.hits) == 4


@pytest.mark.parametrize(
    "url", ["file:///etc/passwd", "ftp://ftp.example.com/pub", "gopher://127.0.0.1:70/_stats"]
)
def test_only_http_and_https_are_allowed(url: str) -> None:
    scheme = url.split(":")[0]
    with pytest.raises(BlockedDestination, match=rf"^{scheme} URLs are refused"):
        guarded_session(LOCAL).get(url)


def test_a_redirect_to_another_scheme_is_refused(servers: Servers) -> None:
    server = servers.start(redirect("file:///etc/passwd"))
    with pytest.raises(BlockedDestination, match=r"^file URLs are refused"):
        guarded_session(LOCAL).get(server.url())


def test_credentials_in_the_url_are_refused(servers: Servers) -> None:
    server = servers.start(ok())
    url = f"http://admin:hunter2@127.0.0.1:{server.port}/"
    with pytest.raises(BlockedDestination, match="carries credentials") as caught:
        guarded_session(LOCAL).get(url)
    assert "hunter2" not in str(caught.value)
    assert server.hits == []


def test_proxies_are_refused_and_environment_proxies_ignored(
    servers: Servers, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = servers.start(ok(b"direct"))
    proxy = servers.start(ok(b"via proxy"))
    with pytest.raises(ValueError, match="proxies are not supported"):
        guarded_session(LOCAL).get(target.url(), proxies={"http": proxy.url()})
    for variable in ("HTTP_PROXY", "http_proxy", "ALL_PROXY"):
        monkeypatch.setenv(variable, proxy.url())
    assert guarded_session(LOCAL).get(target.url()).text == "direct"
    assert proxy.hits == []


def test_the_default_timeout_ends_a_slow_answer(servers: Servers) -> None:
    def slow(path: str) -> Reply:
        time.sleep(1.5)
        return 200, {}, b"late"

    server = servers.start(slow)
    started = time.monotonic()
    with pytest.raises(requests.ReadTimeout):
        guarded_session(LOCAL, timeout=(1, 0.3)).get(server.url())
    assert time.monotonic() - started < 1.2


# --- address forms --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("host", "reason"),
    [
        ("2130706433", "loopback"),
        ("0177.0.0.1", "loopback"),
        ("0x7f.0.0.1", "loopback"),
        ("0x7f000001", "loopback"),
        ("127.1", "loopback"),
        ("[::ffff:127.0.0.1]", "loopback"),
        ("[::127.0.0.1]", "loopback"),
        ("[64:ff9b::7f00:1]", "loopback"),
        ("[2002:7f00:1::1]", "loopback"),
        ("[::1]", "loopback"),
        ("localhost", "loopback"),
        ("LOCALHOST.", "loopback"),
        ("0.0.0.0", "unspecified"),
        ("0", "unspecified"),
        ("[::]", "unspecified"),
        ("100.64.1.1", "carrier-grade NAT"),
        ("10.1.2.3", "private"),
        ("172.16.0.1", "private"),
        ("192.168.1.1", "private"),
        ("[fe80::1]", "link-local"),
        ("169.254.169.254", "link-local address (cloud metadata)"),
        ("[fd00:ec2::254]", "unique local (private) address (cloud metadata)"),
        ("100.100.100.200", "carrier-grade NAT (RFC 6598) address (cloud metadata)"),
        ("224.0.0.1", "multicast"),
        ("[ff02::1]", "multicast"),
        ("255.255.255.255", "broadcast"),
        ("192.0.2.10", "documentation"),
        ("[2001:db8::1]", "documentation"),
    ],
)
def test_address_forms_are_refused(host: str, reason: str, connects: list[tuple[str, int]]) -> None:
    with pytest.raises(BlockedDestination, match=re.escape(reason)) as caught:
        guarded_session(DEFAULT).get(f"http://{host}/latest?token=s3cret")
    assert caught.value.code == "blocked_destination"
    assert "s3cret" not in str(caught.value)
    with pytest.raises(BlockedDestination, match=re.escape(reason)):
        resolve_host(host, 80, DEFAULT)
    assert connects == []


def test_a_refusal_says_what_the_spelling_resolved_to() -> None:
    with pytest.raises(BlockedDestination) as caught:
        resolve_host("0x7f.0.0.1", 80, DEFAULT)
    assert str(caught.value) == "0x7f.0.0.1 resolves to 127.0.0.1, a loopback address"
    assert caught.value.address == ipaddress.ip_address("127.0.0.1")
    with pytest.raises(BlockedDestination) as caught:
        resolve_host("[::ffff:169.254.169.254]", 80, DEFAULT)
    assert str(caught.value) == (
        "::ffff:169.254.169.254 is a link-local address (cloud metadata)"
        " once unwrapped to 169.254.169.254"
    )


PUBLIC = ["8.8.8.8", "1.1.1.1", "2606:4700::1111", "::ffff:8.8.8.8", "64:ff9b::808:808"]


@pytest.mark.parametrize("literal", [*PUBLIC, "2002:808:808::1"])
def test_public_addresses_pass(literal: str) -> None:
    check_address(ipaddress.ip_address(literal), DEFAULT)


def test_public_literals_resolve_without_dns() -> None:
    # Numbers are judged for what they are, not for looking unusual: 134744072 is 8.8.8.8.
    assert resolve_host("134744072", 443, DEFAULT) == [ipaddress.ip_address("8.8.8.8")]
    assert resolve_host("[2606:4700::1111]", 443, DEFAULT) == [
        ipaddress.ip_address("2606:4700::1111")
    ]


def test_the_allow_list_wins() -> None:
    check_address(ipaddress.ip_address("169.254.169.254"), allowing("169.254.169.254/32"))
    check_address(ipaddress.ip_address("::ffff:127.0.0.1"), LOCAL)
    with pytest.raises(BlockedDestination):
        check_address(ipaddress.ip_address("127.0.0.2"), LOCAL)


# --- names ----------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [["8.8.8.8", "10.0.0.7"], ["10.0.0.7", "8.8.8.8"]])
def test_one_bad_address_in_an_answer_refuses_the_name(
    fake_dns: FakeDNS, answer: list[str]
) -> None:
    fake_dns.answer("mixed.test", answer)
    with pytest.raises(BlockedDestination) as caught:
        resolve_host("mixed.test", 443, DEFAULT)
    assert str(caught.value) == "mixed.test resolves to 10.0.0.7, a private (RFC 1918) address"


def test_names_are_asked_in_one_spelling(fake_dns: FakeDNS) -> None:
    fake_dns.answer("xn--bcher-kva.example", ["8.8.8.8"])
    fake_dns.answer("api.example.com", ["2606:4700::1111", "1.1.1.1"])
    assert resolve_host("Bücher.Example.", 443, DEFAULT) == [ipaddress.ip_address("8.8.8.8")]
    assert resolve_host("API.Example.COM.", 443, DEFAULT) == [
        ipaddress.ip_address("2606:4700::1111"),
        ipaddress.ip_address("1.1.1.1"),
    ]
    assert fake_dns.asked == ["xn--bcher-kva.example", "api.example.com"]


@pytest.mark.parametrize("rebound", ["127.0.0.3", "169.254.169.254"])
def test_dns_rebinding_cannot_switch_the_checked_address(
    servers: Servers, fake_dns: FakeDNS, connects: list[tuple[str, int]], rebound: str
) -> None:
    checked = servers.start(ok(b"checked"), host="127.0.0.2")
    # Same port on another address: an unpinned connection resolving the name again lands here.
    trap = servers.start(ok(b"rebound"), host="127.0.0.3", port=checked.port)
    fake_dns.answer("rebind.test", ["127.0.0.2"], [rebound])
    session = guarded_session(allowing("127.0.0.2/32"))
    response = session.get(f"http://rebind.test:{checked.port}/")
    assert response.text == "checked"
    assert checked.hits[0].headers["Host"] == f"rebind.test:{checked.port}"
    assert trap.hits == []
    assert fake_dns.asked == ["rebind.test"]
    assert connects == [("127.0.0.2", checked.port)]


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    if shutil.which("openssl") is None:
        skip_or_fail("the HTTPS test makes its certificate with the openssl command")
    folder = tmp_path_factory.mktemp("tls")
    cert, key = folder / "cert.pem", folder / "key.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-nodes", "-days", "2", "-subj", "/CN=guarded.test"),
            *("-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1"),
            *("-addext", "subjectAltName=DNS:guarded.test", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    return cert, key


def test_https_keeps_the_name_for_sni_and_certificate_checks(
    servers: Servers, fake_dns: FakeDNS, certificate: tuple[Path, Path]
) -> None:
    cert, key = certificate
    names: list[str | None] = []
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    context.sni_callback = lambda connection, name, context: names.append(name)
    server = servers.start(ok(b"over tls"), host="127.0.0.2", tls=context)
    fake_dns.answer("guarded.test", ["127.0.0.2"])
    fake_dns.answer("impostor.test", ["127.0.0.2"])
    session = guarded_session(allowing("127.0.0.2/32"), timeout=(2, 2))

    response = session.get(f"https://guarded.test:{server.port}/", verify=str(cert))
    assert response.text == "over tls"
    assert names == ["guarded.test"]
    assert server.hits[0].headers["Host"] == f"guarded.test:{server.port}"
    # Pinned to the same address, a name the certificate does not cover still fails verification.
    with pytest.raises(requests.exceptions.SSLError):
        session.get(f"https://impostor.test:{server.port}/", verify=str(cert))


# --- properties -----------------------------------------------------------------------------

BLOCKED_RANGES = [
    "0.0.0.0/8",
    "10.0.0.0/8",
    "100.64.0.0/10",
    "127.0.0.0/8",
    "169.254.0.0/16",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "224.0.0.0/4",
    "240.0.0.0/4",
    "::/128",
    "::1/128",
    "fc00::/7",
    "fe80::/10",
    "ff00::/8",
    "169.254.169.254/32",
    "fd00:ec2::254/128",
    "100.100.100.200/32",
]
blocked_addresses = st.sampled_from(BLOCKED_RANGES).flatmap(
    lambda network: st.ip_addresses(network=network)
)


def refused(address: Address, policy: OutboundPolicy = DEFAULT) -> bool:
    try:
        check_address(address, policy)
    except BlockedDestination as refusal:
        code, message = refusal.code, str(refusal)
    else:
        return False
    assert code == "blocked_destination"
    assert message.startswith(f"{address} is ")
    return True


@given(st.ip_addresses())
def test_any_address_is_either_allowed_or_refused(address: Address) -> None:
    refused(address)  # anything but BlockedDestination propagates and fails the test


@given(blocked_addresses)
def test_every_address_in_a_blocked_range_is_refused(address: Address) -> None:
    assert refused(address)


@given(st.ip_addresses(v=4))
def test_ipv4_wrapped_in_ipv6_is_judged_as_the_ipv4(address: ipaddress.IPv4Address) -> None:
    wrapped = [
        ipaddress.IPv6Address(f"::ffff:{address}"),  # mapped
        ipaddress.IPv6Address(f"64:ff9b::{address}"),  # NAT64
        ipaddress.IPv6Address(f"2002:{int(address) >> 16:x}:{int(address) & 0xFFFF:x}::1"),
        ipaddress.IPv6Address(f"::{address}"),  # compatible (:: and ::1 are refused anyway)
    ]
    assert [refused(form) for form in wrapped] == [refused(address)] * len(wrapped)


@given(st.ip_addresses())
def test_allowing_everything_allows_every_address(address: Address) -> None:
    assert not refused(address, allowing("0.0.0.0/0,::/0"))
