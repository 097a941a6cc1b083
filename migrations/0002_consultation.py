from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Consultation',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('ticket', fields.ForeignKeyField('models.Ticket', source_field='ticket_id', db_constraint=True, to_field='id', related_name='consultations', on_delete=OnDelete.CASCADE)),
                ('department', fields.ForeignKeyField('models.Unit', source_field='department_id', db_constraint=True, to_field='id', related_name='consultations', on_delete=OnDelete.RESTRICT)),
                ('lead', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'consultation', 'app': 'models', 'unique_together': (('ticket', 'department'),), 'pk_attr': 'id', 'table_description': '部门会商: a department the command centre called on for a ticket, and whether it leads.'},
            bases=['Model'],
        ),
    ]
