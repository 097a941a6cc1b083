"""Two GridBot instances on one PostgreSQL database, as a deployment behind a load balancer runs.

Each instance is a `gridbot run --webhook URL --listen HOST:PORT` process. Telegram (the
loopback Bot API) knows one webhook URL: a round-robin proxy started here, which hands each
update to one instance or the other in turn, secret header and all; both instances register that
URL at start. Then, all at once: 20 residents report and confirm, while both instances' SLA
sweeps (each runs one as it starts) race for the same overdue tickets. Afterwards:

* 20 tickets, 20 distinct numbers (one TicketCounter, two writers), each resident one receipt;
* each card exactly once, in its grid's chat (two delivery loops share the outbox);
* each reminder once: every (ticket, level) claimed by one sweep, every ticket number once in
  the digests of each chat that must hear of it.

SQLite has no place here: several instances need PostgreSQL (README).
"""

from __future__ import annotations

import asyncio
import datetime as dt
import itertools
from collections import Counter

import pytest

from bot.models import (
    ChatBinding, Level, Outbox, OutboxStatus, Resident, Status, Ticket, TicketEvent, Unit,
)
from bot.sandbox.balancer import RoundRobin, free_port
from bot.sandbox.residents import SAMPLE_COMPLAINTS, TICKET_NUMBER, file_complaint
from tests.procs import api, bots, district, until  # noqa: F401 (fixtures)

pytestmark = pytest.mark.slow

UTC = dt.timezone.utc
SECRET = "multi-Instance_secret_7"


async def overdue_tickets(per_grid_yellow: int = 10, per_grid_red: int = 3) -> tuple[list[Ticket], list[Ticket]]:
    """Tickets whose lights fell due while no instance ran, in every grid: enough that a sweep
    takes a while, few enough that each chat's digest lists every number (no "另有 N 件")."""
    now = dt.datetime.now(UTC)
    yellow, red = [], []
    n = itertools.count(1)
    for grid in await Unit.filter(level=Level.GRID).order_by("id"):
        for light, count, filed_ago in (("yellow", per_grid_yellow, 25), ("red", per_grid_red, 49)):
            filed = now - dt.timedelta(hours=filed_ago)
            for _ in range(count):
                ticket = await Ticket.create(
                    number=f"YZ-20260101-{next(n):04d}", text="积存渣土多日无人清理", category="construction",
                    status=Status.ASSIGNED, grid_id=grid.id, unit_id=grid.id, level=Level.GRID,
                    location_text=grid.name, created_at=filed, updated_at=filed, assigned_at=filed,
                    yellow_at=filed + dt.timedelta(hours=24), red_at=filed + dt.timedelta(hours=48),
                    due_at=now + dt.timedelta(days=5))
                (yellow if light == "yellow" else red).append(ticket)
    return yellow, red


async def test_two_instances_one_database_everything_once(district, api, bots, db_url):
    if not db_url.startswith("postgres"):
        pytest.skip("several instances need PostgreSQL")
    yellow, red = await overdue_tickets()
    grids = await Unit.filter(level=Level.GRID).order_by("id")
    assert len(grids) == 20
    chat_of = {b.unit_id: b.chat_id for b in await ChatBinding.filter(purpose="unit")}

    ports = [free_port(), free_port()]
    async with RoundRobin([f"http://127.0.0.1:{p}/telegram" for p in ports]) as proxy:
        instances = [await bots("run", "--no-web", "--webhook", proxy.url, "--listen", f"127.0.0.1:{port}",
                                GRIDBOT_WEBHOOK_SECRET=SECRET) for port in ports]
        # Both listen and have set the webhook (each sets it once its server is up).
        await api.wait_for(lambda: api.arrived("setWebhook") == 2 or any(i.died() for i in instances), 60)
        assert not any(i.died() for i in instances), [i.log() for i in instances]
        assert {c.params["url"] for c in api.calls_to("setWebhook")} == {proxy.url}

        residents = [api.user(5560001 + i, f"居民{i:02d}") for i in range(20)]
        numbers = await asyncio.gather(*(
            file_complaint(api, r, grids[i].aliases[0] + SAMPLE_COMPLAINTS[i % len(SAMPLE_COMPLAINTS)])
            for i, r in enumerate(residents)))
        numbers = [number for number, _ in numbers]

        async def all_told() -> bool:  # the sweeps committed (claims and digests go together), all sent
            return (not await Ticket.filter(yellow_notified_at__isnull=True, resident_id__isnull=True).exists()
                    and not await Outbox.exclude(status=OutboxStatus.SENT).exists())

        await until(all_told, timeout=60)
        assert proxy.refused == [] and len(proxy.forwarded) == 2 and min(proxy.forwarded.values()) >= 20

    # 20 tickets from residents, 20 numbers, one receipt each.
    filed = await Ticket.filter(resident_id__isnull=False).order_by("id")
    assert len(filed) == 20 and len({t.number for t in filed}) == 20
    assert sorted(numbers) == sorted(t.number for t in filed)
    assert await Resident.all().count() == 20
    for resident in residents:
        assert len([m for m in api.bot_messages(resident.id) if "工单号" in (m.get("text") or "")]) == 1

    # Each card once, in its grid's chat.
    for ticket in filed:
        cards = [(chat, m) for chat in api.chats for m in api.bot_messages(chat)
                 if ticket.number in (m.get("text") or "") and "类别" in m["text"]]
        assert len(cards) == 1, (ticket.number, [c for c, _ in cards])
        assert ticket.status == Status.ASSIGNED and cards[0][0] == chat_of[ticket.grid_id]

    # Each reminder once, whichever instance's sweep claimed it.
    digests = [m for chat in api.chats for m in api.bot_messages(chat) if (m.get("text") or "").startswith("⏰")]
    assert len(digests) == await Outbox.filter(text__startswith="⏰").count()
    assert not any("另有" in m["text"] for m in digests)  # every number is listed
    mentions = Counter(n for m in digests for n in TICKET_NUMBER.findall(m["text"]))
    assert {t.number for t in yellow if mentions[t.number] != 1} == set()  # its grid's chat
    assert {t.number for t in red if mentions[t.number] != 3} == set()  # grid, community, command centre
    events = Counter((e.ticket_id, e.action) for e in await TicketEvent.filter(action__in=["lit_yellow", "lit_red"]))
    assert set(events.values()) == {1}
    assert set(events) == {(t.id, "lit_yellow") for t in yellow} | {(t.id, "lit_red") for t in red}


async def test_an_update_sent_again_to_the_other_instance_is_handled_once(district, api, bots, db_url):
    """Telegram sends an update again when the answer is slow; the balancer hands the copy to
    the other instance. Both answer 200; the resident is answered once."""
    if not db_url.startswith("postgres"):
        pytest.skip("several instances need PostgreSQL")
    import json

    import aiohttp

    from bot import texts
    from bot.models import UpdateClaim
    from bot.runner import SECRET_HEADER

    ports = [free_port(), free_port()]
    async with RoundRobin([f"http://127.0.0.1:{p}/telegram" for p in ports]) as proxy:
        instances = [await bots("run", "--no-web", "--webhook", proxy.url, "--listen", f"127.0.0.1:{port}",
                                GRIDBOT_WEBHOOK_SECRET=SECRET) for port in ports]
        await api.wait_for(lambda: api.arrived("setWebhook") == 2 or any(i.died() for i in instances), 60)
        assert not any(i.died() for i in instances), [i.log() for i in instances]
        resident = api.user(5561001, "王秀兰")
        update = {"update_id": 31337, "message": {
            "message_id": 1, "date": 1_700_000_000, "text": "/start",
            "chat": {"id": resident.id, "type": "private", "first_name": resident.first_name},
            "from": resident.to_dict(), "entities": [{"type": "bot_command", "offset": 0, "length": 6}]}}
        async with aiohttp.ClientSession() as http:
            async def deliver() -> int:
                async with http.post(proxy.url, data=json.dumps(update),
                                     headers={"Content-Type": "application/json", SECRET_HEADER: SECRET}) as r:
                    return r.status

            assert await asyncio.gather(deliver(), deliver()) == [200, 200]
        assert len(proxy.forwarded) == 2  # one copy each
        await api.wait_for_bot_message(resident.id, timeout=30)

        async def settled() -> bool:
            claim = await UpdateClaim.get_or_none(update_id=31337)
            return (claim is not None and claim.done_at is not None
                    and not await Outbox.exclude(status=OutboxStatus.SENT).exists())

        await until(settled, timeout=30)

        async def copy_dropped() -> bool:  # the copy waited for the first to finish, then went
            return any("update 31337 was handled already" in i.log() for i in instances)

        await until(copy_dropped, timeout=10)
    assert [m["text"] for m in api.bot_messages(resident.id)] == [texts.WELCOME]
    assert sum("update 31337 was handled already" in i.log() for i in instances) == 1
