"""Which grid a report belongs to: from a location, or from place names in the text."""

from __future__ import annotations

from bot.models import Unit
from bot.nlp.places import Gazetteer, PlaceEntry
from bot.nlp.segment import add_place_words
from bot.jurisdiction import cache, directory, geo
from bot.jurisdiction.tree import current as tree_of_units

# A location farther than this from every grid is not guessed: the resident picks instead.
MAX_DISTANCE_M = 2_000


async def grid_for_location(lat: float, lon: float) -> Unit | None:
    near = await geo.grids_near(lat, lon)
    if not near:
        return None
    grid, distance = near[0]
    return grid if distance <= MAX_DISTANCE_M else None


async def grid_for_text(text: str) -> tuple[Unit, str] | None:
    """The most specific unit named in the text (a grid's 小区 beats a community's name)."""
    matches = (await _gazetteer()).match(text)
    tree = await tree_of_units() if matches else None
    for match in matches:
        unit = tree.active(code=match.unit_code)
        if unit is not None:
            return unit, match.name
    return None


async def place_names_ready() -> None:
    """The district's place names known to segmentation (they are added when the gazetteer is
    built), so a message naming 文庙 or 电力小区 is read as naming a place."""
    await _gazetteer()


async def _gazetteer() -> Gazetteer:
    return await cache.remembered(("gazetteer",), _load_gazetteer)


async def _load_gazetteer() -> Gazetteer:
    entries = [PlaceEntry(name=name, unit_code=code) for name, code in await directory.gazetteer_entries()]
    gazetteer = Gazetteer(entries)
    add_place_words(gazetteer.words())  # so 南海街一社区 stays one token for jieba
    return gazetteer


def forget_gazetteer() -> None:
    """After the jurisdiction file is loaded again (jurisdiction's cache holds it)."""
    cache.forget_cached()
