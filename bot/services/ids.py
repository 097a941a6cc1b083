"""Ids that arrive in button data are checked before they reach a query: a forged one may be
any string of digits, and PostgreSQL refuses integers past its column's range."""

MAX_ROW_ID = 2**31 - 1


def is_row_id(value: str | None) -> bool:
    return bool(value) and value.isdigit() and int(value) <= MAX_ROW_ID
