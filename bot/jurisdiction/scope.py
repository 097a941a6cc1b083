"""Which part of the jurisdiction tree a staff member answers for.

A unit answers for itself and every unit under it: a grid worker for their grid, community
staff for the community's grids, street staff for the street's communities and grids. The
command centre answers for everything. Departments and volunteers answer for no place in the
tree (a department acts on what is transferred to it, which is tickets' business, not this).
"""

from __future__ import annotations

from bot.models import Role, Staff, Unit

TREE_ROLES = (Role.WORKER, Role.COMMUNITY, Role.STREET, Role.COMMAND)


async def units_under(unit_id: int) -> set[int]:
    """The unit and every unit below it (active or not: history still points at old units)."""
    children: dict[int, list[int]] = {}
    for unit_id_, parent_id in await Unit.all().values_list("id", "parent_id"):
        if parent_id is not None:
            children.setdefault(parent_id, []).append(unit_id_)
    found, todo = set(), [unit_id]
    while todo:
        current = todo.pop()
        if current not in found:  # `found`: never loop on bad data
            found.add(current)
            todo.extend(children.get(current, ()))
    return found


async def staff_units(staff: Staff) -> set[int] | None:
    """The ids of the units this person answers for; None means everything (the command
    centre); an empty set means no place in the tree."""
    if staff.role == Role.COMMAND:
        return None
    if staff.role not in TREE_ROLES:
        return set()
    return await units_under(staff.unit_id)


async def covers(staff: Staff, unit_id: int) -> bool:
    units = await staff_units(staff)
    return units is None or unit_id in units


async def lowest_common(a_id: int, b_id: int) -> Unit | None:
    """The nearest unit that has both under it (or is one of them): who can decide between them."""
    chain_a = await _chain(a_id)
    ids_b = {u.id for u in await _chain(b_id)}
    return next((u for u in chain_a if u.id in ids_b), None)


async def _chain(unit_id: int) -> list[Unit]:
    """The unit and its ancestors, nearest first."""
    chain: list[Unit] = []
    seen: set[int] = set()
    current = await Unit.get_or_none(id=unit_id)
    while current is not None and current.id not in seen:
        chain.append(current)
        seen.add(current.id)
        current = await Unit.get_or_none(id=current.parent_id) if current.parent_id else None
    return chain
