from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0008_pending_questions')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Open311Client',
            name='units',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Ticket',
            name='open311_client',
            field=fields.ForeignKeyField('models.Open311Client', source_field='open311_client_id', null=True, db_constraint=True, to_field='id', related_name='tickets', on_delete=OnDelete.RESTRICT),
        ),
        ops.AddIndex(
            model_name='Ticket',
            index=Index(fields=['open311_client_id', 'created_at'], name='ticket_open311_client_idx'),
        ),
    ]
