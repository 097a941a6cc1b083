"""The questions the bot asks about the jurisdiction at run time: which unit speaks in this
chat, which chat is this unit's, who is this person, what is the ticket prefix. Answers that
change only with a new jurisdiction file are kept a minute (bot/jurisdiction/cache.py)."""

from __future__ import annotations



from bot.models import ChatBinding, Level, Role, Staff, Unit
from bot.jurisdiction import tree
from bot.jurisdiction.cache import remembered
from bot.jurisdiction.spec import CHANNEL, DEFAULT_WISH_CLAIM_BY, PURPOSE_UNIT, PURPOSE_VOLUNTEERS, Open311Settings


# ─── questions the bot asks ──────────────────────────────────────────────────────────────────


async def unit_for_chat(chat_id: int, channel: str = CHANNEL) -> Unit | None:
    """The active unit this group chat speaks for (not the volunteers' chat), or None."""
    binding = await (ChatBinding
                     .filter(channel=channel, chat_id=chat_id, purpose=PURPOSE_UNIT,
                             unit__active=True)
                     .select_related("unit").first())
    return binding.unit if binding else None


async def chat_for_unit(unit: Unit, channel: str = CHANNEL) -> int | None:
    """The unit's own group chat, where its tickets are posted."""
    async def load() -> int | None:
        binding = await (ChatBinding.filter(channel=channel, unit_id=unit.id, purpose=PURPOSE_UNIT)
                         .order_by("id").first())
        return binding.chat_id if binding else None

    return await remembered(("chat", channel, unit.id), load)


async def command_unit() -> Unit | None:
    """The district unit (区指挥中心); None before a jurisdiction file is loaded."""
    return await Unit.filter(level=Level.DISTRICT, active=True).order_by("id").first()


async def command_chat() -> int | None:
    """The command centre's chat, which is also the triage queue."""
    unit = await command_unit()
    return await chat_for_unit(unit) if unit else None


async def volunteers_chat(channel: str = CHANNEL) -> int | None:
    """The district's volunteers' chat, if the file names one."""
    unit = await command_unit()
    if unit is None:
        return None
    binding = await (ChatBinding
                     .filter(channel=channel, unit_id=unit.id, purpose=PURPOSE_VOLUNTEERS)
                     .order_by("id").first())
    return binding.chat_id if binding else None


async def staff_for_user(user_id: int, channel: str = CHANNEL, *, volunteers: bool = False) -> Staff | None:
    """The active staff member with this user id, with `unit` loaded; None for residents.

    Volunteers are listed in the file as people (role volunteer) but are not staff: they claim
    微心愿 and nothing else, so they are found only when `volunteers` is asked for."""
    query = Staff.filter(channel=channel, user_id=user_id, active=True)
    if not volunteers:
        query = query.exclude(role=Role.VOLUNTEER)
    return await query.select_related("unit").first()


async def ancestors(unit: Unit) -> list[Unit]:
    """The units above this one, nearest first: grid → community, street, district."""
    return (await tree.current()).ancestors(unit.id)


async def wish_claim_by() -> tuple[str, ...]:
    """Who may claim a 微心愿 (`wishes.claim_by`), kept beside the ticket prefix."""
    async def load() -> tuple[str, ...]:
        unit = await command_unit()
        chosen = unit.area.get("wish_claim_by") if unit is not None and isinstance(unit.area, dict) else None
        return tuple(chosen) if chosen else DEFAULT_WISH_CLAIM_BY

    return await remembered(("wish_claim_by",), load)


async def ticket_prefix() -> str | None:
    """The ticket number prefix (YZ), kept in the district unit's `area` JSON; see module doc."""
    async def load() -> str | None:
        unit = await command_unit()
        if unit is None or not isinstance(unit.area, dict):
            return None
        return unit.area.get("ticket_prefix")

    return await remembered(("prefix",), load)


async def open311_settings() -> Open311Settings:
    """The district's Open311 settings (defaults when no file, or an older one, set them)."""
    async def load() -> Open311Settings:
        unit = await command_unit()
        stored = unit.area.get("open311") if unit is not None and isinstance(unit.area, dict) else None
        if not isinstance(stored, dict):
            return Open311Settings()
        return Open311Settings(public_feed=stored.get("public_feed") is True,
                               posts_per_minute=int(stored.get("posts_per_minute") or Open311Settings.posts_per_minute))

    return await remembered(("open311",), load)


async def hotlines() -> dict[str, str]:
    """The district's own emergency numbers (`hotlines:`), by spec.HOTLINE_KEYS code."""
    async def load() -> dict[str, str]:
        unit = await command_unit()
        stored = unit.area.get("hotlines") if unit is not None and isinstance(unit.area, dict) else None
        return {str(k): str(v) for k, v in stored.items()} if isinstance(stored, dict) else {}

    return await remembered(("hotlines",), load)


# Answers asked for every ticket filed (its number's prefix, its grid's chat, the place names
# of routing's gazetteer) change only when a jurisdiction file is loaded: kept for a minute.
# Loading in this process forgets them at once; `gridbot load-jurisdiction` run beside a
# running bot takes effect within the minute.
async def gazetteer_entries() -> list[tuple[str, str]]:
    """(place name, unit code) for every active street, community and grid: its name and each
    alias. The location matcher uses these to turn "南海街1号院" into a grid."""
    units = await (Unit.filter(active=True, level__in=[Level.STREET, Level.COMMUNITY, Level.GRID])
                   .order_by("id"))
    entries: list[tuple[str, str]] = []
    for unit in units:
        names = dict.fromkeys([unit.name, *(unit.aliases or [])])
        entries.extend((name, unit.code) for name in names)
    return entries
