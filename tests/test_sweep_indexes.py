"""The sweep reads only open, untold tickets: each claim is a range of its level's partial index
(migration 0014), on SQLite and PostgreSQL, whatever the planner thinks of the history."""

import datetime as dt

import pytest
from tortoise import connections

from bot.sla import lights
from bot.sla.policy import DUE_RUNS_IN, LIGHTS_RUN_IN
from bot.sla.sql import Sql
from bot.sla.steps import STEP_LIGHTS_RUN_IN

NOW = dt.datetime(2026, 4, 1, 2, 0, tzinfo=dt.timezone.utc)
INDEX = {"yellow": "ticket_yellow_open_idx", "red": "ticket_red_open_idx", "overdue": "ticket_due_open_idx"}


def test_the_partial_indexes_hold_every_status_a_clock_runs_in():
    assert set(LIGHTS_RUN_IN) | set(STEP_LIGHTS_RUN_IN) <= set(lights.INDEXED_LIGHTS)
    assert set(DUE_RUNS_IN) <= set(lights.INDEXED_DUE)


async def plan(db: Sql, sql: str, params: list) -> str:
    if db.pg:
        # An empty table is cheapest to scan; what is asked here is whether the index can serve
        # the query at all (a predicate the planner cannot prove leaves it out).
        async with db.conn._in_transaction() as tx:
            await tx.execute_script("SET LOCAL enable_seqscan = off")
            rows = await tx.execute_query_dict("EXPLAIN " + sql, params)
        return "\n".join(r["QUERY PLAN"] for r in rows)
    rows = await db.conn.execute_query_dict("EXPLAIN QUERY PLAN " + sql, params)
    return "\n".join(str(r["detail"]) for r in rows)


@pytest.mark.parametrize("level", [lights.YELLOW, lights.RED, lights.DUE], ids=lambda lv: lv.name)
@pytest.mark.parametrize("steps", [False, True], ids=["filing", "steps"])
async def test_each_claim_reads_its_partial_index(db, level, steps):
    sql = Sql(connections.get("default"))
    statuses = level.runs_in if not steps or level is lights.DUE else tuple(sorted(STEP_LIGHTS_RUN_IN))
    for status in statuses:
        p = sql.params()
        ids = lights.due_ids(sql, p, level, status, NOW, 100, skip_units={1, 2}, steps=steps)
        assert INDEX[level.name] in await plan(sql, ids, list(p)), (level.name, status)
