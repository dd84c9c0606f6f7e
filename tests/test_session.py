"""The token session's rules without a window: load, ask, test, save, forget, a 401 asks again.

Real parts throughout: the simulator on loopback, the REST client and the stream client, the
memory store, and keyring's own `fail` back end for a machine without a keyring.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterator
from typing import Any

import keyring
import pytest
from keyring.backends import fail

from ct_ticket import credentials
from ct_ticket.api.client import CrossTradeClient
from ct_ticket.api.stream import StreamClient
from ct_ticket.logs import redact
from ct_ticket.session import DEMO_TOKEN, SESSION_ONLY_NOTE, TokenSession
from ct_ticket.ticket import Ticket


@pytest.fixture
def no_keyring() -> Iterator[None]:
    previous = keyring.get_keyring()
    keyring.set_keyring(fail.Keyring())
    yield
    keyring.set_keyring(previous)


def stored(token: str | None) -> credentials.MemoryTokenStore:
    store = credentials.MemoryTokenStore()
    if token is not None:
        asyncio.run(store.set(token))
    return store


class Asked:
    """The UI's side of asking, reduced to what it was asked."""

    def __init__(self, session: TokenSession) -> None:
        self.reasons: list[str] = []
        session.set_asker(self.reasons.append)


def test_load_reads_the_stored_token_and_keeps_it_out_of_logs() -> None:
    session = TokenSession(store=stored("tok-loaded-123"))
    assert asyncio.run(session.load()) == "tok-loaded-123"
    assert session.token == "tok-loaded-123"
    assert "tok-loaded-123" not in redact("Authorization came with tok-loaded-123")


def test_nothing_stored_means_ask_with_the_reason() -> None:
    session = TokenSession(store=stored(None))
    asked = Asked(session)
    assert asyncio.run(session.load()) is None
    session.ask(session.missing_reason())
    assert asked.reasons == ["No API token is stored yet."]


def test_the_demo_uses_its_own_token_and_never_the_keyring() -> None:
    session = TokenSession(demo=True)
    assert asyncio.run(session.load()) == DEMO_TOKEN
    assert isinstance(session.store, credentials.MemoryTokenStore)
    assert not session.session_only  # the demo's memory store is no keyring failure


@pytest.mark.usefixtures("no_keyring")
def test_without_a_keyring_the_session_keeps_the_token_in_memory_and_says_why() -> None:
    session = TokenSession(store=credentials.KeyringTokenStore(service="ct-ticket-session-test"))
    assert asyncio.run(session.load()) is None
    assert session.keyring_problem and "keyring" in session.keyring_problem.lower()
    assert session.session_only
    assert session.missing_reason() == session.keyring_problem
    # A dialog opened for another reason still says the token will not outlive the session.
    assert session.dialog_reason("Refused.").endswith(
        "The token will be kept for this session only.")
    assert session.dialog_reason(session.keyring_problem) == session.keyring_problem


def test_asking_without_anyone_to_ask_does_not_fail(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        TokenSession(store=stored(None)).ask("Refused.")
    assert "nothing can ask" in caplog.text


def test_test_checks_a_candidate_against_the_account_list_without_adopting_it(
    sim_server: Any,
) -> None:
    sim_server.sim.token = "good-token-1"

    async def scenario() -> None:
        client = CrossTradeClient("old-token-0", base_url=sim_server.url)
        session = TokenSession(store=stored(None))
        session.bind(client)
        try:
            refused = await session.test("wrong-token-9")
            accepted = await session.test("  good-token-1 ")
            malformed = await session.test("two words")
        finally:
            await client.aclose()
        assert not refused.ok and "refused" in refused.message
        assert accepted.ok and accepted.message == "Token accepted: 3 account(s)."
        assert not malformed.ok and "two words" not in malformed.message
        assert session.token is None  # testing adopts nothing
        assert await session.store.get() is None

    asyncio.run(scenario())


def test_save_stores_the_token_and_hands_it_to_the_client_and_the_stream(
    sim_server: Any,
) -> None:
    sim_server.sim.token = "fresh-token-2"

    async def scenario() -> None:
        client = CrossTradeClient("", base_url=sim_server.url)
        stream = StreamClient("", base_url=sim_server.url)
        session = TokenSession(store=stored(None))
        session.bind(client)
        session.set_stream(stream)
        try:
            answer = await session.save("fresh-token-2")
            assert answer.ok and answer.message == "API token saved in " + (
                session.store.description + ".")
            assert session.token == "fresh-token-2"
            assert await session.store.get() == "fresh-token-2"
            assert len(await client.list_accounts()) == 3  # the client now uses it
            for _ in range(100):  # the stream was started with it
                if stream.state.state == "live":
                    break
                await asyncio.sleep(0.05)
            assert stream.state.state == "live"
        finally:
            await stream.aclose()
            await client.aclose()

    asyncio.run(scenario())


@pytest.mark.usefixtures("no_keyring")
def test_a_refusing_keyring_falls_back_to_this_session_only() -> None:
    session = TokenSession(store=credentials.KeyringTokenStore(service="ct-ticket-session-test"))

    async def scenario() -> None:
        first = await session.save("session-token-3")
        assert not first.ok and first.fell_back
        assert "Use for this session" in first.message
        assert session.token is None and session.session_only
        second = await session.save("session-token-3")
        assert second.ok and not second.fell_back
        assert session.token == "session-token-3"
        assert session.note == SESSION_ONLY_NOTE

    asyncio.run(scenario())


def test_a_malformed_token_is_neither_stored_nor_echoed() -> None:
    session = TokenSession(store=stored("kept-token-4"))

    async def scenario() -> None:
        answer = await session.save("bad token\twith spaces")
        assert not answer.ok and "bad token" not in answer.message
        assert await session.store.get() == "kept-token-4"

    asyncio.run(scenario())


def test_forget_removes_the_stored_token_and_says_whether_there_was_one() -> None:
    session = TokenSession(store=stored("gone-token-5"))

    async def scenario() -> None:
        assert (await session.forget()).message == "Token removed."
        assert await session.store.get() is None
        assert (await session.forget()).message == "No token was stored."

    asyncio.run(scenario())


def test_a_401_from_the_ticket_asks_again_with_the_reason(sim_server: Any) -> None:
    sim_server.sim.token = "rotated-by-support"
    store = stored("old-token-6")

    async def scenario() -> list[str]:
        client = CrossTradeClient("old-token-6", base_url=sim_server.url)
        session = TokenSession(store=store)
        asked = Asked(session)
        ticket = Ticket(client)
        session.watch(ticket)
        try:
            await ticket.load_accounts()
        finally:
            await client.aclose()
        return asked.reasons

    reasons = asyncio.run(scenario())
    assert len(reasons) == 1 and "refused the API token" in reasons[0]
