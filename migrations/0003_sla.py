from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0002_consultation')]

    initial = False

    operations = [
        # The sweep's indexes: (status, <level>_notified_at, <moment>) instead of (status, <moment>),
        # so tickets already told drop out of the range the sweep reads.
        ops.RemoveIndex(model_name='Ticket', name='ticket_status_yellow_idx'),
        ops.RemoveIndex(model_name='Ticket', name='ticket_status_red_idx'),
        ops.RemoveIndex(model_name='Ticket', name='ticket_status_due_idx'),
        ops.AddIndex(model_name='Ticket', index=Index(fields=['status', 'yellow_notified_at', 'yellow_at'], name='ticket_yellow_sweep_idx')),
        ops.AddIndex(model_name='Ticket', index=Index(fields=['status', 'red_notified_at', 'red_at'], name='ticket_red_sweep_idx')),
        ops.AddIndex(model_name='Ticket', index=Index(fields=['status', 'due_notified_at', 'due_at'], name='ticket_due_sweep_idx')),
        ops.CreateModel(
            name='Explanation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='explanations', on_delete=OnDelete.CASCADE)),
                ('round', fields.IntField(default=0)),
                ('unit', fields.ForeignKeyField('models.Unit', source_field='unit_id', db_constraint=True, to_field='id', related_name='explanations', on_delete=OnDelete.RESTRICT)),
                ('red_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('pending', fields.BooleanField(default=True)),
                ('text', fields.TextField(null=True, unique=False)),
                ('explained_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('explained_by', fields.BigIntField(null=True)),
                ('explained_by_name', fields.CharField(null=True, max_length=64)),
                ('listed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'explanation', 'app': 'models', 'unique_together': (('ticket', 'round'),), 'indexes': [Index(fields=['pending', 'due_at'], name='explanation_pending_idx')], 'pk_attr': 'id', 'table_description': '书面说明: owed by the unit that held a ticket when it turned red (bot/sla/lights.py).'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ScheduledRun',
            fields=[
                ('key', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'scheduled_run', 'app': 'models', 'pk_attr': 'key', 'table_description': 'A periodic job\'s run claimed once across instances, e.g. key "daily_report:2026-03-09".'},
            bases=['Model'],
        ),
    ]
