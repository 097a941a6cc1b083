"""The database: jurisdiction, people, tickets, their history, the outbox and drafts.

Tortoise models, one module so the migration tool sees one app. Every datetime is stored
aware in UTC; people see Asia/Shanghai. Channel ids (Telegram user and chat ids) are kept with
a `channel` column so a WeChat channel can live beside Telegram later.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model

if TYPE_CHECKING:  # the annotations' names; the relation itself is the string "models.Open311Client"
    from bot.models_web import Open311Client


class Level(StrEnum):
    """Where a unit stands on the ladder grid → community → street → district."""

    DISTRICT = "district"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"
    DEPARTMENT = "department"


class Role(StrEnum):
    WORKER = "worker"  # 网格员
    COMMUNITY = "community"  # 社区工作人员
    STREET = "street"  # 街道工作人员
    COMMAND = "command"  # 区指挥中心
    DEPARTMENT = "department"  # 职能部门
    VOLUNTEER = "volunteer"  # 志愿者


class Status(StrEnum):
    TRIAGE = "triage"  # waits at the command centre for a category or grid
    ASSIGNED = "assigned"  # 已派单: a unit holds it, nobody has accepted yet
    ACCEPTED = "accepted"  # 处理中: a worker pressed 接单
    RESOLVED = "resolved"  # 已办结: waits for the resident's rating
    CLOSED = "closed"  # 已关闭
    MERGED = "merged"  # a duplicate folded into another ticket
    CANCELLED = "cancelled"


OPEN_STATUSES = (Status.TRIAGE, Status.ASSIGNED, Status.ACCEPTED)


class Light(StrEnum):
    GREEN = "green"
    YELLOW = "yellow"
    RED = "red"


class Unit(Model):
    """A node of the jurisdiction tree, or a department (城管, 市政 …) under the district."""

    id = fields.IntField(primary_key=True)
    code = fields.CharField(max_length=64, unique=True)
    name = fields.CharField(max_length=100)
    level = fields.CharEnumField(Level, max_length=16)
    parent: fields.ForeignKeyNullableRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="children", null=True, on_delete=fields.RESTRICT
    )
    # Place names residents use for this unit (小区, streets, landmarks): the gazetteer.
    aliases = fields.JSONField(default=list)
    lat = fields.FloatField(null=True)
    lon = fields.FloatField(null=True)
    # Optional polygon [[lat, lon], ...] for grids; without it the nearest centre wins.
    area = fields.JSONField(null=True)
    active = fields.BooleanField(default=True)
    # A department's categories (jurisdiction file `categories:`): a transfer to a department
    # with exactly one implies that category (bot/workflow/tickets.py, transfer).
    categories = fields.JSONField(default=list)

    class Meta:
        table = "unit"

    def __str__(self) -> str:
        return self.name


class Staff(Model):
    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16, default="telegram")
    user_id = fields.BigIntField()
    name = fields.CharField(max_length=64)
    role = fields.CharEnumField(Role, max_length=16)
    unit: fields.ForeignKeyRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="staff", on_delete=fields.RESTRICT
    )
    is_leader = fields.BooleanField(default=False)
    phone = fields.CharField(max_length=32, null=True)
    active = fields.BooleanField(default=True)

    class Meta:
        table = "staff"
        unique_together = (("channel", "user_id"),)


class ChatBinding(Model):
    """A group chat that speaks for a unit (a grid's WeChat group, the command centre's chat …)."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16, default="telegram")
    chat_id = fields.BigIntField()
    purpose = fields.CharField(max_length=16, default="unit")  # unit | volunteers
    title = fields.CharField(max_length=100, null=True)
    unit: fields.ForeignKeyRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="chats", on_delete=fields.RESTRICT
    )

    class Meta:
        table = "chat_binding"
        unique_together = (("channel", "chat_id"),)


class Resident(Model):
    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16, default="telegram")
    user_id = fields.BigIntField()
    display_name = fields.CharField(max_length=128, default="")
    username = fields.CharField(max_length=64, null=True)
    phone = fields.CharField(max_length=32, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "resident"
        unique_together = (("channel", "user_id"),)


class Ticket(Model):
    id = fields.IntField(primary_key=True)
    number = fields.CharField(max_length=32, unique=True)
    source = fields.CharField(max_length=16, default="resident")  # resident | patrol
    resident: fields.ForeignKeyNullableRelation[Resident] = fields.ForeignKeyField(
        "models.Resident", related_name="tickets", null=True, on_delete=fields.RESTRICT
    )
    anonymous = fields.BooleanField(default=False)
    text = fields.TextField()
    category = fields.CharField(max_length=32)
    confidence = fields.FloatField(default=0.0)
    # The words that decided the category, shown to staff ("why this category").
    reasons = fields.JSONField(default=list)
    urgent = fields.BooleanField(default=False)
    location_text = fields.CharField(max_length=255, null=True)
    lat = fields.FloatField(null=True)
    lon = fields.FloatField(null=True)
    followups = fields.JSONField(default=list)  # [{"q": ..., "a": ...}]
    grid: fields.ForeignKeyNullableRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="grid_tickets", null=True, on_delete=fields.RESTRICT
    )
    # The unit that holds the ticket now; None only while it waits in triage.
    unit: fields.ForeignKeyNullableRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="held_tickets", null=True, on_delete=fields.RESTRICT
    )
    level = fields.CharEnumField(Level, max_length=16, null=True)
    status = fields.CharEnumField(Status, max_length=16)
    light = fields.CharEnumField(Light, max_length=8, default=Light.GREEN)
    accepted_by: fields.ForeignKeyNullableRelation[Staff] = fields.ForeignKeyField(
        "models.Staff", related_name="accepted_tickets", null=True, on_delete=fields.RESTRICT
    )
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    assigned_at = fields.DatetimeField(null=True)
    accepted_at = fields.DatetimeField(null=True)
    resolved_at = fields.DatetimeField(null=True)
    closed_at = fields.DatetimeField(null=True)
    yellow_at = fields.DatetimeField(null=True)
    red_at = fields.DatetimeField(null=True)
    due_at = fields.DatetimeField(null=True)
    due_workdays = fields.IntField(null=True)
    due_hours = fields.FloatField(null=True)
    due_work_hours = fields.FloatField(null=True)  # a promise in working hours (5个工作小时内办结)
    # A sub-category with limits of its own (sla.yaml categories.<code>.subcategories), or None.
    subcategory = fields.CharField(max_length=32, null=True)
    # The steps model's clocks (bot/sla/clocks.py): {step: {from, due, yellow, red, limit}}; None
    # in the filing model. `due_at` stays the handling step's deadline.
    steps = fields.JSONField(null=True)
    # A pause of every running clock, for a reason sla.yaml `pauses` allows (bot/sla/pauses.py).
    paused_at = fields.DatetimeField(null=True)
    pause_reason = fields.CharField(max_length=32, null=True)
    pause_count = fields.IntField(null=True)  # pauses so far (None: none; no default, so the
    paused_seconds = fields.FloatField(null=True)  # column adds to a full table), their clock time
    # Claimed once per level by the sweep (conditional update), so nobody is told twice.
    yellow_notified_at = fields.DatetimeField(null=True)
    red_notified_at = fields.DatetimeField(null=True)
    due_notified_at = fields.DatetimeField(null=True)
    resolution_note = fields.TextField(null=True)
    rating = fields.CharField(max_length=16, null=True)  # satisfied | basic | unsatisfied | default
    rating_comment = fields.TextField(null=True)
    rated_at = fields.DatetimeField(null=True)
    reopen_count = fields.IntField(default=0)
    merged_into: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="merged", null=True, on_delete=fields.RESTRICT
    )
    # The Open311 client that filed it (source "open311"): it may read it back, and its posts in
    # the last minute are what its rate limit counts.
    open311_client: fields.ForeignKeyNullableRelation[Open311Client] = fields.ForeignKeyField(
        "models.Open311Client", related_name="tickets", null=True, on_delete=fields.RESTRICT
    )

    class Meta:
        table = "ticket"
        indexes = (
            # The SLA sweep's indexes are partial (open and untold only): migration 0014.
            Index(fields=("unit_id", "status"), name="ticket_unit_status_idx"),
            Index(fields=("resident_id", "created_at"), name="ticket_resident_idx"),
            Index(fields=("open311_client_id", "created_at"), name="ticket_open311_client_idx"),
        )


class TicketEvent(Model):
    """One change of a ticket: the audit trail the assessment (考核) is computed from."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="events", on_delete=fields.CASCADE
    )
    created_at = fields.DatetimeField()
    actor_kind = fields.CharField(max_length=16)  # resident | staff | system
    actor_id = fields.BigIntField(null=True)
    actor_name = fields.CharField(max_length=64, null=True)
    actor_role = fields.CharField(max_length=16, null=True)
    action = fields.CharField(max_length=32)
    from_status = fields.CharField(max_length=16, null=True)
    to_status = fields.CharField(max_length=16, null=True)
    unit: fields.ForeignKeyNullableRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="events", null=True, on_delete=fields.RESTRICT
    )
    note = fields.TextField(null=True)
    data = fields.JSONField(default=dict)

    class Meta:
        table = "ticket_event"
        indexes = (Index(fields=("ticket_id", "created_at"), name="event_ticket_idx"),)


class Attachment(Model):
    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="attachments", on_delete=fields.CASCADE
    )
    kind = fields.CharField(max_length=16, default="report")  # report | resolution | reply
    channel = fields.CharField(max_length=16, default="telegram")
    file_id = fields.CharField(max_length=255)
    file_unique_id = fields.CharField(max_length=128, null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "attachment"


class TicketCounter(Model):
    """Per-prefix-and-day sequence for ticket numbers (YZ-20261123-0007)."""

    key = fields.CharField(max_length=32, primary_key=True)
    value = fields.IntField(default=0)

    class Meta:
        table = "ticket_counter"


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    DEAD = "dead"  # undeliverable (blocked by the user, chat gone): recorded, not retried


class Outbox(Model):
    """A message to send, written in the same transaction as the change that caused it.

    `ref` names a message that is edited in place (a ticket's card in a chat): the first row
    with a ref sends, later ones edit the message recorded in MessageRef.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=16, default="telegram")
    chat_id = fields.BigIntField()
    text = fields.TextField(null=True)
    buttons = fields.JSONField(null=True)  # [[{"text": ..., "data": ...}], ...]
    photo = fields.CharField(max_length=255, null=True)  # a file id to send as a photo
    # A file made by the bot (a /chart PNG, an /export workbook), uploaded as `file_kind`
    # ("photo" | "document") under `file_name`. Kept in the row, not on disk, so it commits with
    # whatever caused it and any instance can send it. Delivery clears it once the row is done.
    file_data = fields.BinaryField(null=True)
    file_name = fields.CharField(max_length=128, null=True)
    file_kind = fields.CharField(max_length=16, null=True)  # or "edit-only": see outbox.EDIT_ONLY
    ref = fields.CharField(max_length=64, null=True)
    reply_to_ref = fields.CharField(max_length=64, null=True)
    ticket: fields.ForeignKeyNullableRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="outbox", null=True, on_delete=fields.CASCADE
    )
    status = fields.CharEnumField(OutboxStatus, max_length=16, default=OutboxStatus.PENDING)
    attempts = fields.IntField(default=0)
    available_at = fields.DatetimeField()
    claimed_until = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()
    sent_at = fields.DatetimeField(null=True)
    message_id = fields.BigIntField(null=True)
    error = fields.TextField(null=True)

    class Meta:
        table = "outbox"
        indexes = (Index(fields=("status", "available_at"), name="outbox_due_idx"),)


class MessageRef(Model):
    """Where a message that is edited in place lives (e.g. a ticket's card in a group chat)."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16, default="telegram")
    chat_id = fields.BigIntField()
    ref = fields.CharField(max_length=64)
    message_id = fields.BigIntField()
    updated_at = fields.DatetimeField()

    class Meta:
        table = "message_ref"
        unique_together = (("channel", "chat_id", "ref"),)


class UpdateClaim(Model):
    """An update from the channel (Telegram's update_id) being handled or handled already.

    Telegram sends an update again when a webhook answers slowly, and long polling hands out
    again what a killed process never confirmed; with several instances the copy may reach
    another instance. The first to insert the row handles the update (bot/channels/claims.py);
    a copy waits while the claim is live and is dropped once `done_at` is set. A claim whose
    holder died (not done, `claimed_until` past) is taken over, so a crash mid-update loses
    nothing. Rows older than two days are pruned.
    """

    id = fields.BigIntField(primary_key=True)
    channel = fields.CharField(max_length=16, default="telegram")
    update_id = fields.BigIntField()
    claimed_until = fields.DatetimeField()
    done_at = fields.DatetimeField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "update_claim"
        unique_together = (("channel", "update_id"),)
        indexes = (Index(fields=("created_at",), name="update_claim_age_idx"),)


class Pending(Model):
    """A pending question: the bot asked one person something in one chat and waits for the
    answer (a resident's report in progress, a worker's reason for 办结, a 书面说明, a question
    a worker sent a resident). Kept across restarts; see bot/handlers/pending.py."""

    id = fields.IntField(primary_key=True)
    channel = fields.CharField(max_length=16, default="telegram")
    chat_id = fields.BigIntField()
    user_id = fields.BigIntField()  # the one person who may answer
    kind = fields.CharField(max_length=16)  # which feature's question: report | reason | explain | answer …
    subject = fields.CharField(max_length=32, default="")  # what it is about (a ticket's id), "" if nothing
    step = fields.CharField(max_length=32)
    data = fields.JSONField(default=dict)
    prompt_ref = fields.CharField(max_length=64, null=True)  # the message it was asked in (MessageRef.ref)
    created_at = fields.DatetimeField()
    updated_at = fields.DatetimeField()
    expires_at = fields.DatetimeField(null=True)  # when it stops waiting (then the person is told)

    class Meta:
        table = "pending"
        unique_together = (("channel", "chat_id", "user_id", "kind", "subject"),)
        indexes = (
            Index(fields=("expires_at",), name="pending_expiry_idx"),
            Index(fields=("channel", "chat_id", "prompt_ref"), name="pending_prompt_idx"),
        )


class Consultation(Model):
    """部门会商: a department the command centre called on for a ticket, and whether it leads."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="consultations", on_delete=fields.CASCADE
    )
    department: fields.ForeignKeyRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="consultations", on_delete=fields.RESTRICT
    )
    lead = fields.BooleanField(default=False)
    created_at = fields.DatetimeField()

    class Meta:
        table = "consultation"
        unique_together = (("ticket", "department"),)


class Explanation(Model):
    """书面说明: owed by the unit that held a ticket when it turned red (bot/sla/lights.py).

    One row per red light: `round` is the ticket's reopen_count then, so a reopened ticket that
    turns red again owes a new one. The text also goes into the history as an "explained" event.
    `pending` is true until it is explained or listed to the command centre as overdue; the
    sweep finds the overdue ones through (pending, due_at) and claims each with a conditional
    update of `pending`, so the listing goes out once whatever the number of instances.
    """

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="explanations", on_delete=fields.CASCADE
    )
    round = fields.IntField(default=0)
    unit: fields.ForeignKeyRelation[Unit] = fields.ForeignKeyField(
        "models.Unit", related_name="explanations", on_delete=fields.RESTRICT
    )
    red_at = fields.DatetimeField()  # when the red alert was claimed
    due_at = fields.DatetimeField()  # red_at + explanation_deadline_hours
    pending = fields.BooleanField(default=True)
    text = fields.TextField(null=True)
    explained_at = fields.DatetimeField(null=True)
    explained_by = fields.BigIntField(null=True)  # the staff member's user id
    explained_by_name = fields.CharField(max_length=64, null=True)
    listed_at = fields.DatetimeField(null=True)  # listed to the command centre as overdue

    class Meta:
        table = "explanation"
        unique_together = (("ticket", "round"),)
        indexes = (Index(fields=("pending", "due_at"), name="explanation_pending_idx"),)


class ScheduledRun(Model):
    """A periodic job's run claimed once across instances, e.g. key "daily_report:2026-03-09"."""

    key = fields.CharField(max_length=64, primary_key=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "scheduled_run"


class CategoryExample(Model):
    """Staff changed a ticket's category: the ticket's text with both categories, a labelled
    example the rules learn from (`gridbot rules suggest`, `gridbot rules train`, `export`).

    `source` says where: "card" (改类别 on a unit's card), "triage" (the command centre's triage
    card), "transfer" (a transfer to a department that handles one category). The latest example
    of a ticket is its label; earlier ones stay as history.
    """

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="category_examples", on_delete=fields.CASCADE
    )
    text = fields.TextField()
    from_category = fields.CharField(max_length=32)
    to_category = fields.CharField(max_length=32)
    source = fields.CharField(max_length=16)
    staff_user_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "category_example"
        indexes = (Index(fields=("created_at",), name="category_example_created_idx"),)


class UrgencyExample(Model):
    """Staff said a ticket is urgent, or is not (标为紧急 / 不算紧急 in the 改类别 picker): the
    ticket's text with the verdict, a labelled example the danger model is refitted on
    (`gridbot rules train-urgency`, `export`). `source` as in CategoryExample ("card", "triage");
    the latest example of a ticket is its label."""

    id = fields.IntField(primary_key=True)
    ticket: fields.ForeignKeyRelation[Ticket] = fields.ForeignKeyField(
        "models.Ticket", related_name="urgency_examples", on_delete=fields.CASCADE
    )
    text = fields.TextField()
    from_urgent = fields.BooleanField()
    to_urgent = fields.BooleanField()
    source = fields.CharField(max_length=16)
    staff_user_id = fields.BigIntField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "urgency_example"
        indexes = (Index(fields=("created_at",), name="urgency_example_created_idx"),)
