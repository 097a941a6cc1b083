"""One-time login links to the web dashboard.

A staff member sends /web to the bot in a private chat and gets a link with a random token.
Only the token's SHA-256 is stored (table `web_login`); the link works once and for
`LINK_LIFETIME`. Opening the link does not use it up (Telegram fetches links for previews):
the page it opens posts the token back, and that post consumes it (`consume`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from bot.models import Staff
from bot.models_web import WebLogin

LINK_LIFETIME = dt.timedelta(minutes=10)
_KEEP_USED = dt.timedelta(days=1)  # old rows are swept when new links are made


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def issue(staff: Staff, *, now: dt.datetime) -> str:
    """A new token for this staff member; the caller puts it in a link and forgets it."""
    token = secrets.token_urlsafe(32)
    await WebLogin.filter(expires_at__lt=now - _KEEP_USED).delete()
    await WebLogin.create(token_hash=token_hash(token), staff=staff, created_at=now,
                          expires_at=now + LINK_LIFETIME)
    return token


async def peek(token: str, *, now: dt.datetime) -> bool:
    """Whether the token would log in now (unused, not expired, staff active); uses nothing."""
    if not token or len(token) > 128:
        return False
    return await WebLogin.exists(token_hash=token_hash(token), used_at=None, expires_at__gt=now,
                                 staff__active=True)


async def consume(token: str, *, now: dt.datetime) -> Staff | None:
    """Use the token up and return its staff member; None if unknown, used, expired or the
    person is no longer staff. The conditional update makes a second use fail even when two
    requests race (and on several instances)."""
    if not token or len(token) > 128:
        return None
    digest = token_hash(token)
    used = await WebLogin.filter(token_hash=digest, used_at=None, expires_at__gt=now).update(used_at=now)
    if not used:
        return None
    login = await WebLogin.get(token_hash=digest)
    return await Staff.filter(id=login.staff_id, active=True).select_related("unit").first()
