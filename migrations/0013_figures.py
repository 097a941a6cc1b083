"""The figures computed in the database (bot/figures/sql.py, issue 18).

* `ticket.first_accepted_at`: the first 接单 of a ticket (the earliest "accepted" event), kept by
  a trigger on ticket_event, so the mean time to 接单 is a column of the ticket instead of a join
  of every ticket of the period with its events. The models name neither column: Tortoise never
  writes them (a save of a ticket loaded before its 接单 cannot clear it); only the triggers do.
* `ticket.event_units`: every unit an event of the ticket named, as text ",12,3," — the
  departments that held it (转派, 会商, 接单 …) without a join of the period's tickets with their
  events; kept by a trigger on ticket_event the same way.
* Indexes that hold every column a figure reads (the period's range first), so each figure is
  one range of one index, read without the table: filed, resolved, closed, due in a period,
  in work now, and the tickets of the period's events by id; the period's counted events; the
  departments that held a stretch of tickets.
* The dashboard's list in its keyset order (due_at, id), and the same for what is in work.

The same statements on SQLite and PostgreSQL but for the trigger and the column's type.
"""

from tortoise import migrations
from tortoise.migrations import operations as ops

OPEN = "('triage', 'assigned', 'accepted')"
INDEXES = (
    "CREATE INDEX IF NOT EXISTS ticket_fig_created_idx ON ticket (created_at, merged_into_id, status, unit_id, "
    "grid_id, event_units, category, first_accepted_at, id)",
    "CREATE INDEX IF NOT EXISTS ticket_fig_resolved_idx ON ticket (resolved_at, merged_into_id, status, unit_id, "
    "grid_id, event_units, due_at, created_at, id)",
    "CREATE INDEX IF NOT EXISTS ticket_fig_closed_idx ON ticket (closed_at, merged_into_id, status, unit_id, grid_id, "
    "event_units, id)",
    "CREATE INDEX IF NOT EXISTS ticket_fig_due_idx ON ticket (due_at, merged_into_id, status, resolved_at, unit_id, "
    "grid_id, event_units, id)",
    f"CREATE INDEX IF NOT EXISTS ticket_fig_open_idx ON ticket (status, merged_into_id, unit_id, grid_id, event_units, "
    "light, id) "
    f"WHERE status IN {OPEN}",
    "CREATE INDEX IF NOT EXISTS ticket_fig_id_idx ON ticket (id, merged_into_id, status, unit_id, grid_id, event_units)",
    "CREATE INDEX IF NOT EXISTS event_fig_time_idx ON ticket_event (action, created_at, ticket_id)",
    # the assessment (bot/figures/assessment.py): who resolved a ticket last before a verdict,
    # the grids' red lights of a month
    "CREATE INDEX IF NOT EXISTS event_resolver_idx ON ticket_event (ticket_id, action, id, actor_id)",
    "CREATE INDEX IF NOT EXISTS ticket_red_told_idx ON ticket (red_notified_at, grid_id)",
    "CREATE INDEX IF NOT EXISTS ticket_list_idx ON ticket (due_at, id)",
    f"CREATE INDEX IF NOT EXISTS ticket_list_open_idx ON ticket (due_at, id) WHERE status IN {OPEN}",
)
UNITS = ("UPDATE ticket SET event_units = ',' || (SELECT {agg} FROM (SELECT DISTINCT e.unit_id FROM ticket_event e "
         "WHERE e.ticket_id = ticket.id AND e.unit_id IS NOT NULL) u) || ',' "
         "WHERE id IN (SELECT ticket_id FROM ticket_event WHERE unit_id IS NOT NULL)")
BACKFILL = ("UPDATE ticket SET first_accepted_at = (SELECT MIN(e.created_at) FROM ticket_event e "
            "WHERE e.ticket_id = ticket.id AND e.action = 'accepted') "
            "WHERE id IN (SELECT ticket_id FROM ticket_event WHERE action = 'accepted')")
POSTGRES = (
    "ALTER TABLE ticket ADD COLUMN IF NOT EXISTS first_accepted_at TIMESTAMPTZ",
    "ALTER TABLE ticket ADD COLUMN IF NOT EXISTS event_units TEXT",
    """CREATE OR REPLACE FUNCTION gridbot_first_accepted() RETURNS trigger AS $$
    BEGIN
        UPDATE ticket SET first_accepted_at = NEW.created_at
        WHERE id = NEW.ticket_id AND (first_accepted_at IS NULL OR first_accepted_at > NEW.created_at);
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS ticket_event_first_accepted ON ticket_event",
    "CREATE TRIGGER ticket_event_first_accepted AFTER INSERT ON ticket_event FOR EACH ROW "
    "WHEN (NEW.action = 'accepted') EXECUTE FUNCTION gridbot_first_accepted()",
    """CREATE OR REPLACE FUNCTION gridbot_event_units() RETURNS trigger AS $$
    BEGIN
        UPDATE ticket SET event_units = COALESCE(event_units, ',') || NEW.unit_id::text || ','
        WHERE id = NEW.ticket_id AND COALESCE(event_units, ',') NOT LIKE '%,' || NEW.unit_id::text || ',%';
        RETURN NULL;
    END $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS ticket_event_units ON ticket_event",
    "CREATE TRIGGER ticket_event_units AFTER INSERT ON ticket_event FOR EACH ROW "
    "WHEN (NEW.unit_id IS NOT NULL) EXECUTE FUNCTION gridbot_event_units()",
)
SQLITE = (
    "ALTER TABLE ticket ADD COLUMN first_accepted_at TIMESTAMP",
    "ALTER TABLE ticket ADD COLUMN event_units TEXT",
    """CREATE TRIGGER IF NOT EXISTS ticket_event_first_accepted AFTER INSERT ON ticket_event
    FOR EACH ROW WHEN NEW.action = 'accepted' BEGIN
        UPDATE ticket SET first_accepted_at = NEW.created_at
        WHERE id = NEW.ticket_id AND (first_accepted_at IS NULL OR first_accepted_at > NEW.created_at);
    END""",
    """CREATE TRIGGER IF NOT EXISTS ticket_event_units AFTER INSERT ON ticket_event
    FOR EACH ROW WHEN NEW.unit_id IS NOT NULL BEGIN
        UPDATE ticket SET event_units = COALESCE(event_units, ',') || NEW.unit_id || ','
        WHERE id = NEW.ticket_id AND COALESCE(event_units, ',') NOT LIKE '%,' || NEW.unit_id || ',%';
    END""",
)


async def figures_in_the_database(apps, editor) -> None:
    client = editor.client
    postgres = client.capabilities.dialect == "postgres"
    units = UNITS.format(agg="string_agg(u.unit_id::text, ',')" if postgres else "group_concat(u.unit_id, ',')")
    for sql in (*(POSTGRES if postgres else SQLITE), BACKFILL, units, *INDEXES):
        if postgres:
            await client.execute_script(sql)
        else:
            await client.execute_query(sql)
    if postgres:
        await client.execute_script("ANALYZE ticket; ANALYZE ticket_event")


class Migration(migrations.Migration):
    dependencies = [('models', '0012_sla_steps')]

    initial = False

    operations = [
        ops.RunPython(figures_in_the_database),
    ]
