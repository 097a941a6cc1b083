"""Prometheus metrics at /metrics.

Ticket and outbox figures are read from the database at scrape time (one GROUP BY for tickets,
two counts for the outbox), so every instance behind one database reports the same numbers and
nothing drifts. The sweep's duration is pushed by the sweep itself through `observe_sweep`, and
each message delivery gives up on for good by delivery through `count_undeliverable` (a counter
per instance, as Prometheus counters are: sum them across instances).
"""

from __future__ import annotations

import datetime as dt

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_LATEST
from tortoise.functions import Count

from bot.channels.port import REASONS
from bot.models import Light, Outbox, OutboxStatus, Status, Ticket

# Our own registry: the process-wide default one also collects Python internals, and tests
# build several web servers in one process.
REGISTRY = CollectorRegistry(auto_describe=True)

TICKETS = Gauge("gridbot_tickets", "Tickets by status and light, now.", ["status", "light"],
                registry=REGISTRY)
OUTBOX_PENDING = Gauge("gridbot_outbox_pending", "Outbox messages waiting to be sent (pending or being sent).",
                       registry=REGISTRY)
OUTBOX_OLDEST = Gauge("gridbot_outbox_oldest_pending_seconds",
                      "Age of the oldest message still waiting in the outbox (0 when none waits).",
                      registry=REGISTRY)
OUTBOX_DEAD = Gauge("gridbot_outbox_dead", "Messages recorded as undeliverable (blocked user, chat gone, refused).",
                    registry=REGISTRY)
UNDELIVERABLE = Counter("gridbot_outbox_undeliverable",
                        "Messages ended on a permanent answer (403 blocked or removed, 400 refused, chat gone), "
                        "by reason; transient failures are retried and never counted here.",
                        ["reason"], registry=REGISTRY)
for _reason in REASONS:  # every reason shown from the start, at 0: an alert can watch its rate
    UNDELIVERABLE.labels(_reason)
SWEEP_SECONDS = Histogram("gridbot_sweep_duration_seconds", "How long one SLA sweep took.",
                          buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60), registry=REGISTRY)
SWEEP_LAST = Gauge("gridbot_sweep_last_duration_seconds", "How long the latest SLA sweep took.",
                   registry=REGISTRY)

CONTENT_TYPE = CONTENT_TYPE_LATEST


def observe_sweep(seconds: float) -> None:
    """Record one sweep's duration (called by bot/scheduler/jobs.py after each SLA sweep)."""
    SWEEP_SECONDS.observe(seconds)
    SWEEP_LAST.set(seconds)


def count_undeliverable(reason: str) -> None:
    """One message ended undelivered (called by bot/messaging/delivery.py)."""
    UNDELIVERABLE.labels(reason).inc()


async def render(now: dt.datetime) -> bytes:
    """The exposition text, with the database figures read now."""
    rows = await Ticket.annotate(n=Count("id")).group_by("status", "light").values("status", "light", "n")
    waiting = [OutboxStatus.PENDING, OutboxStatus.SENDING]
    pending = await Outbox.filter(status__in=waiting).count()
    first = await Outbox.filter(status__in=waiting).order_by("created_at").first().values_list("created_at", flat=True)
    dead = await Outbox.filter(status=OutboxStatus.DEAD).count()
    # No await from here on: a concurrent scrape cannot see the gauges half set.
    TICKETS.clear()
    for status in Status:
        for light in Light:
            TICKETS.labels(str(status), str(light)).set(0)
    for row in rows:
        TICKETS.labels(str(row["status"]), str(row["light"])).set(row["n"])
    OUTBOX_PENDING.set(pending)
    OUTBOX_OLDEST.set(max((now - first).total_seconds(), 0.0) if first else 0.0)
    OUTBOX_DEAD.set(dead)
    return generate_latest(REGISTRY)
