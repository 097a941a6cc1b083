"""Where a report belongs: the grid, from a location, from place names in what the resident
wrote (the jurisdiction's gazetteer), or from the community and grid they pick.

Asked once: the community menu, then (for a community of several grids) its grids by their full
names, with 说不清 to leave the grid to the community. A place typed instead of pressed goes
through the gazetteer like the report's own words; what cannot be placed is kept as written, for
the staff, and the menu is never shown again. A community of one grid asks no grid question.
"""

from __future__ import annotations

from bot import texts
from bot.intake import buttons
from bot.intake.reading import place_as_written
from bot.jurisdiction import directory, routing
from bot.jurisdiction.tree import current as tree_of_units
from bot.models import Level, Pending, Unit

# grid_source: how the grid (or its absence) was settled
LOCATION, TEXT, PICKED, PATROL = "location", "text", "picked", "patrol"
UNKNOWN = "unknown"      # 说不清 on the community menu: the command centre places it (triage)
COMMUNITY = "community"  # the community is known, the grid is not: the community places it


def settled(data: dict) -> bool:
    """Nothing more to ask about the place: a grid, or the resident said they cannot say."""
    return data.get("grid_id") is not None or data.get("grid_source") in (UNKNOWN, COMMUNITY)


def said_about_place(data: dict) -> list[str]:
    """What the resident wrote that may name the place, most explicit first: the answers to
    "where?", the answer to the follow-up question, the description."""
    followup = (data.get("followup") or {}).get("a")
    return [*data.get("places", []), *([followup] if followup else []), "\n".join(data["texts"])]


async def find_in_words(data: dict) -> None:
    """The grid (or at least the community) named in what the resident wrote, if any."""
    for words in said_about_place(data):
        if await _place_by_name(data, words):
            return


async def _place_by_name(data: dict, words: str) -> bool:
    match = await routing.grid_for_text(words)
    if match is None:
        return False
    unit, name = match
    if unit.level not in (Level.GRID, Level.COMMUNITY):
        # a street names too much ground to be 地点 (and the community picked next may say the
        # name was a road's: 迎泽大街 is no part of 迎泽街道): the community menu narrows it down
        return False
    if not data.get("places"):
        data["location_text"] = data.get("location_text") or name
    if unit.level == Level.GRID:
        data["grid_id"], data["grid_source"] = unit.id, TEXT
        data["community_id"] = unit.parent_id
        return True
    data["community_id"] = unit.id
    only = await only_grid(unit)
    if only is not None:
        data["grid_id"], data["grid_source"] = only.id, TEXT
    return True


async def take_place(data: dict, text: str) -> None:
    """A place the resident typed (in answer to "where?", or to something else): it is 地点,
    and names the grid, or the community, if the gazetteer knows it."""
    data.setdefault("places", []).append(place_as_written(text))
    data["location_text"] = "，".join(data["places"])
    if data.get("grid_id") is None:
        await _place_by_name(data, text)


def cannot_say(data: dict) -> None:
    """"不清楚" (or 说不清): the community places it if it is known, else the command centre."""
    data["grid_id"] = None
    data["grid_source"] = COMMUNITY if data.get("community_id") else UNKNOWN


async def only_grid(community: Unit) -> Unit | None:
    grids = await Unit.filter(parent_id=community.id, level=Level.GRID, active=True).order_by("id").limit(2)
    return grids[0] if len(grids) == 1 else None


async def pick_community(data: dict, community: Unit) -> None:
    """The resident pressed their community (a community of one grid is that grid)."""
    data["community_id"] = community.id
    only = await only_grid(community)
    if only is not None:
        data["grid_id"], data["grid_source"] = only.id, PICKED


async def holders(data: dict) -> tuple[Unit | None, Unit | None]:
    """(grid, community) the report goes to: the grid, or else the community that will place
    it (when the resident left the grid to it and it has a chat of its own)."""
    tree = await tree_of_units()
    grid = tree.active(data["grid_id"]) if data.get("grid_id") else None
    if grid is not None or data.get("grid_source") != COMMUNITY or not data.get("community_id"):
        return grid, None
    community = tree.active(data["community_id"], level=Level.COMMUNITY)
    if community is None or await directory.chat_for_unit(community) is None:
        return None, None
    return None, community


# --- the questions -------------------------------------------------------------------------

async def ask(draft: Pending) -> tuple[str, list] | None:
    """The next place question, each asked once: the grids of the community the resident named
    or picked, else the community menu. None when both are spent: the report goes on unplaced,
    to the community if it is known, else to the command centre."""
    data = draft.data
    asked = data.setdefault("place_asked", [])
    community = None
    if data.get("community_id"):
        community = await Unit.get_or_none(id=data["community_id"], level=Level.COMMUNITY, active=True)
    if community is not None and "grids" not in asked:
        asked.append("grids")
        data["awaiting"] = "grid"
        return texts.ASK_GRID.format(community=community.name), await grid_buttons(draft, community)
    if community is None and "communities" not in asked:
        asked.append("communities")
        data["awaiting"] = "place"
        return _where_question(data), await community_buttons(draft)
    cannot_say(data)
    return None


def _where_question(data: dict) -> str:
    """"Where?", unless the resident has just said where (to "where?" or to the follow-up that
    asked for the spot): then her words, and which community they are in."""
    followup = data.get("followup") or {}
    said = data.get("places") or ([followup["a"]] if followup.get("about_place") and followup.get("a") else [])
    if not said:
        return texts.ASK_PLACE
    place = said[-1].strip()
    return texts.ASK_PLACE_NAMED.format(place=place if len(place) <= 16 else place[:15] + "…")


async def community_buttons(draft: Pending):
    communities = await Unit.filter(level=Level.COMMUNITY, active=True).order_by("id")
    rows = [communities[i:i + 2] for i in range(0, len(communities), 2)]
    rows = [[(c.name, buttons.data(draft, "comm", c.id)) for c in row] for row in rows]
    rows.append([(texts.BTN_PLACE_UNKNOWN, buttons.data(draft, "noplace"))])
    return rows


async def grid_buttons(draft: Pending, community: Unit):
    """Each grid by its full name (南海街一社区第一网格: the name on the card and the receipt),
    and 说不清, which leaves the grid to the community."""
    grids = await Unit.filter(parent_id=community.id, level=Level.GRID, active=True).order_by("id")
    rows = [[(g.name, buttons.data(draft, "grid", g.id))] for g in grids]
    rows.append([(texts.BTN_GRID_UNKNOWN, buttons.data(draft, "tocomm"))])
    return rows
