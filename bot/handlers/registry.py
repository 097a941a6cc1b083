"""What each feature handles, declared in one place, and the registry built from all of them.

A feature package (intake, workflow, sla, figures, care, …) declares a `Feature`: its button
actions, the conversation kinds it owns (a pending question and who answers it), the messages
it owns replies to (a ticket's card, a question sent to a resident), its commands and its
scheduled jobs. The router hands each message and press to the one owner; the scheduler runs
every declared job. Anything declared twice stops the bot at start-up, not in front of a user.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from bot.channels.port import Inbound
from bot.handlers.actions import Action, Actions, Handler
from bot.handlers.pending import PendingKind

PRIVATE_ONLY = "private"
GROUPS_ONLY = "group"
ANYWHERE = "any"

TEXT, PHOTO, LOCATION = "text", "photo", "location"


@dataclass(frozen=True)
class Command:
    """A /command. `run(rt, inbound)` answers it; `where` says in which chats it means anything."""

    name: str
    run: Callable[..., Awaitable[None]]
    where: str = ANYWHERE
    menu: str | None = None  # the words in the command menu residents see, if it belongs there


@dataclass(frozen=True)
class Job:
    """Work done on a schedule: `run(rt)` every `every` of the bot's clock (a fast demo clock
    runs it more often in real time). Each job claims its work in the database, so every
    instance may run every job."""

    name: str
    run: Callable[..., Awaitable[object]]
    every: dt.timedelta = dt.timedelta(minutes=1)


@dataclass(frozen=True)
class Conversation:
    """What a feature does with the answers to one kind of pending question
    (bot/handlers/pending.py: the kind, how long it waits, and who may answer each one).

    `take(rt, pending, inbound)` gets the answer. `accepts` is what may answer it: a message
    carrying something else gets `refuse` (a short reminder of what is wanted) and waits on.
    When its time is up it ends and `expired(rt, pending)` returns what to say. `not_an_answer`, when
    set, tells a message that is clearly something else (a new complaint while a question of a
    worker's waits): the person is asked once which it is, rather than guessed at."""

    kind: PendingKind
    take: Callable[..., Awaitable[None]]
    accepts: frozenset[str] = frozenset({TEXT})
    expired: Callable[..., Awaitable[list]] | None = None
    refuse: str | None = None
    not_an_answer: Callable[[Inbound], bool] | None = None


@dataclass(frozen=True)
class Replies:
    """Replies to messages the bot sent under a ref starting with `prefix` ("card:" a ticket's
    card, "ask:" a question sent to a resident). `take(rt, inbound, ref)` returns True when it
    took the reply."""

    prefix: str
    take: Callable[..., Awaitable[bool]]


@dataclass(frozen=True)
class Feature:
    name: str
    actions: Mapping[Action, Handler] = field(default_factory=dict)
    conversations: Sequence[Conversation] = ()
    replies: Sequence[Replies] = ()
    commands: Sequence[Command] = ()
    jobs: Sequence[Job] = ()
    # A private message no pending question takes (a resident's new report); a group message
    # likewise (most group talk is not for the bot: leave it None and it is ignored).
    private_message: Callable[..., Awaitable[None]] | None = None
    group_message: Callable[..., Awaitable[bool]] | None = None
    # Words that are buttons of a reply keyboard ("需要帮助"): in a private chat they mean the
    # button, whatever else waits.
    keyboard: Mapping[str, Callable[..., Awaitable[bool]]] = field(default_factory=dict)


@dataclass
class Registry:
    features: list[Feature] = field(default_factory=list)
    actions: Actions = field(default_factory=Actions)
    conversations: dict[str, Conversation] = field(default_factory=dict)
    replies: dict[str, Replies] = field(default_factory=dict)
    commands: dict[str, Command] = field(default_factory=dict)
    jobs: dict[str, Job] = field(default_factory=dict)
    private_message: Callable[..., Awaitable[None]] | None = None
    group_messages: list[Callable[..., Awaitable[bool]]] = field(default_factory=list)
    keyboard: dict[str, Callable[..., Awaitable[bool]]] = field(default_factory=dict)

    @classmethod
    def of(cls, features: Iterable[Feature]) -> Registry:
        registry = cls()
        owners: dict[tuple[str, str], str] = {}

        def claim(what: str, name: str, feature: Feature) -> None:
            if (what, name) in owners:
                raise ValueError(f"{what} {name!r} is declared by both {owners[what, name]} and {feature.name}")
            owners[what, name] = feature.name

        for feature in features:
            claim("feature", feature.name, feature)
            registry.features.append(feature)
            for action, handler in feature.actions.items():
                registry.actions.add(feature.name, action, handler)
            for conversation in feature.conversations:
                claim("conversation kind", conversation.kind.name, feature)
                registry.conversations[conversation.kind.name] = conversation
            for reply in feature.replies:
                claim("reply prefix", reply.prefix, feature)
                registry.replies[reply.prefix] = reply
            for command in feature.commands:
                claim("command", command.name, feature)
                registry.commands[command.name] = command
            for job in feature.jobs:
                claim("job", job.name, feature)
                registry.jobs[job.name] = job
            if feature.private_message is not None:
                claim("private messages", "", feature)
                registry.private_message = feature.private_message
            for words, taker in feature.keyboard.items():
                claim("keyboard words", words, feature)
                registry.keyboard[words] = taker
            if feature.group_message is not None:
                registry.group_messages.append(feature.group_message)
        return registry

    def replies_for(self, ref: str) -> Replies | None:
        return next((r for prefix, r in self.replies.items() if ref.startswith(prefix)), None)

    def menu(self) -> dict[str, str]:
        return {c.name: c.menu for c in self.commands.values() if c.menu}
