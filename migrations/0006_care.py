from tortoise import migrations
from tortoise.migrations import operations as ops
from bot.models_care import CareLevel, WishStatus
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0005_outbox_files')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Household',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('grid', fields.ForeignKeyField('models.Unit', source_field='grid_id', db_constraint=True, to_field='id', related_name='households', on_delete=OnDelete.RESTRICT)),
                ('label', fields.CharField(max_length=100)),
                ('care_level', fields.CharEnumField(description='KEY: key\nORDINARY: ordinary\nSAFE: safe', enum_type=CareLevel, max_length=16)),
                ('note', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('last_visit_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('next_due_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('reminded_due_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'household', 'app': 'models', 'indexes': [Index(fields=['grid_id', 'next_due_at'], name='household_due_idx')], 'pk_attr': 'id', 'table_description': 'A household a grid worker visits on a schedule set by its care level.'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Visit',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('household', fields.ForeignKeyField('models.Household', source_field='household_id', db_constraint=True, to_field='id', related_name='visits', on_delete=OnDelete.CASCADE)),
                ('staff_user_id', fields.BigIntField()),
                ('staff_name', fields.CharField(max_length=64)),
                ('note', fields.TextField(null=True, unique=False)),
                ('photo', fields.CharField(null=True, max_length=255)),
                ('lat', fields.FloatField(null=True)),
                ('lon', fields.FloatField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'visit', 'app': 'models', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='VulnerableResident',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('resident', fields.OneToOneField('models.Resident', source_field='resident_id', db_constraint=True, to_field='id', related_name='care', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=32)),
                ('grid', fields.ForeignKeyField('models.Unit', source_field='grid_id', db_constraint=True, to_field='id', related_name='vulnerable_residents', on_delete=OnDelete.RESTRICT)),
                ('marked_by', fields.BigIntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('active', fields.BooleanField(default=True)),
            ],
            options={'table': 'vulnerable_resident', 'app': 'models', 'pk_attr': 'id', 'table_description': 'A resident staff have marked as needing care (独居老人, 残疾人, 低保户 …): they get the'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Wish',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('models.Unit', source_field='community_id', db_constraint=True, to_field='id', related_name='wishes', on_delete=OnDelete.RESTRICT)),
                ('description', fields.CharField(max_length=500)),
                ('beneficiary_note', fields.TextField(null=True, unique=False)),
                ('posted_by', fields.BigIntField()),
                ('posted_by_name', fields.CharField(max_length=64)),
                ('status', fields.CharEnumField(default=WishStatus.OPEN, description='OPEN: open\nCLAIMED: claimed\nDELIVERED: delivered\nTHANKED: thanked', enum_type=WishStatus, max_length=16)),
                ('claimed_by', fields.BigIntField(null=True)),
                ('claimed_by_name', fields.CharField(null=True, max_length=64)),
                ('delivery_photo', fields.CharField(null=True, max_length=255)),
                ('thanks', fields.TextField(null=True, unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('claimed_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('delivered_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('thanked_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('reminded_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'wish', 'app': 'models', 'indexes': [Index(fields=['status', 'created_at'], name='wish_status_idx')], 'pk_attr': 'id', 'table_description': 'A small wish of a resident in need, posted by the community, claimed by a volunteer.'},
            bases=['Model'],
        ),
    ]
