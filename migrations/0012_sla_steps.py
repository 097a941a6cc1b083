from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0011_category_examples')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Ticket',
            name='due_work_hours',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Ticket',
            name='pause_count',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Ticket',
            name='pause_reason',
            field=fields.CharField(null=True, max_length=32),
        ),
        ops.AddField(
            model_name='Ticket',
            name='paused_at',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='Ticket',
            name='paused_seconds',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Ticket',
            name='steps',
            field=fields.JSONField(null=True, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Ticket',
            name='subcategory',
            field=fields.CharField(null=True, max_length=32),
        ),
    ]
