"""The models and the migrations must agree, or a deploy breaks on a column nobody migrated."""

from tortoise.migrations.autodetector import MigrationAutodetector

from bot.db import tortoise_config
from bot.models import Ticket, Unit


async def test_models_and_migrations_agree(db):
    config = tortoise_config("sqlite://:memory:")["apps"]
    pending = await MigrationAutodetector(db.apps, config).changes()
    assert pending == [], "models changed without a migration: run `gridbot makemigrations`"


async def test_migrated_schema_takes_rows(db):
    unit = await Unit.create(code="g1", name="第一网格", level="grid")
    assert await Unit.filter(code="g1").count() == 1
    assert unit.aliases == []
    assert await Ticket.all().count() == 0


def test_migrations_form_one_line():
    """Each migration follows the one before it: two leaves leave the order of a fresh deploy to
    chance, and the next `makemigrations` would have to pick a parent."""
    import importlib
    import pkgutil

    import migrations

    names = sorted(m.name for m in pkgutil.iter_modules(migrations.__path__) if m.name[:4].isdigit())
    for before, name in zip(names, names[1:]):
        deps = importlib.import_module(f"migrations.{name}").Migration.dependencies
        assert deps == [("models", before)], f"{name} depends on {deps}, not on {before}"
