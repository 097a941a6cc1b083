"""Reading Open311 needs a key, and a key reads what it may: the requests it filed, and the
tickets of the units it was given and of those under them. A district may switch on a public
feed that shows category, status, dates and a location to about 100 m, and nothing a resident
wrote. End to end through the web server."""

from __future__ import annotations

import asyncio
import json

import aiohttp

from bot import cli
from bot.models_web import Open311Client
from bot.intake import open311
from bot.jurisdiction.load import apply_jurisdiction
from bot.jurisdiction.reader import parse_jurisdiction
from tests.e2e import EXAMPLE, IN_NHJ1_01
from tests.test_e2e_intake import submit_report
from tests.webtools import make_ticket, web_harness  # noqa: F401

WORDS = "我叫王秀兰，电话13700001111，楼下早餐店油烟太大"


async def get(url: str, *, key: str | None = None, header: bool = False, **params):
    headers = {}
    if key is not None and header:
        headers["X-Api-Key"] = key
    elif key is not None:
        params["api_key"] = key
    async with aiohttp.ClientSession() as session, session.get(url, params=params, headers=headers) as response:
        return response.status, await response.json(content_type=None)


async def post(url: str, data: dict):
    async with aiohttp.ClientSession() as session, session.post(url, data=data) as response:
        return response.status, await response.json(content_type=None)


async def district_file(**open311_settings) -> None:
    """Load examples/yingze.yaml with its open311: section changed."""
    text = EXAMPLE.read_text(encoding="utf-8")
    for key, value in open311_settings.items():
        old = {"public_feed": "public_feed: false", "posts_per_minute": "posts_per_minute: 30"}[key]
        text = text.replace(old, f"{key}: {json.dumps(value)}")
    await apply_jurisdiction(parse_jurisdiction(text, "yingze.yaml"))


async def three_tickets(h) -> dict[str, str]:
    """A resident's report in 南海街一社区第一网格 (庙前街道), a ticket in 文庙社区 (庙前街道)
    and one in 海西社区 (柳巷街道): numbers by name."""
    mine = await submit_report(h, h.resident(5550001, "王秀兰"), "南海街1号院" + WORDS)
    wenmiao = await make_ticket(h, "文庙社区路灯坏了，我是居民李建国", "wenmiao-01", "facility")
    haixi = await make_ticket(h, "海西小区垃圾没人清，本人张三", "haixi-01", "sanitation")
    return {"nanhaijie": mine, "wenmiao": wenmiao.number, "haixi": haixi.number}


async def test_reading_needs_a_key_and_a_key_reads_its_units_and_those_under_them(web_harness):
    h = web_harness
    base = h.bot.web.base_url + "/open311/v2"
    numbers = await three_tickets(h)
    for url in (base + "/requests.json", base + f"/requests/{numbers['nanhaijie']}.json"):
        status, error = await get(url)
        assert status == 403 and "api_key" in error[0]["description"]  # no key, no public feed
        assert (await get(url, key="o311_not-a-key"))[0] == 403

    street = await open311.new_key("庙前街道", now=h.rt.clock.now(), units=["miaoqian"])
    status, listed = await get(base + "/requests.json", key=street)
    assert status == 200 and {r["service_request_id"] for r in listed} == {numbers["nanhaijie"], numbers["wenmiao"]}
    assert all(r["description"] for r in listed)  # in full, masked
    assert "王**" in json.dumps(listed, ensure_ascii=False) and "王秀兰" not in json.dumps(listed, ensure_ascii=False)
    assert (await get(base + f"/requests/{numbers['haixi']}.json", key=street))[0] == 404  # another street's
    assert (await get(base + f"/requests/{numbers['wenmiao']}.json", key=street, header=True))[0] == 200
    # a ticket number asked for outright is still only read within the key's units
    status, asked = await get(base + "/requests.json", key=street, service_request_id=numbers["haixi"])
    assert status == 200 and asked == []

    grid = await open311.new_key("第一网格", now=h.rt.clock.now(), units=["nanhaijie1-01"])
    assert {r["service_request_id"] for r in (await get(base + "/requests.json", key=grid))[1]} == {numbers["nanhaijie"]}
    district = await open311.new_key("区指挥中心", now=h.rt.clock.now(), units=["yingze"])
    assert len((await get(base + "/requests.json", key=district))[1]) == 3

    # A key given no unit (the 12345 hotline) reads back what it filed, and nothing else.
    hotline = await open311.new_key("12345热线", now=h.rt.clock.now())
    status, filed = await post(base + "/requests.json", {
        "api_key": hotline, "lat": str(IN_NHJ1_01[0]), "long": str(IN_NHJ1_01[1]), "description": "夜里施工噪音"})
    assert status == 201
    own = filed[0]["service_request_id"]
    status, listed = await get(base + "/requests.json", key=hotline)
    assert status == 200 and [r["service_request_id"] for r in listed] == [own]
    assert (await get(base + f"/requests/{numbers['nanhaijie']}.json", key=hotline))[0] == 404
    assert (await get(base + f"/requests/{own}.json", key=hotline))[1][0]["description"] == "夜里施工噪音"


async def test_the_public_feed_shows_the_problem_and_a_rounded_place_never_the_words(web_harness):
    h = web_harness
    base = h.bot.web.base_url + "/open311/v2"
    await district_file(public_feed=True)
    hotline = await open311.new_key("12345热线", now=h.rt.clock.now())
    status, filed = await post(base + "/requests.json", {
        "api_key": hotline, "lat": "37.860123", "long": "112.564567", "address_string": "南海街1号院3号楼502",
        "description": WORDS})
    assert status == 201
    number = filed[0]["service_request_id"]
    numbers = await three_tickets(h)

    status, feed = await get(base + "/requests.json")
    assert status == 200 and {r["service_request_id"] for r in feed} == {number, *numbers.values()}
    body = json.dumps(feed, ensure_ascii=False)
    for words in ("王", "李建国", "张三", "13700001111", "137****1111", "油烟太大", "3号楼502", "37.860123"):
        assert words not in body, words
    public = next(r for r in feed if r["service_request_id"] == number)
    assert public["description"] is None and public["address"] == "南海街一社区第一网格"
    assert (public["lat"], public["long"]) == (37.86, 112.565)  # 0.001°: about 100 m
    assert public["service_code"] == "fumes" and public["status"] == "open" and public["requested_datetime"]
    status, one = await get(base + f"/requests/{numbers['haixi']}.json")
    assert status == 200 and one[0]["description"] is None

    # A key still reads its own in full, and the rest in the public form.
    status, listed = await get(base + "/requests.json", key=hotline)
    full = {r["service_request_id"]: r for r in listed}
    assert full[number]["description"] == WORDS.replace("王秀兰", "王**").replace("13700001111", "137****1111")
    assert full[number]["lat"] == 37.860123 and full[numbers["haixi"]]["description"] is None
    assert (await get(base + "/requests.json", key="o311_not-a-key"))[0] == 403  # a wrong key is still wrong


async def test_the_cli_gives_a_key_its_units_and_refuses_unknown_ones(db, db_url, monkeypatch, capsys):
    from bot.jurisdiction.load import load_jurisdiction_file

    await load_jurisdiction_file(EXAMPLE)
    monkeypatch.setenv("DATABASE_URL", db_url)
    assert await asyncio.to_thread(cli.main, ["open311-key", "庙前街道", "--unit", "miaoqian", "--unit", "haixi"]) == 0
    key = capsys.readouterr().out.strip()
    client = await Open311Client.get(name="庙前街道")
    assert client.units == ["haixi", "miaoqian"] and (await open311.client_for_key(key)).id == client.id
    assert await asyncio.to_thread(cli.main, ["open311-key", "庙前街道", "--unit", "no-such-unit"]) == 2
    assert "no-such-unit" in capsys.readouterr().err
    assert (await Open311Client.get(name="庙前街道")).units == ["haixi", "miaoqian"]  # unchanged
    assert await asyncio.to_thread(cli.main, ["open311-key", "12345热线"]) == 0
    assert (await Open311Client.get(name="12345热线")).units == []
