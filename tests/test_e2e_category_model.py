"""A report the rules cannot place, told the way the everyday messages tell such things, reaches the
grid under the category model's category (bot/nlp/category_model.py), and the card shows the
resident's words it read; with the model gone, the same report waits in triage as 其他."""

import dataclasses

from bot import texts
from bot.models import Status, Ticket
from bot.nlp import classify as classify_module
from bot.nlp.classify import label_of
from tests.e2e import COMMAND_CHAT, GRID_NHJ1_01_CHAT
from tests.test_e2e_intake import submit_report
from tests.test_e2e_workflow import card_in

# Invented. No rule word names a broken gate hinge; the shipped model (fitted on
# tests/everyday_messages.txt) reads it as a broken facility. If a rule ever learns it, the first
# assertion says so: pick another such report.
GATE = "南海街1号院小区门口的铁门合页断了一边，门歪着"


async def test_the_model_places_what_the_rules_cannot_and_the_grid_sees_why(harness):
    h = harness
    alone = classify_module.Classifier.from_files(category_model=False).classify(GATE)
    assert alone.category == "other" and alone.low_confidence  # the rules alone: triage
    number = await submit_report(h, h.resident(5550041, "居民甲"), GATE)
    ticket = await Ticket.get(number=number)
    assert ticket.category == "facility" and ticket.status == Status.ASSIGNED  # not left in triage
    card = await h.api.wait_for(card_in(h, GRID_NHJ1_01_CHAT, number, with_button=texts.BTN_ACCEPT))
    reason = card["text"].split(f"类别：{label_of('facility')}（依据：", 1)[1].split("）", 1)[0].split("、")
    # the resident's words the model read, then what chose: a resemblance, not a rule
    assert reason[-1] == classify_module.Classifier.default().rules.model.name
    assert reason[:-1] and all(part in GATE for part in reason[:-1])


async def test_without_the_model_the_same_report_waits_for_the_dispatcher(harness, monkeypatch):
    rules = classify_module.Classifier.default().rules
    monkeypatch.setattr(classify_module, "_default", classify_module.Classifier(
        dataclasses.replace(rules, model=None), classify_module.Classifier.default().urgency))
    h = harness
    number = await submit_report(h, h.resident(5550042, "居民乙"), GATE)
    ticket = await Ticket.get(number=number)
    assert ticket.category == "other" and ticket.status == Status.TRIAGE
    await h.api.wait_for(card_in(h, COMMAND_CHAT, number, with_button=texts.BTN_TRIAGE_CATEGORY))
