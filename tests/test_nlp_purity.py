"""bot.nlp is pure: importing and using it pulls in no database, Telegram or network code."""

import subprocess
import sys

FORBIDDEN = ["telegram", "tortoise", "aiohttp", "asyncpg", "httpx", "bot.db", "bot.models", "bot.handlers",
             "bot.channels", "bot.messaging", "bot.intake", "bot.workflow", "bot.sla", "bot.figures", "bot.care",
             "bot.jurisdiction", "bot.web"]


def test_nlp_imports_nothing_impure():
    code = (
        "import sys\n"
        "from bot.nlp import classify, followups, pii, places, similarity, smalltalk, textin\n"
        "classify.classify('楼下油烟'); smalltalk.read('你好'); followups.question_left('noise', '太吵'); places.extract_places('幸福小区3栋'); similarity.similar('a', 'b'); pii.mask('我叫王秀兰，电话13800138000')\n"
        f"print([m for m in {FORBIDDEN!r} if any(k == m or k.startswith(m + '.') for k in sys.modules)])\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]", out.stdout + out.stderr
