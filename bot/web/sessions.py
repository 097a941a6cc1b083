"""Dashboard sessions, kept in the database (table `web_session`).

Logging in (bot/web/logins.py consumes the one-time link) opens a session: the browser
gets a random token in a cookie, the database keeps only its SHA-256. Every request looks the
row up, so a session ends for good, on every instance, the moment it expires, its person logs
out, or the person is no longer active staff: a copied cookie is worth nothing after that.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from bot.models import Role, Staff
from bot.models_web import WebSession

SESSION_LIFETIME = dt.timedelta(hours=12)
_KEEP_ENDED = dt.timedelta(days=1)  # ended rows are swept when new sessions open
_MAX_TOKEN = 128


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


async def open_session(staff: Staff, *, now: dt.datetime) -> str:
    """A new session for this person; the caller puts the token in a cookie and forgets it."""
    token = secrets.token_urlsafe(32)
    await WebSession.filter(expires_at__lt=now - _KEEP_ENDED).delete()
    await WebSession.create(token_hash=_hash(token), staff=staff, created_at=now, expires_at=now + SESSION_LIFETIME)
    return token


async def staff_for(token: str | None, *, now: dt.datetime) -> Staff | None:
    """The person of a live session (unexpired, not logged out, still active staff), with
    `unit` loaded; None otherwise."""
    if not token or len(token) > _MAX_TOKEN:
        return None
    session = await WebSession.get_or_none(token_hash=_hash(token), revoked_at=None, expires_at__gt=now)
    if session is None:
        return None
    return await (Staff.filter(id=session.staff_id, active=True).exclude(role=Role.VOLUNTEER)
                  .select_related("unit").first())


async def end(token: str | None, *, now: dt.datetime) -> bool:
    """Log out: the session is revoked, whoever holds a copy of its cookie."""
    if not token or len(token) > _MAX_TOKEN:
        return False
    return bool(await WebSession.filter(token_hash=_hash(token), revoked_at=None).update(revoked_at=now))
