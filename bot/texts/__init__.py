"""Every word a person reads, in one place (this package): short, plain Chinese.

Handlers and services never write Chinese sentences of their own; they pick one of these.
Templates use str.format with named fields.
"""

# One namespace, `texts.NAME`, whatever the module a sentence is kept in.
from bot.texts.residents import *  # noqa: F401,F403
from bot.texts.staff import *  # noqa: F401,F403
from bot.texts.care import *  # noqa: F401,F403
from bot.texts.sla import *  # noqa: F401,F403
from bot.texts.figures import *  # noqa: F401,F403
from bot.texts.system import *  # noqa: F401,F403
