from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0010_delivery_dedupe')]

    initial = False

    operations = [
        ops.CreateModel(
            name='CategoryExample',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='category_examples', on_delete=OnDelete.CASCADE)),
                ('text', fields.TextField(unique=False)),
                ('from_category', fields.CharField(max_length=32)),
                ('to_category', fields.CharField(max_length=32)),
                ('source', fields.CharField(max_length=16)),
                ('staff_user_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'category_example', 'app': 'models', 'indexes': [Index(fields=['created_at'], name='category_example_created_idx')], 'pk_attr': 'id', 'table_description': "Staff changed a ticket's category: the ticket's text with both categories, a labelled"},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Unit',
            name='categories',
            field=fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
    ]
