"""The classifier on everyday messages it was never tuned on (tests/everyday_messages.txt):
colloquial, traditional and board-style texts of every category, each with the category a grid
officer would give it."""

from pathlib import Path

import pytest

from bot.nlp.classify import classify

CASES = [line.split(" ", 1) for line in
         (Path(__file__).parent / "everyday_messages.txt").read_text(encoding="utf-8").splitlines()
         if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("category, text", CASES, ids=[text[:12] for _, text in CASES])
def test_an_everyday_message_gets_the_category_a_grid_officer_would_give(category, text):
    assert classify(text).category == category, classify(text)


def test_every_category_is_among_the_everyday_messages():
    from bot.nlp.classify import categories
    assert {code for code, _ in categories()} <= {category for category, _ in CASES}


DANGERS = [line.split(" ", 1) for line in
           (Path(__file__).parent / "everyday_dangers.txt").read_text(encoding="utf-8").splitlines()
           if line.strip() and not line.startswith("#")]


@pytest.mark.parametrize("urgent, text", DANGERS, ids=[text[:12] for _, text in DANGERS])
def test_a_present_danger_is_urgent_and_a_fear_or_a_past_one_is_not(urgent, text):
    assert classify(text).urgent == (urgent == "1"), classify(text)
