"""Log lines carry no token, no webhook secret and no resident's phone number."""

import json
import logging

from bot.cli import JsonFormatter, RedactingFormatter


def record(msg, *args):
    return logging.LogRecord("gridbot.test", logging.INFO, __file__, 1, msg, args, None)


def test_phone_numbers_and_secrets_are_masked():
    fmt = RedactingFormatter("%(message)s", secrets=("123:SECRET",))
    line = fmt.format(record("resident 13812345678 wrote; token 123:SECRET; ticket YZ-20261123-0001"))
    assert "13812345678" not in line and "138****5678" in line
    assert "SECRET" not in line and "YZ-20261123-0001" in line  # ticket numbers are not phones


def test_json_lines_are_json_and_redacted():
    fmt = JsonFormatter(secrets=("tok",))
    entry = json.loads(fmt.format(record("call %s from %s", "tok", "15900001111")))
    assert entry["level"] == "INFO" and entry["logger"] == "gridbot.test"
    assert "tok" not in entry["message"] and "159****1111" in entry["message"]
