"""The web server's rows: dashboard logins and sessions, Open311 clients, /healthz's heartbeat.
Part of the one Tortoise app "models" (bot/db.py lists this module beside bot/models.py)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.models import Model

if TYPE_CHECKING:
    from bot.models import Staff


class HealthBeat(Model):
    """One row /healthz writes at every probe: a real write, so a full disk or a read-only
    database shows as a failed check rather than as failed posts (bot/web/health.py)."""

    name = fields.CharField(max_length=32, primary_key=True)
    at = fields.DatetimeField()

    class Meta:
        table = "health_beat"


class WebLogin(Model):
    """A one-time login link to the web dashboard, sent by the bot in a private chat on /web.

    Only the SHA-256 of the link's token is kept. A link works once (used_at) and expires
    after a few minutes (expires_at).
    """

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="web_logins", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    used_at = fields.DatetimeField(null=True)

    class Meta:
        table = "web_login"


class WebSession(Model):
    """A dashboard session, checked on every request (the cookie holds a random token).

    Only the token's SHA-256 is kept. A session ends when it expires (expires_at), when its
    person logs out (revoked_at), or when the person is no longer active staff.
    """

    id = fields.IntField(primary_key=True)
    token_hash = fields.CharField(max_length=64, unique=True)
    staff: fields.ForeignKeyRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="web_sessions", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    expires_at = fields.DatetimeField()
    revoked_at = fields.DatetimeField(null=True)

    class Meta:
        table = "web_session"


class Open311Client(Model):
    """A system allowed to file requests through the Open311 API, e.g. the 12345 hotline.

    Only the SHA-256 of its API key is kept (`gridbot open311-key NAME` prints a new key once).
    A key reads the requests it filed and, in full, the tickets of the units it was given
    (`--unit CODE`: that unit's and those under it); see bot/intake/open311.py.
    """

    id = fields.IntField(primary_key=True)
    name = fields.CharField(max_length=64, unique=True)
    key_hash = fields.CharField(max_length=64, unique=True)
    active = fields.BooleanField(default=True)
    created_at = fields.DatetimeField()
    units = fields.JSONField(default=list)  # codes of the units whose tickets it may read

    class Meta:
        table = "open311_client"
