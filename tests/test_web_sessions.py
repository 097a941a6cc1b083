"""Dashboard sessions end on the server (issue 14): logging out revokes the session, so a copied
cookie stops working at once; /login and /logout refuse posts from other sites; opening the
link (a link preview does that) logs nobody in."""

from __future__ import annotations

from bot.models_web import WebLogin, WebSession
from tests.e2e import WORKER_NHJ1_01
from tests.webtools import HIDDEN_TOKEN, browser, login, login_link, page, web_harness  # noqa: F401


def _cookie(session) -> str:
    return next(c.value for c in session.cookie_jar if c.key == "gridbot_session")


async def test_logging_out_ends_the_session_for_every_copy_of_the_cookie(web_harness):
    h = web_harness
    base = h.bot.web.base_url
    async with browser() as phone, browser() as thief:
        await login(h, phone, WORKER_NHJ1_01, "张丽")
        thief.cookie_jar.update_cookies({"gridbot_session": _cookie(phone)})  # copied off the phone
        assert (await page(phone, base + "/tickets"))[0] == 200
        assert (await page(thief, base + "/tickets"))[0] == 200
        cookie = _cookie(phone)

        async with phone.post(base + "/logout", headers={"Origin": base}, allow_redirects=False) as out:
            assert out.status == 303 and out.headers["Location"] == "/?out=1"
        assert (await page(phone, base + "/tickets"))[0] == 401
        assert (await page(thief, base + "/tickets"))[0] == 401  # the copy is dead too
        session = await WebSession.get()
        assert session.revoked_at is not None and session.token_hash != cookie  # only the hash is kept

        await login(h, phone, WORKER_NHJ1_01, "张丽")  # a new link, a new session
        assert (await page(phone, base + "/tickets"))[0] == 200
        assert (await page(thief, base + "/tickets"))[0] == 401


async def test_login_refuses_a_post_from_another_site_and_the_link_stays_good(web_harness):
    h = web_harness
    base = h.bot.web.base_url
    link = await login_link(h, WORKER_NHJ1_01, "张丽")
    token = link.rsplit("/", 1)[1]
    async with browser() as preview:  # a link preview: a GET, no script run, nothing used up
        async with preview.get(link, allow_redirects=False) as opened:
            assert opened.status == 200 and "Set-Cookie" not in opened.headers
            # Our own pages' posts carry their real Origin (no-referrer would make it "null").
            assert opened.headers["Referrer-Policy"] == "same-origin"
            assert HIDDEN_TOKEN.search(await opened.text())[1] == token
    async with browser() as victim:
        forged = [{"Origin": "http://evil.example"}, {"Sec-Fetch-Site": "cross-site"},
                  {"Sec-Fetch-Site": "same-site", "Origin": "http://a.example"}, {"Origin": "null"}]
        for headers in forged:
            async with victim.post(base + "/login", data={"token": token}, headers=headers,
                                   allow_redirects=False) as refused:
                assert refused.status == 403 and "Set-Cookie" not in refused.headers, headers
                assert "其他网站" in await refused.text()
        assert (await page(victim, base + "/tickets"))[0] == 401
    assert (await WebLogin.get()).used_at is None  # refused before the token was touched
    assert not await WebSession.exists()

    async with browser() as phone:  # the page's own post (same origin) logs in
        async with phone.post(base + "/login", data={"token": token},
                              headers={"Origin": base, "Sec-Fetch-Site": "same-origin"},
                              allow_redirects=False) as ok:
            assert ok.status == 303
        assert (await page(phone, base + "/tickets"))[0] == 200
        # and another site cannot log the phone out either
        async with phone.post(base + "/logout", headers={"Sec-Fetch-Site": "cross-site"},
                              allow_redirects=False) as refused:
            assert refused.status == 403
        assert (await page(phone, base + "/tickets"))[0] == 200
