"""The end-to-end harness: the real bot (python-telegram-bot polling over HTTP) against the
loopback Bot API on 127.0.0.1, on a migrated database holding the sample district."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from bot.clock import Clock
from bot.config import Settings
from bot.models import ChatBinding, Outbox, OutboxStatus
from bot.runner import GridBot
from bot.runtime import Runtime
from bot.sandbox import LoopbackBotAPI
from bot.jurisdiction import routing
from bot.jurisdiction.load import load_jurisdiction_file

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "yingze.yaml"

# People and chats of examples/yingze.yaml
COMMAND_CHAT = -1001000000001
GRID_NHJ1_01_CHAT = -1001000000401  # 南海街一社区第一网格
GRID_NHJ1_02_CHAT = -1001000000402
COMMUNITY_NHJ1_CHAT = -1001000000301
WORKER_NHJ1_01 = 100101  # 张丽
WORKER_NHJ1_02 = 100201  # 刘红霞
COMMANDER = 900002  # 冯晓燕
# Inside the polygon of 南海街一社区第一网格
IN_NHJ1_01 = (37.8600, 112.5640)


@dataclass
class Harness:
    api: LoopbackBotAPI
    bot: GridBot
    rt: Runtime

    def resident(self, user_id: int = 5550001, name: str = "王秀兰"):
        return self.api.user(user_id, name)

    def staff(self, user_id: int, name: str = "工作人员"):
        return self.api.user(user_id, name)

    async def drain(self) -> None:
        await self.bot.delivery.drain()

    async def reply_to(self, user, text: str, *, predicate=lambda m: True, chat_id=None):
        """Send text and wait for the bot's answer in that chat."""
        await self.api.send_text(user, text, chat_id=chat_id)
        return await self.api.wait_for_bot_message(chat_id or user.id, predicate)

    async def undelivered(self) -> int:
        return await Outbox.filter(status__in=[OutboxStatus.PENDING, OutboxStatus.SENDING]).count()


async def start_harness(api: LoopbackBotAPI, db_url: str, *, clock: Clock | None = None,
                        web_server: bool = False, telegram_timeout: float = 5.0) -> Harness:
    """`web_server`: also the dashboard, Open311 and /metrics, on a free port (bot.web.base_url)."""
    await load_jurisdiction_file(EXAMPLE)
    routing.forget_gazetteer()
    for binding in await ChatBinding.all():
        api.add_chat(binding.chat_id, "supergroup", binding.title)
    settings = Settings(token=api.token, api_base_url=api.base_url, database_url=db_url, web_port=0,
                        telegram_timeout=telegram_timeout)
    rt = Runtime.from_settings(settings, clock=clock or Clock(), rate_limit=False)
    bot = GridBot(rt, web_server=web_server)
    await bot.start(open_database=False)
    return Harness(api=api, bot=bot, rt=rt)
