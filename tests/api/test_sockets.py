"""The ticket's own connections (`api/sockets.py`, `http1.py`, `lanes.py`) under real sockets:
orders over TLS on one verified keep-alive connection, an untrusted certificate refused before a
byte of the order leaves, a connection the server closed while idle replaced without a word, and
an answer larger than the read buffer arriving whole while the reader is slow. Then the parts a
real server seldom shows: a proxy's tunnel, a compressed answer, a server that closes after
answering."""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import socket
import threading
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme

from ct_ticket.api import BadResponseError, CrossTradeClient, TransportError
from ct_ticket.api.budget import RateBudget
from ct_ticket.api.sockets import ConnectFailed, open_pipe, proxy_for
from ct_ticket.model import build_order
from ct_ticket.sim import Simulator, create_app, serve_in_thread

TOKEN = "ct-sockets-token-41c9e7"


class Clients:
    """ASGI middleware: the client ends (address, port) each request came from, in order."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.seen: list[tuple[str, int]] = []

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            self.seen.append(tuple(scope["client"]))
        await self.app(scope, receive, send)


@pytest.fixture(scope="module")
def certificate(tmp_path_factory: pytest.TempPathFactory) -> tuple[str, str, str]:
    """(CA file, certificate file, key file) for 127.0.0.1, from a throwaway CA."""
    folder = tmp_path_factory.mktemp("tls")
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.1")
    paths = [folder / "ca.pem", folder / "cert.pem", folder / "key.pem"]
    ca.cert_pem.write_to_path(str(paths[0]))
    issued.cert_chain_pems[0].write_to_path(str(paths[1]))
    issued.private_key_pem.write_to_path(str(paths[2]))
    return str(paths[0]), str(paths[1]), str(paths[2])


@pytest.fixture
def tls_sim(certificate: tuple[str, str, str]) -> Iterator[tuple[Simulator, Clients, str]]:
    sim = Simulator(seed=3)
    sim.rate_limit_enabled = False
    clients = Clients(create_app(sim))
    with serve_in_thread(clients, tls=(certificate[1], certificate[2]), keep_alive_s=1) as served:
        yield sim, clients, served.url


def _order(account: str = "Sim101") -> Any:
    return build_order(account=account, instrument="MES 12-25", side="BUY", quantity=1,
                       order_type="MARKET")


def _client(url: str, verify: bool | str) -> CrossTradeClient:
    return CrossTradeClient(TOKEN, base_url=url, verify=verify, get_retries=0,
                            budget=RateBudget(per_minute=60_000, burst=100))


def test_orders_over_tls_go_out_on_one_verified_keep_alive_connection(
        tls_sim: tuple[Simulator, Clients, str], certificate: tuple[str, str, str]) -> None:
    sim, clients, url = tls_sim

    async def main() -> list[Any]:
        async with _client(url, certificate[0]) as client:
            return [await client.place(_order()) for _ in range(3)]

    acks = asyncio.run(main())
    assert len({ack.order_id for ack in acks}) == 3
    assert len([r for r in sim.requests if r.path.endswith("/orders/place")]) == 3
    assert len(clients.seen) == 3 and len(set(clients.seen)) == 1  # one connection, reused


def test_an_untrusted_certificate_fails_before_the_order_is_sent(
        tls_sim: tuple[Simulator, Clients, str]) -> None:
    sim, clients, url = tls_sim

    async def main() -> None:
        async with _client(url, True) as client:  # the system's CAs: the test CA is not one
            await client.place(_order())

    with pytest.raises(TransportError) as failed:
        asyncio.run(main())
    assert failed.value.request_sent is False
    assert failed.value.may_have_executed is False  # said "not sent", never "unknown"
    assert clients.seen == [] and sim.requests == []


def test_a_connection_the_server_closed_while_idle_is_replaced_quietly(
        tls_sim: tuple[Simulator, Clients, str], certificate: tuple[str, str, str]) -> None:
    _sim, clients, url = tls_sim

    async def main() -> None:
        async with _client(url, certificate[0]) as client:
            await client.list_accounts()
            await asyncio.sleep(1.6)  # the server's keep-alive (1 s) ends the idle connection
            await client.place(_order())

    asyncio.run(main())
    assert len(clients.seen) == 2 and clients.seen[0] != clients.seen[1]


def test_an_answer_larger_than_the_read_buffer_arrives_whole_for_a_slow_reader() -> None:
    body = bytes(range(256)) * 8 * 1024  # 2 MiB, eight times the buffer's high-water mark
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    def serve() -> None:
        conn, _ = listener.accept()
        with conn:
            conn.sendall(body)

    threading.Thread(target=serve, daemon=True).start()

    async def main() -> tuple[bytes, bool]:
        pipe = await open_pipe("127.0.0.1", port, tls=None, proxy=None, timeout=5)
        received, paused = bytearray(), False
        while await pipe.arrival(5) and (pipe.buffer or not pipe.ended):
            paused = paused or pipe._reading_paused
            received += pipe.take()
            await asyncio.sleep(0.002)  # slower than loopback delivers
        pipe.close()
        return bytes(received), paused

    try:
        received, paused = asyncio.run(main())
    finally:
        listener.close()
    assert received == body
    assert paused  # the transport was told to stop reading while the buffer was full


def test_a_silent_server_ends_the_wait_at_its_timeout() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]

    async def main() -> bool:
        pipe = await open_pipe("127.0.0.1", port, tls=None, proxy=None, timeout=5)
        try:
            return await pipe.arrival(0.2)
        finally:
            pipe.close()

    try:
        assert asyncio.run(main()) is False  # nothing arrived: the wait said so, in time
    finally:
        listener.close()


# --- a proxy's tunnel, compressed answers, a server that closes ------------------------------


class _Loopback:
    """A thread-per-connection server on a loopback port: `_handle` serves each connection."""

    def __init__(self) -> None:
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.port = self._listener.getsockname()[1]
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self._listener.accept()
            except OSError:
                return
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        raise NotImplementedError

    def close(self) -> None:
        self._listener.close()


class TunnelProxy(_Loopback):
    """An HTTP proxy on loopback that tunnels `CONNECT host:port` to 127.0.0.1:port (whatever
    the host), or refuses every tunnel with `refuse`; it notes each CONNECT target."""

    def __init__(self, refuse: int | None = None) -> None:
        self.refuse = refuse
        self.targets: list[str] = []
        super().__init__()

    def _handle(self, conn: socket.socket) -> None:
        head = b""
        while b"\r\n\r\n" not in head:
            chunk = conn.recv(4096)
            if not chunk:
                conn.close()
                return
            head += chunk
        target = head.split(b" ")[1].decode()
        self.targets.append(target)
        if self.refuse is not None:
            conn.sendall(f"HTTP/1.1 {self.refuse} No\r\nContent-Length: 0\r\n\r\n".encode())
            conn.close()
            return
        upstream = socket.create_connection(("127.0.0.1", int(target.rsplit(":", 1)[1])))
        conn.sendall(b"HTTP/1.1 200 Connection established\r\n\r\n")
        for source, sink in ((conn, upstream), (upstream, conn)):
            threading.Thread(target=_relay, args=(source, sink), daemon=True).start()


def _relay(source: socket.socket, sink: socket.socket) -> None:
    try:
        while data := source.recv(65536):
            sink.sendall(data)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            sink.shutdown(socket.SHUT_WR)


@pytest.fixture
def tls_sim_for_another_host(tmp_path: Path) -> Iterator[tuple[Simulator, str, str]]:
    """The simulator over TLS with a certificate for 127.0.0.2 (a loopback address the client
    does not take for "this computer", so a proxy applies): (sim, CA file, its port)."""
    ca = trustme.CA()
    issued = ca.issue_cert("127.0.0.2")
    paths = [tmp_path / "ca.pem", tmp_path / "cert.pem", tmp_path / "key.pem"]
    ca.cert_pem.write_to_path(str(paths[0]))
    issued.cert_chain_pems[0].write_to_path(str(paths[1]))
    issued.private_key_pem.write_to_path(str(paths[2]))
    sim = Simulator(seed=4)
    sim.rate_limit_enabled = False
    with serve_in_thread(create_app(sim), tls=(str(paths[1]), str(paths[2]))) as served:
        yield sim, str(paths[0]), served.url.rsplit(":", 1)[1]


def test_with_https_proxy_set_orders_go_through_its_tunnel_still_verified(
        tls_sim_for_another_host: tuple[Simulator, str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    sim, ca, port = tls_sim_for_another_host
    proxy = TunnelProxy()
    monkeypatch.setenv("HTTPS_PROXY", f"http://127.0.0.1:{proxy.port}")
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)

    async def main() -> None:
        async with _client(f"https://127.0.0.2:{port}", ca) as client:
            await client.place(_order())
            await client.list_accounts()

    try:
        asyncio.run(main())
    finally:
        proxy.close()
    assert proxy.targets == [f"127.0.0.2:{port}"]  # one tunnel, kept alive for both
    assert [r.path for r in sim.requests] == ["/v1/api/accounts/Sim101/orders/place",
                                              "/v1/api/accounts"]


def test_a_proxy_that_refuses_the_tunnel_means_the_order_was_not_sent(
        tls_sim_for_another_host: tuple[Simulator, str, str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    sim, ca, port = tls_sim_for_another_host
    proxy = TunnelProxy(refuse=407)
    monkeypatch.setenv("https_proxy", f"127.0.0.1:{proxy.port}")  # no scheme: http:// meant

    async def main() -> None:
        async with _client(f"https://127.0.0.2:{port}", ca) as client:
            await client.place(_order())

    try:
        with pytest.raises(TransportError) as failed:
            asyncio.run(main())
    finally:
        proxy.close()
    assert failed.value.request_sent is False and not failed.value.may_have_executed
    assert "refused the tunnel (HTTP 407)" in str(failed.value)
    assert sim.requests == []


def test_which_proxy_the_environment_names() -> None:
    env = {"HTTPS_PROXY": "http://proxy.corp:3128", "NO_PROXY": "internal.corp, .lan"}
    proxy = proxy_for("https", "app.crosstrade.io", env)
    assert proxy is not None and (proxy.host, proxy.port) == ("proxy.corp", 3128)
    assert proxy_for("https", "api.internal.corp", env) is None  # no_proxy covers it
    assert proxy_for("https", "box.lan", env) is None
    assert proxy_for("https", "127.0.0.1", env) is None  # this computer is always direct
    assert proxy_for("http", "app.crosstrade.io", env) is None  # only https_proxy was named
    assert proxy_for("https", "app.crosstrade.io", {"https_proxy": "proxy:8080"}) is not None
    assert proxy_for("https", "x.io", {"https_proxy": "http://p:1", "no_proxy": "*"}) is None
    with pytest.raises(ConnectFailed, match="not an http:// proxy"):
        proxy_for("https", "app.crosstrade.io", {"https_proxy": "socks5://proxy:1080"})


class RawServer(_Loopback):
    """A loopback server that answers every request with `answer` (bytes as written), reading
    each request's head and body first; `closes` ends each connection after its answer."""

    def __init__(self, answer: bytes, *, closes: bool = False) -> None:
        self.answer, self.closes = answer, closes
        self.connections = 0
        super().__init__()
        self.url = f"http://127.0.0.1:{self.port}"

    def _handle(self, conn: socket.socket) -> None:
        self.connections += 1
        data = b""
        with conn:
            while True:
                while b"\r\n\r\n" not in data:
                    chunk = conn.recv(65536)
                    if not chunk:
                        return
                    data += chunk
                head, _, data = data.partition(b"\r\n\r\n")
                length = 0
                for line in head.split(b"\r\n")[1:]:
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                while len(data) < length:
                    data += conn.recv(65536)
                data = data[length:]
                conn.sendall(self.answer)
                if self.closes:
                    return


def _answer(body: bytes, *headers: str) -> bytes:
    lines = ["HTTP/1.1 200 OK", "Content-Type: application/json",
             f"Content-Length: {len(body)}", *headers]
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


ACCOUNTS = json.dumps([{"name": "Sim101", "connectionStatus": "Connected"}]).encode()


def test_a_compressed_answer_is_read_as_the_server_meant_it() -> None:
    for encoding, packed in (("gzip", gzip.compress(ACCOUNTS)),
                             ("deflate", zlib.compress(ACCOUNTS))):
        server = RawServer(_answer(packed, f"Content-Encoding: {encoding}"))

        async def main(url: str) -> list[Any]:
            async with _client(url, True) as client:
                return await client.list_accounts()

        try:
            accounts = asyncio.run(main(server.url))
        finally:
            server.close()
        assert [a.name for a in accounts] == ["Sim101"], encoding


def test_an_answer_whose_encoding_does_not_decode_is_unreadable_not_a_crash() -> None:
    server = RawServer(_answer(b"not gzip at all", "Content-Encoding: gzip"))

    async def main() -> None:
        async with _client(server.url, True) as client:
            await client.place(_order())

    try:
        with pytest.raises(BadResponseError, match="cannot be decoded") as failed:
            asyncio.run(main())
    finally:
        server.close()
    assert failed.value.may_have_executed  # the order reached the server: outcome unknown


def test_a_server_that_closes_after_each_answer_gets_a_new_connection_each_time() -> None:
    server = RawServer(_answer(ACCOUNTS, "Connection: close"), closes=True)

    async def main() -> list[list[Any]]:
        async with _client(server.url, True) as client:
            return [await client.list_accounts() for _ in range(3)]

    try:
        answers = asyncio.run(main())
    finally:
        server.close()
    assert [[a.name for a in accounts] for accounts in answers] == [["Sim101"]] * 3
    assert server.connections == 3  # never a request written into a closed connection
