"""The summary a resident confirms: what the card will show — the category, the place, their
words, the answer to the follow-up question — and who will handle it, by when."""

from __future__ import annotations

from bot import texts
from bot.intake import place
from bot.models import Pending
from bot.nlp.classify import label_of
from bot.runtime import Runtime


def goes_to_triage(data: dict, grid, community) -> bool:
    """The command centre decides: the category is unsure, or nobody below can place it."""
    if data.get("urgent") and (grid is not None or community is not None):
        return False  # danger goes straight to the grid (or community); the command centre is alerted too
    return data["category"] == "other" or bool(data.get("low_confidence")) or (grid is None and community is None)


def followups_filed(data: dict) -> list[dict]:
    """The follow-up question and its answer as the ticket keeps them (and the card shows)."""
    followup = data.get("followup") or {}
    return [{"q": followup["q"], "a": followup.get("a")}] if followup.get("q") else []


async def text(rt: Runtime, draft: Pending) -> str:
    data = draft.data
    grid, community = await place.holders(data)
    where = grid or community
    shown_place = "，".join(p for p in (data.get("location_text"), where.name if where else None) if p)
    if data.get("location") and not shown_place:
        shown_place = f"{data['location']['lat']:.5f}, {data['location']['lon']:.5f}"
    # The same line the card will carry for each answered follow-up question.
    extras = "".join(texts.CARD_FOLLOWUP.format(q=f["q"], a=_shorten(f["a"], 100))
                     for f in followups_filed(data) if f.get("a"))
    if data["photos"]:
        extras += texts.SUMMARY_PHOTOS.format(count=len(data["photos"]))
    if data.get("anonymous"):
        extras += texts.SUMMARY_ANON_ON
    sub = rt.sla.subcategory_for(data["category"], "\n".join(data["texts"]))
    deadlines = rt.sla.deadlines(data["category"], False, rt.clock.now(), calendar=rt.calendar, tz=rt.tz,
                                 subcategory=sub)
    return texts.SUMMARY.format(
        category=label_of(data["category"]),
        place=shown_place or texts.PLACE_UNKNOWN,
        text=_shorten("\n".join(data["texts"]), 200),
        extras=extras,
        unit=texts.SUMMARY_TRIAGE_UNIT if goes_to_triage(data, grid, community) else where.name,
        due=rt.sla.describe_due(deadlines),
    )


def _shorten(words: str, limit: int) -> str:
    return words if len(words) <= limit else words[:limit] + "…"
