from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('models', '0009_open311_scopes')]

    initial = False

    operations = [
        ops.CreateModel(
            name='HealthBeat',
            fields=[
                ('name', fields.CharField(primary_key=True, unique=True, db_index=True, max_length=32)),
                ('at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'health_beat', 'app': 'models', 'pk_attr': 'name', 'table_description': 'One row /healthz writes at every probe: a real write, so a full disk or a read-only'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UpdateClaim',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('channel', fields.CharField(default='telegram', max_length=16)),
                ('update_id', fields.BigIntField()),
                ('claimed_until', fields.DatetimeField(auto_now=False, auto_now_add=False)),
                ('done_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'update_claim', 'app': 'models', 'unique_together': (('channel', 'update_id'),), 'indexes': [Index(fields=['created_at'], name='update_claim_age_idx')], 'pk_attr': 'id', 'table_description': "An update from the channel (Telegram's update_id) being handled or handled already."},
            bases=['Model'],
        ),
    ]
