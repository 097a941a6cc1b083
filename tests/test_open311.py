"""Open311 GeoReport v2 (/open311/v2/) and Prometheus /metrics.

A request posted with a client's key is filed like a resident's report: its card appears in the
grid's chat through the loopback Bot API. What GET returns speaks of the problem only, and only
to a key that may read it (or, where the district's file switches it on, in the public feed)."""

from __future__ import annotations

import asyncio
import json

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot import cli, texts
from bot.models import Outbox, OutboxStatus, Resident, Status, Ticket
from bot.models_web import Open311Client
from bot.nlp.classify import categories
from bot.intake import open311
from bot.web import metrics
from tests.e2e import COMMAND_CHAT, GRID_NHJ1_01_CHAT, IN_NHJ1_01
from tests.test_e2e_intake import submit_report
from tests.webtools import make_ticket, web_harness  # noqa: F401

SPEC_FIELDS = {"service_request_id", "status", "status_notes", "agency_responsible", "service_name",
               "service_code", "description", "requested_datetime", "updated_datetime",
               "expected_datetime", "address", "lat", "long", "media_url"}


async def _get(url: str, **params):
    async with aiohttp.ClientSession() as session, session.get(url, params=params) as response:
        return response.status, await response.json(content_type=None)


async def reader_key(h, *units: str, name: str = "区指挥中心") -> str:
    return await open311.new_key(name, now=h.rt.clock.now(), units=list(units))


async def _post(url: str, data):
    async with aiohttp.ClientSession() as session, session.post(url, data=data) as response:
        return response.status, await response.json(content_type=None)


async def test_services_json_lists_our_categories(web_harness):
    base = web_harness.bot.web.base_url + "/open311/v2"
    status, services = await _get(base + "/services.json")
    assert status == 200
    assert [(s["service_code"], s["service_name"]) for s in services] == categories()
    assert all(s["metadata"] is False and s["type"] == "realtime" for s in services)
    status, error = await _get(base + "/services.xml")
    assert status == 400 and error[0]["code"] == 400


async def test_a_posted_request_becomes_a_card_in_the_grids_chat_and_reads_back_without_personal_data(web_harness):
    h = web_harness
    base = h.bot.web.base_url + "/open311/v2"
    key = await open311.new_key("12345热线", now=h.rt.clock.now())
    status, answer = await _post(base + "/requests.json", {
        "api_key": key, "service_code": "fumes", "lat": str(IN_NHJ1_01[0]), "long": str(IN_NHJ1_01[1]),
        "description": "楼下烧烤店油烟很大，联系电话 13800138000",
        "first_name": "李", "last_name": "来电人", "phone": "13911112222", "email": "li@example.org",
    })
    assert status == 201, answer
    number = answer[0]["service_request_id"]
    card = await h.api.wait_for_bot_message(GRID_NHJ1_01_CHAT, lambda m: number in (m.get("text") or ""))
    assert "油烟" in card["text"] and texts.BTN_ACCEPT in [b["text"] for r in card["reply_markup"]["inline_keyboard"] for b in r]
    ticket = await Ticket.get(number=number)
    assert (ticket.source, ticket.category, ticket.status) == ("open311", "fumes", Status.ASSIGNED)
    assert (await ticket.grid).code == "nanhaijie1-01" and ticket.resident_id is None

    # Without a place the grid is known from: triage at the command centre.
    status, answer = await _post(base + "/requests.json", {
        "api_key": key, "service_code": "noise", "address_string": "某不知名路口", "description": "夜里施工噪音"})
    assert status == 201
    triaged = answer[0]["service_request_id"]
    await h.api.wait_for_bot_message(COMMAND_CHAT, lambda m: triaged in (m.get("text") or ""))
    assert (await Ticket.get(number=triaged)).status == Status.TRIAGE

    # A resident's own report, with a name, a Telegram id and a phone number on record.
    resident = h.resident(5550001, "王秀兰")
    mine = await submit_report(h, resident, "南海街1号院楼下早餐店油烟太大，电话13700001111")
    await Resident.filter(user_id=5550001).update(phone="13600009999")

    status, one = await _get(base + f"/requests/{number}.json", api_key=key)  # the hotline reads what it filed
    assert status == 200 and len(one) == 1
    request = one[0]
    assert SPEC_FIELDS <= set(request)
    assert request["service_request_id"] == number and request["status"] == "open"
    assert request["service_code"] == "fumes" and request["service_name"] == "油烟异味"
    assert request["agency_responsible"] == "南海街一社区第一网格"
    assert (request["lat"], request["long"]) == IN_NHJ1_01
    assert request["requested_datetime"].endswith("+08:00") and request["expected_datetime"]
    assert "13800138000" not in request["description"] and "油烟" in request["description"]

    status, listed = await _get(base + "/requests.json", api_key=key)
    assert status == 200 and {r["service_request_id"] for r in listed} == {number, triaged}  # not the resident's
    district = await reader_key(h, "yingze")
    status, listed = await _get(base + "/requests.json", api_key=district)
    assert status == 200 and {r["service_request_id"] for r in listed} == {number, triaged, mine}
    assert next(r for r in listed if r["service_request_id"] == triaged)["agency_responsible"] == "迎泽区"
    body = json.dumps(listed, ensure_ascii=False)
    for personal in ("王秀兰", "5550001", "13700001111", "13600009999", "13911112222", "13800138000",
                     "李", "来电人", "li@example.org", "resident", "user_id", "phone"):
        assert personal not in body, personal

    assert [r["service_request_id"] for r in (await _get(base + "/requests.json", service_code="noise",
                                                         api_key=district))[1]] == [triaged]
    await Ticket.filter(number=mine).update(status=Status.CLOSED, resolution_note="已约谈店主，加装油烟净化器")
    closed = (await _get(base + "/requests.json", status="closed", api_key=district))[1]
    assert [r["service_request_id"] for r in closed] == [mine] and closed[0]["status_notes"] == "已约谈店主，加装油烟净化器"
    assert (await _get(base + "/requests.json", start_date="2001-01-01T00:00:00+08:00", api_key=district))[0] == 400
    assert (await _get(base + "/requests/YZ-19990101-0001.json", api_key=district))[0] == 404


async def test_a_bad_or_missing_key_is_refused_with_403_and_files_nothing(web_harness):
    h = web_harness
    url = h.bot.web.base_url + "/open311/v2/requests.json"
    await open311.new_key("12345热线", now=h.rt.clock.now())
    request = {"service_code": "fumes", "lat": str(IN_NHJ1_01[0]), "long": str(IN_NHJ1_01[1]), "description": "油烟"}
    for key in (None, "", "o311_not-a-key"):
        status, error = await _post(url, {**request, **({"api_key": key} if key is not None else {})})
        assert status == 403 and error[0]["code"] == 403
    old = await open311.new_key("old", now=h.rt.clock.now())
    await open311.new_key("old", now=h.rt.clock.now())  # replaced: the old key stops working
    assert (await _post(url, {**request, "api_key": old}))[0] == 403
    assert await Ticket.all().count() == 0
    good = await open311.new_key("12345热线", now=h.rt.clock.now())
    status, error = await _post(url, {**request, "api_key": good, "service_code": "no-such-service"})
    assert status == 400 and "service_code" in error[0]["description"]
    assert await Ticket.all().count() == 0


async def test_the_cli_prints_a_key_once_and_keeps_only_its_hash(db, db_url, monkeypatch, capsys):
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert await asyncio.to_thread(cli.main, ["open311-key", "12345热线"]) == 0
    key = capsys.readouterr().out.strip()
    assert key.startswith("o311_") and len(key) > 40
    client = await Open311Client.get(name="12345热线")
    assert client.key_hash == open311.key_hash(key) and key not in client.key_hash
    assert (await open311.client_for_key(key)).id == client.id


async def test_metrics_expose_tickets_by_status_and_light_the_outbox_and_the_sweep(web_harness):
    h = web_harness
    await make_ticket(h, "南海街1号院油烟", "nanhaijie1-01")
    await make_ticket(h, "南海街1号院噪音", "nanhaijie1-01", "noise", light="red")
    await make_ticket(h, "惠民小区噪音", "nanhaijie1-02", "noise", light="red", status=Status.ACCEPTED)
    await h.drain()
    now = h.rt.clock.now()
    await Outbox.create(chat_id=1, text="gone", status=OutboxStatus.DEAD, available_at=now, created_at=now)
    await Outbox.create(chat_id=-42, text="waits", status=OutboxStatus.PENDING,
                        available_at=now.replace(year=now.year + 1), created_at=now)
    metrics.observe_sweep(0.25)
    async with aiohttp.ClientSession() as session, session.get(h.bot.web.base_url + "/metrics") as response:
        assert response.status == 200 and response.headers["Content-Type"].startswith("text/plain")
        text = await response.text()
    samples = {(sample.name, tuple(sorted(sample.labels.items()))): sample.value
               for family in text_string_to_metric_families(text) for sample in family.samples}

    def tickets(status, light):
        return samples[("gridbot_tickets", (("light", light), ("status", status)))]

    assert tickets("assigned", "red") == tickets("accepted", "red") == tickets("assigned", "green") == 1
    assert tickets("closed", "yellow") == 0  # every combination is there, at 0 when none
    assert samples[("gridbot_outbox_pending", ())] == 1 and samples[("gridbot_outbox_dead", ())] == 1
    assert samples[("gridbot_sweep_last_duration_seconds", ())] == 0.25
    assert samples[("gridbot_sweep_duration_seconds_count", ())] >= 1
