"""Who is acting: a resident, a staff member, or the system itself."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from bot import channels
from bot.jurisdiction import sql
from bot.models import Resident, Staff
from bot.nlp import pii


@dataclass(frozen=True)
class Actor:
    kind: str  # resident | staff | system
    user_id: int | None = None
    name: str | None = None
    role: str | None = None
    staff: Staff | None = None

    @classmethod
    def of_staff(cls, staff: Staff) -> Actor:
        return cls("staff", staff.user_id, staff.name, str(staff.role), staff)

    @classmethod
    def of_resident(cls, resident: Resident) -> Actor:
        # Residents' names stay out of the audit trail shown to staff: the id is enough.
        return cls("resident", resident.user_id, None, "resident")


SYSTEM = Actor("system")


async def resident_for(user_id: int, *, display_name: str, username: str | None, now: dt.datetime,
                       channel: str = channels.DEFAULT) -> Resident:
    return await sql.upsert_resident(channel, user_id, display_name=display_name[:128], username=username, now=now)


def masked_name(display_name: str) -> str:
    """What a group chat may see of a resident: the first character and stars (王**), by the
    same rule as a name found in free text (bot/nlp/pii.py)."""
    return pii.mask_name(display_name)
