"""The one way in: every message and press, from any channel, goes to the router
(bot/handlers/router.py), which hands it to the one feature that owns it. Each feature declares
what it handles in one place (its package's feature.py); this module lists them.
"""

from __future__ import annotations

from bot.handlers.registry import Registry


def features() -> list:
    from bot.care.feature import FEATURE as care
    from bot.figures.feature import FEATURE as figures
    from bot.handlers.basics import FEATURE as basics
    from bot.handlers.which import FEATURE as which
    from bot.intake.feature import FEATURE as intake
    from bot.sla.feature import FEATURE as sla
    from bot.web.feature import FEATURE as web
    from bot.workflow.feature import FEATURE as workflow

    return [basics, which, intake, workflow, sla, figures, care, web]


def registry() -> Registry:
    """Every feature's declarations; anything claimed twice stops the bot here, at start-up."""
    return Registry.of(features())
