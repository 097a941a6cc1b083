"""Care work in the grid: 微心愿, households on a visit plan, their visits, vulnerable residents.

Kept apart from bot/models.py (the complaint workflow); the same Tortoise app, one migration
history. Personal details (a beneficiary, a household's name and note) live only here and are
shown only in private chats.
"""

from __future__ import annotations

from enum import StrEnum

from tortoise import fields
from tortoise.indexes import Index
from tortoise.models import Model


class WishStatus(StrEnum):
    OPEN = "open"
    CLAIMED = "claimed"
    DELIVERED = "delivered"
    THANKED = "thanked"


class Wish(Model):
    """A small wish of a resident in need, posted by the community, claimed by a volunteer."""

    id = fields.IntField(primary_key=True)
    community = fields.ForeignKeyField("models.Unit", related_name="wishes", on_delete=fields.RESTRICT)
    description = fields.CharField(max_length=500)
    beneficiary_note = fields.TextField(null=True)  # private: never published
    posted_by = fields.BigIntField()
    posted_by_name = fields.CharField(max_length=64)
    status = fields.CharEnumField(WishStatus, max_length=16, default=WishStatus.OPEN)
    claimed_by = fields.BigIntField(null=True)
    claimed_by_name = fields.CharField(max_length=64, null=True)
    delivery_photo = fields.CharField(max_length=255, null=True)
    thanks = fields.TextField(null=True)
    created_at = fields.DatetimeField()
    claimed_at = fields.DatetimeField(null=True)
    delivered_at = fields.DatetimeField(null=True)
    thanked_at = fields.DatetimeField(null=True)
    reminded_at = fields.DatetimeField(null=True)

    class Meta:
        table = "wish"
        indexes = (Index(fields=("status", "created_at"), name="wish_status_idx"),)


class CareLevel(StrEnum):
    KEY = "key"  # 重点户
    ORDINARY = "ordinary"  # 一般户
    SAFE = "safe"  # 放心户


class Household(Model):
    """A household a grid worker visits on a schedule set by its care level."""

    id = fields.IntField(primary_key=True)
    grid = fields.ForeignKeyField("models.Unit", related_name="households", on_delete=fields.RESTRICT)
    label = fields.CharField(max_length=100)  # private: how the worker knows it (门牌, 姓氏)
    care_level = fields.CharEnumField(CareLevel, max_length=16)
    note = fields.TextField(null=True)  # private
    created_at = fields.DatetimeField()
    last_visit_at = fields.DatetimeField(null=True)
    next_due_at = fields.DatetimeField()
    reminded_due_at = fields.DatetimeField(null=True)  # the due moment already reminded of
    active = fields.BooleanField(default=True)

    class Meta:
        table = "household"
        indexes = (Index(fields=("grid_id", "next_due_at"), name="household_due_idx"),)


class Visit(Model):
    id = fields.IntField(primary_key=True)
    household = fields.ForeignKeyField("models.Household", related_name="visits", on_delete=fields.CASCADE)
    staff_user_id = fields.BigIntField()
    staff_name = fields.CharField(max_length=64)
    note = fields.TextField(null=True)
    photo = fields.CharField(max_length=255, null=True)
    lat = fields.FloatField(null=True)
    lon = fields.FloatField(null=True)
    created_at = fields.DatetimeField()

    class Meta:
        table = "visit"


class VulnerableResident(Model):
    """A resident staff have marked as needing care (独居老人, 残疾人, 低保户 …): they get the
    persistent 需要帮助 button."""

    id = fields.IntField(primary_key=True)
    resident = fields.OneToOneField("models.Resident", related_name="care", on_delete=fields.CASCADE)
    kind = fields.CharField(max_length=32)
    grid = fields.ForeignKeyField("models.Unit", related_name="vulnerable_residents", on_delete=fields.RESTRICT)
    marked_by = fields.BigIntField()
    created_at = fields.DatetimeField()
    active = fields.BooleanField(default=True)

    class Meta:
        table = "vulnerable_resident"
