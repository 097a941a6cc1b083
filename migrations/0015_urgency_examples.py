from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0014_sweep_partial_indexes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='UrgencyExample',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='urgency_examples', on_delete=OnDelete.CASCADE)),
                ('text', fields.TextField(unique=False)),
                ('from_urgent', fields.BooleanField()),
                ('to_urgent', fields.BooleanField()),
                ('source', fields.CharField(max_length=16)),
                ('staff_user_id', fields.BigIntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'urgency_example', 'app': 'models', 'indexes': [Index(fields=['created_at'], name='urgency_example_created_idx')], 'pk_attr': 'id', 'table_description': 'Staff said a ticket is urgent, or is not (标为紧急 / 不算紧急 in the 改类别 picker): the'},
            bases=['Model'],
        ),
    ]
