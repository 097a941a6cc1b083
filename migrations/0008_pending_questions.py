import datetime as dt
import json

from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields
from tortoise.indexes import Index

# What each kind waited for, so a conversation in progress at the upgrade goes on waiting.
WAITS = {"report": dt.timedelta(days=3), "answer": dt.timedelta(days=3), "reason": dt.timedelta(hours=2),
         "explain": dt.timedelta(hours=24), "consult": dt.timedelta(hours=1), "comment": dt.timedelta(minutes=30),
         "wish": dt.timedelta(days=1), "visit": dt.timedelta(days=1)}
SUBJECT_KEYS = ("ticket_id", "wish_id", "household_id")


def _moment(value) -> dt.datetime:
    if isinstance(value, str):
        value = dt.datetime.fromisoformat(value)
    return value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)


async def carry_over(apps, editor) -> None:
    """Drafts become pending questions: a report half written before the upgrade is still there
    after it. A 书面说明 was a "reason" with step "explain"; it has a kind of its own now."""
    client = editor.client
    postgres = client.capabilities.dialect == "postgres"
    rows = await client.execute_query_dict(
        "SELECT channel, chat_id, user_id, kind, step, data, created_at, updated_at FROM draft")
    marks = ", ".join(f"${i}" if postgres else "?" for i in range(1, 11))
    for row in rows:
        data = row["data"] if isinstance(row["data"], dict) else json.loads(row["data"] or "{}")
        kind = "explain" if row["kind"] == "reason" and row["step"] == "explain" else row["kind"]
        subject = "" if kind == "report" else str(next((data[k] for k in SUBJECT_KEYS if data.get(k)), ""))
        updated = _moment(row["updated_at"])
        created = _moment(row["created_at"])
        values = [row["channel"], row["chat_id"], row["user_id"], kind, subject, row["step"], json.dumps(data),
                  created, updated, updated + WAITS.get(kind, dt.timedelta(days=1))]
        if not postgres:
            values[7:] = [v.isoformat(sep=" ") for v in values[7:]]
        await client.execute_query(
            "INSERT INTO pending (channel, chat_id, user_id, kind, subject, step, data, created_at, updated_at,"
            f" expires_at) VALUES ({marks})", values)


class Migration(migrations.Migration):
    dependencies = [('models', '0007_care_scope_sessions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Pending',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(default='telegram', max_length=16)),
                ('chat_id', fields.BigIntField()),
                ('user_id', fields.BigIntField()),
                ('kind', fields.CharField(max_length=16)),
                ('subject', fields.CharField(default='', max_length=32)),
                ('step', fields.CharField(max_length=32)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('prompt_ref', fields.CharField(null=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('updated_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('expires_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'pending', 'app': 'models', 'unique_together': (('channel', 'chat_id', 'user_id', 'kind', 'subject'),), 'indexes': [Index(fields=['expires_at'], name='pending_expiry_idx'), Index(fields=['channel', 'chat_id', 'prompt_ref'], name='pending_prompt_idx')], 'pk_attr': 'id', 'table_description': 'A pending question: the bot asked one person something in one chat and waits for the'},
            bases=['Model'],
        ),
        ops.RunPython(carry_over),
        ops.DeleteModel(name='Draft'),
    ]
