"""The dashboard's session cookie, and the check that a form was posted from our own pages.

The cookie carries the random token of a session kept in the database
(bot/web/sessions.py): nothing in it can be forged or outlives a logout. HttpOnly,
SameSite=Lax, and Secure when the dashboard's public address is https.

Posts that change who is logged in (`/login`, `/logout`) must come from the dashboard's own
pages. Browsers say where a request comes from: `Sec-Fetch-Site` (every current browser) and
`Origin` (every POST). A cross-site form — another site logging a visitor in as someone else
(login CSRF), or logging them out — is refused. A client that sends neither is not a browser
on someone else's page and is let through (the token in the form still has to be good).
"""

from __future__ import annotations

from urllib.parse import urlsplit

from aiohttp import web

from bot.web.sessions import SESSION_LIFETIME

COOKIE = "gridbot_session"
_OWN_SITE = ("same-origin", "none")  # none: typed or bookmarked by the person, no other page


class Sessions:
    def __init__(self, *, secure: bool = False) -> None:
        self.secure = secure

    @staticmethod
    def token(request: web.Request) -> str | None:
        return request.cookies.get(COOKIE)

    def set_cookie(self, response: web.StreamResponse, token: str) -> None:
        response.set_cookie(COOKIE, token, max_age=int(SESSION_LIFETIME.total_seconds()),
                            path="/", httponly=True, samesite="Lax", secure=self.secure or None)

    @staticmethod
    def clear_cookie(response: web.StreamResponse) -> None:
        response.del_cookie(COOKIE, path="/")


def _origin(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def from_own_pages(request: web.Request, base_url: str) -> bool:
    """Whether this POST was made by one of the dashboard's own pages (or by no browser page)."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None:
        return site.lower() in _OWN_SITE
    origin = request.headers.get("Origin")
    if origin is None:
        return True
    own = {_origin(base_url), f"{request.scheme}://{request.host}".lower()}
    return origin.strip().lower().rstrip("/") in own
