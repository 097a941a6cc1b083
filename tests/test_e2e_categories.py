"""One source for categories: the classifier's rule file. A district that adds a category there
gets reports of it filed, with the SLA file's default clocks until it writes its own."""

import pytest
import yaml

from bot.models import Ticket
from bot.nlp import classify
from bot.nlp.rulefiles import CATEGORIES_FILE
from bot.sla.policy import PolicyError, SlaPolicy
from tests.e2e import start_harness
from tests.test_e2e_intake import submit_report


def rules_with_pests(tmp_path):
    """The shipped rules plus a category of the district's own: 白蚁 and other pests (虫害)."""
    rules = yaml.safe_load(CATEGORIES_FILE.read_text(encoding="utf-8"))
    rules["categories"] = {"pests": {"label": "白蚁虫害", "keywords": {5: ["白蚁"], 3: ["蛀空", "虫害"]}},
                           **rules["categories"]}
    path = tmp_path / "categories.yaml"
    path.write_text(yaml.safe_dump(rules, allow_unicode=True, sort_keys=False), encoding="utf-8")
    return path


async def test_a_category_added_to_the_rule_file_is_filed_with_the_default_clocks(db, db_url, sandbox, tmp_path,
                                                                                  monkeypatch):
    district = classify.Classifier.from_files(rules_with_pests(tmp_path), weights=False)
    monkeypatch.setattr(classify, "_default", district)
    h = await start_harness(sandbox, db_url)
    try:
        number = await submit_report(h, h.resident(), "南海街1号院3号楼楼道里发现白蚁，木门都被蛀空了")
        ticket = await Ticket.get(number=number)
        assert ticket.category == "pests"
        assert ticket.due_workdays == 5  # sla.yaml's defaults: nothing written for it there
        assert (ticket.red_at - ticket.created_at).total_seconds() == 48 * 3600
    finally:
        await h.bot.stop()


def test_the_sla_file_is_checked_against_the_rule_files_categories():
    """A clock for a category the rule file does not have is a mistake: refused, named."""
    assert SlaPolicy.load().known == tuple(code for code, _ in classify.categories())
    with pytest.raises(PolicyError, match=r"categories\.safety: not a category of the rule file"):
        SlaPolicy.load(categories=("noise", "fumes", "other"))
