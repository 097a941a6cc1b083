from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('models', '0004_web_open311')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Outbox',
            name='file_data',
            field=fields.BinaryField(null=True),
        ),
        ops.AddField(
            model_name='Outbox',
            name='file_kind',
            field=fields.CharField(null=True, max_length=16),
        ),
        ops.AddField(
            model_name='Outbox',
            name='file_name',
            field=fields.CharField(null=True, max_length=128),
        ),
    ]
