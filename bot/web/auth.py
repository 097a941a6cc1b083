"""The dashboard's session: a signed cookie naming the staff member, after a one-time link.

The cookie holds `staff id . expiry . HMAC-SHA256(key, staff id . expiry)`; nothing secret is in
it and nothing is stored per session. The key comes from GRIDBOT_WEB_SECRET, or is made at
random when the process starts and lives only in its memory (a restart then ends every
session, which is fine for a link that costs one /web to renew). HttpOnly, SameSite=Lax, and
Secure when the dashboard's public address is https. Whether the person is still active staff
is checked on every request, so deactivating someone in the jurisdiction file logs them out.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import secrets

from aiohttp import web

COOKIE = "gridbot_session"
SESSION_LIFETIME = dt.timedelta(hours=12)


class Sessions:
    def __init__(self, secret: str = "", *, secure: bool = False) -> None:
        if secret:
            self._key = hashlib.sha256(b"gridbot web session\0" + secret.encode()).digest()
        else:
            self._key = secrets.token_bytes(32)
        self.secure = secure

    def _mac(self, payload: str) -> str:
        digest = hmac.new(self._key, payload.encode(), hashlib.sha256).digest()
        return base64.urlsafe_b64encode(digest).decode().rstrip("=")

    def sign(self, staff_id: int, now: dt.datetime) -> str:
        expires = int((now + SESSION_LIFETIME).timestamp())
        payload = f"{staff_id}.{expires}"
        return f"{payload}.{self._mac(payload)}"

    def read(self, value: str | None, now: dt.datetime) -> int | None:
        """The staff id in a valid, unexpired cookie value; None otherwise."""
        if not value or len(value) > 200:
            return None
        payload, _, mac = value.rpartition(".")
        if not hmac.compare_digest(mac.encode(), self._mac(payload).encode()):
            return None
        staff_id, _, expires = payload.partition(".")
        if not (staff_id.isdigit() and expires.isdigit()):
            return None
        if int(expires) <= now.timestamp():
            return None
        return int(staff_id)

    def set_cookie(self, response: web.StreamResponse, staff_id: int, now: dt.datetime) -> None:
        response.set_cookie(COOKIE, self.sign(staff_id, now), max_age=int(SESSION_LIFETIME.total_seconds()),
                            path="/", httponly=True, samesite="Lax", secure=self.secure or None)

    def clear_cookie(self, response: web.StreamResponse) -> None:
        response.del_cookie(COOKIE, path="/")
