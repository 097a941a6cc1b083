"""The sweep's indexes hold only what it looks for: open tickets not yet told.

Migration 0003 indexed (status, <level>_notified_at, <moment>) over the whole table; with 0013's
indexes beside them PostgreSQL misjudged how many rows `status = ? AND red_notified_at IS NULL AND
red_at <= now` keeps (the columns are correlated: most closed tickets were never told red) and
walked `ticket_red_told_idx`, or the table, to find none: 80 ms of a 1,000-ticket sweep at 100k
tickets. Partial indexes keyed on what stays open and untold are small whatever the history, and
neither planner can take a wrong road to them. The sweep's WHERE names each predicate in the same
words (bot/sla/lights.py), which is what SQLite needs to use a partial index.

`ticket_red_told_idx` (the assessment's red lights of a month) keeps only the tickets told red.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

LIGHTS = "('accepted', 'assigned', 'resolved', 'triage')"  # either SLA model's lights
DUE = "('accepted', 'assigned', 'triage')"
CREATE = (
    "CREATE INDEX IF NOT EXISTS ticket_yellow_open_idx ON ticket (status, yellow_at, id) "
    f"WHERE yellow_notified_at IS NULL AND status IN {LIGHTS}",
    "CREATE INDEX IF NOT EXISTS ticket_red_open_idx ON ticket (status, red_at, id) "
    f"WHERE red_notified_at IS NULL AND status IN {LIGHTS}",
    "CREATE INDEX IF NOT EXISTS ticket_due_open_idx ON ticket (status, due_at, id) "
    f"WHERE due_notified_at IS NULL AND status IN {DUE}",
    "DROP INDEX IF EXISTS ticket_red_told_idx",
    "CREATE INDEX IF NOT EXISTS ticket_red_told_idx ON ticket (red_notified_at, grid_id) "
    "WHERE red_notified_at IS NOT NULL",
)


async def partial_sweep_indexes(apps, editor) -> None:
    client = editor.client
    for sql in CREATE:
        await client.execute_script(sql)
    if client.capabilities.dialect == "postgres":
        await client.execute_script("ANALYZE ticket")


class Migration(migrations.Migration):
    dependencies = [('models', '0013_figures')]

    initial = False

    operations = [
        ops.RemoveIndex(model_name='Ticket', name='ticket_yellow_sweep_idx'),
        ops.RemoveIndex(model_name='Ticket', name='ticket_red_sweep_idx'),
        ops.RemoveIndex(model_name='Ticket', name='ticket_due_sweep_idx'),
        ops.RunPython(partial_sweep_indexes),
    ]
