"""Open311 POST and GET against abuse and clumsiness, end to end through the web server: a rate
limit per key (on the moved clock, and shared by concurrent posts), descriptions cleaned like
chat text, a megabyte refused before any work, JSON booleans, impossible dates and NUL bytes
answered with 400, never 500."""

from __future__ import annotations

import asyncio
import datetime as dt
import json

import aiohttp

from bot.models import Ticket
from bot.intake import open311
from tests.e2e import IN_NHJ1_01
from tests.test_open311_reads import district_file
from tests.webtools import web_harness  # noqa: F401

PLACE = {"lat": IN_NHJ1_01[0], "long": IN_NHJ1_01[1]}


async def send(url: str, body, *, as_json: bool = True, params: dict | None = None):
    """POST a JSON body (a dict, or raw text) or a form; (status, answer, headers)."""
    async with aiohttp.ClientSession() as session:
        if as_json:
            data = body if isinstance(body, str) else json.dumps(body, ensure_ascii=False)
            kwargs = {"data": data.encode("utf-8", "surrogatepass"), "headers": {"Content-Type": "application/json"}}
        else:
            kwargs = {"data": body}
        async with session.post(url, params=params, **kwargs) as response:
            return response.status, await response.json(content_type=None), response.headers


async def get(url: str, **params):
    async with aiohttp.ClientSession() as session, session.get(url, params=params) as response:
        return response.status, await response.json(content_type=None)


async def test_a_key_files_at_most_its_posts_per_minute_and_may_again_a_minute_later(web_harness):
    h = web_harness
    await district_file(posts_per_minute=3)
    url = h.bot.web.base_url + "/open311/v2/requests.json"
    key = await open311.new_key("12345热线", now=h.rt.clock.now())
    other = await open311.new_key("城管热线", now=h.rt.clock.now())
    for n in range(3):
        assert (await send(url, {"api_key": key, "description": f"夜里施工噪音{n}", **PLACE}))[0] == 201
        h.rt.clock.advance(dt.timedelta(seconds=10))
    status, error, headers = await send(url, {"api_key": key, "description": "夜里施工噪音", **PLACE})
    assert status == 429 and error[0]["code"] == 429 and 1 <= int(headers["Retry-After"]) <= 60
    assert int(headers["Retry-After"]) == 30  # the first of the three leaves the window in 30 s
    assert (await send(url, {"api_key": other, "description": "占道经营", **PLACE}))[0] == 201  # per key
    h.rt.clock.advance(dt.timedelta(seconds=31))
    assert (await send(url, {"api_key": key, "description": "夜里施工噪音", **PLACE}))[0] == 201
    assert await Ticket.filter(source="open311").count() == 5


async def test_concurrent_posts_of_one_key_cannot_pass_the_limit_together(web_harness):
    """Posts racing at the limit count in turn (the client's row is locked on PostgreSQL; SQLite
    has one writer): of eight at once, exactly the limit are filed."""
    h = web_harness
    await district_file(posts_per_minute=3)
    url = h.bot.web.base_url + "/open311/v2/requests.json"
    key = await open311.new_key("12345热线", now=h.rt.clock.now())
    answers = await asyncio.gather(*(send(url, {"api_key": key, "description": f"噪音{n}", **PLACE}) for n in range(8)))
    assert sorted(a[0] for a in answers) == [201] * 3 + [429] * 5
    assert await Ticket.filter(source="open311").count() == 3


async def test_descriptions_are_cleaned_like_chat_and_a_blank_or_huge_one_is_refused(web_harness):
    h = web_harness
    url = h.bot.web.base_url + "/open311/v2/requests.json"
    key = await open311.new_key("12345热线", now=h.rt.clock.now())
    raw = '{"api_key": "%s", "lat": %s, "long": %s, "description": "楼下\\u0000油烟\\ud800很大\\udfff"}' % (key, *IN_NHJ1_01)
    status, answer, _ = await send(url, raw)
    assert status == 201
    assert (await Ticket.get(number=answer[0]["service_request_id"])).text == "楼下油烟很大"
    for blank in ("\u200b\u200c\u200d\ufeff", " \u3000\t\n", "\u2060\u00a0\u3164", "\x00\x01"):
        status, error, _ = await send(url, {"api_key": key, "description": blank, **PLACE})
        assert status == 400 and "description" in error[0]["description"], repr(blank)
    huge = "楼下烧烤店油烟很大，" * 100_000  # 3 MB of UTF-8: refused before the classifier sees it
    status, error, _ = await send(url, {"api_key": key, "description": huge[:340_000], **PLACE})
    assert status == 400 and "4000" in error[0]["description"]
    status, _, _ = await send(url, {"api_key": key, "description": "油" * 4001, **PLACE})
    assert status == 400
    assert (await send(url, {"api_key": key, "description": "油烟" * 2000, **PLACE}))[0] == 201  # 4,000 is fine
    assert await Ticket.filter(source="open311").count() == 2


async def test_wrong_types_and_bytes_answer_400_not_500(web_harness):
    h = web_harness
    base = h.bot.web.base_url + "/open311/v2"
    url = base + "/requests.json"
    key = await open311.new_key("12345热线", now=h.rt.clock.now())
    reader = await open311.new_key("区指挥中心", now=h.rt.clock.now(), units=["yingze"])
    good = {"api_key": key, "description": "夜里施工噪音", **PLACE}
    for bad in ({"lat": True}, {"long": False}, {"lat": "NaN"}, {"lat": "inf"}, {"lat": [1]}, {"lat": {"a": 1}},
                {"service_code": "fumes\x00"}, {"address_string": "南海街\x001号院"}, {"service_code": 7},
                {"media_url": "http://x.example/\x00"}, {"description": 12}, {"api_key": key + "\x00"}):
        status, error, _ = await send(url, {**good, **bad})
        assert status == 400 and error[0]["code"] == 400, (bad, status, error)
    status, _, _ = await send(url, {**{k: str(v) for k, v in good.items()}, "address_string": "南海街\x001号院"},
                              as_json=False)
    assert status == 400
    assert await Ticket.filter(source="open311").count() == 0

    for params in ({"end_date": "0001-01-01"}, {"end_date": "0001-01-01T00:00:00+08:00"},
                   {"start_date": "0001-01-01", "end_date": "0001-03-01"}, {"end_date": "9999-12-31T23:59:59"},
                   {"start_date": "yesterday"}, {"end_date": "2026-13-40"}, {"service_request_id": "YZ-1\x00"},
                   {"status": "open\x00"}, {"service_code": "\x00"}, {"end_date": "2026-11-01\x00"}):
        status, error = await get(url, api_key=reader, **params)
        assert status == 400 and error[0]["code"] == 400, (params, status, error)
    status, error = await get(base + "/requests/YZ-%00.json", api_key=reader)
    assert status == 400
    async with aiohttp.ClientSession() as session:
        async with session.get(base + "/requests/YZ-%00-1.json", params={"api_key": reader}) as response:
            assert response.status == 400
