"""The Bot API methods the bot calls to talk: send, edit, delete, answer buttons, read files,
chats and commands, each checked and answered as Telegram does (its error texts included).
Updates (getUpdates, webhooks) are in delivery.py."""

from __future__ import annotations

import copy
import json
import re

from bot.sandbox.faults import FaultInjection
from bot.sandbox.formatting import check_text_length, formatted
from bot.sandbox.keyboards import inline_keyboard, parse_markup
from bot.sandbox.state import StoredMessage
from bot.sandbox.wire import (
    MAX_DOWNLOAD_BYTES,
    MAX_UPLOAD_BYTES,
    BotAPIError,
    JSONDict,
    Upload,
    api_method,
    bad,
    param_bool,
    param_float,
    param_int,
    param_json,
    param_str,
)

CHAT_ACTIONS = frozenset(
    {
        "typing", "upload_photo", "record_video", "upload_video", "record_voice",
        "upload_voice", "upload_document", "choose_sticker", "find_location",
        "record_video_note", "upload_video_note",
    }
)


class BotMethods(FaultInjection):
    """The methods that change or read the chats (a blocked chat answers 403: faults.py)."""

    # -- chat and message resolution -------------------------------------------------------

    def _chat(self, params: JSONDict, *, for_send: bool = True) -> JSONDict:
        """Resolve chat_id (id or @username); 403 for blocked chats when sending or editing."""
        raw = params.get("chat_id")
        if raw is None or raw == "":
            raise bad("chat_id is empty")
        chat: JSONDict | None = None
        if isinstance(raw, str) and raw.startswith("@"):
            chat = next((c for c in self._chats.values() if c.get("username") == raw[1:]), None)
        else:
            chat_id = param_int(params, "chat_id")
            chat = self._chats.get(chat_id) if chat_id is not None else None
            if chat is None and chat_id in self._users:
                chat = self._private_chat(self._users[chat_id])
        if chat is None:
            raise bad("chat not found")
        if for_send and chat["id"] in self._blocked:
            raise BotAPIError(403, self._blocked[chat["id"]])
        return chat

    def _reply_target(self, chat: JSONDict, params: JSONDict) -> StoredMessage | None:
        """reply_parameters (PTB 20+) or the older reply_to_message_id."""
        reply = param_json(params, "reply_parameters")
        if isinstance(reply, dict):
            message_id, lenient = reply.get("message_id"), bool(reply.get("allow_sending_without_reply"))
        else:
            message_id = param_int(params, "reply_to_message_id")
            lenient = param_bool(params, "allow_sending_without_reply")
        if message_id is None:
            return None
        target = self._messages.get(chat["id"], {}).get(int(message_id))
        if target is None or target.deleted:
            if lenient:
                return None
            raise bad("message to be replied not found")
        return target

    def _bot_send(self, chat: JSONDict, params: JSONDict, content: JSONDict) -> JSONDict:
        """Store a bot message with its markup and reply; the result Telegram returns."""
        markup = parse_markup(params.get("reply_markup"))
        target = self._reply_target(chat, params)
        message = self._new_message(chat, self.bot_user, target)
        message.update({key: value for key, value in content.items() if value not in (None, [])})
        stored = StoredMessage(message, from_bot=True)
        if markup and markup[0] == "inline" and markup[1]["inline_keyboard"]:
            message["reply_markup"] = markup[1]
        elif markup and markup[0] in ("reply", "remove", "force"):
            stored.reply_keyboard = markup[1]
        self._store(stored)
        return copy.deepcopy(message)

    def _editable(self, params: JSONDict) -> StoredMessage:
        if params.get("inline_message_id"):
            raise bad("MESSAGE_ID_INVALID")
        chat = self._chat(params)
        message_id = param_int(params, "message_id")
        if message_id is None:
            raise bad("message identifier is not specified")
        stored = self._messages.get(chat["id"], {}).get(message_id)
        if stored is None or stored.deleted:
            raise bad("message to edit not found")
        if not stored.from_bot:
            raise bad("message can't be edited")
        return stored

    def _apply_edit(self, stored: StoredMessage, changes: JSONDict) -> JSONDict:
        """Apply an edit (None removes a field) unless nothing changes - Telegram's 400."""
        message = stored.message
        if all(message.get(key) == (value or None) for key, value in changes.items()):
            raise bad(
                "message is not modified: specified new message content and reply markup are "
                "exactly the same as a current content and reply markup of the message"
            )
        before = {key: copy.deepcopy(message.get(key)) for key in changes}
        before["edit_date"] = message.get("edit_date", message["date"])
        stored.history.append(before)
        for key, value in changes.items():
            if value:
                message[key] = value
            else:
                message.pop(key, None)
        message["edit_date"] = int(self._now())
        chat_id = message["chat"]["id"]
        self._notify({"type": "edit", "chat_id": chat_id, "message": stored.snapshot()})
        return copy.deepcopy(message)

    # -- the methods -----------------------------------------------------------------------

    @api_method("getMe")
    async def _get_me(self, params: JSONDict) -> JSONDict:
        return {
            **self.bot_user,
            "can_join_groups": True,
            "can_read_all_group_messages": not self.group_privacy,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }

    @api_method("logOut")
    async def _log_out(self, params: JSONDict) -> bool:
        return True

    @api_method("close")
    async def _close(self, params: JSONDict) -> bool:
        return True

    @api_method("sendMessage")
    async def _send_message(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params)
        text, entities = formatted(params, "text", "entities")
        check_text_length(text)
        return self._bot_send(chat, params, {"text": text, "entities": entities})

    @api_method("sendPhoto")
    async def _send_photo(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params)
        caption, entities = formatted(params, "caption", "caption_entities")
        check_text_length(caption, caption=True)
        photo = self._files.input_photo(params)
        return self._bot_send(chat, params, {"photo": photo, "caption": caption, "caption_entities": entities})

    @api_method("sendDocument")
    async def _send_document(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params)
        caption, entities = formatted(params, "caption", "caption_entities")
        check_text_length(caption, caption=True)
        value = params.get("document")
        if isinstance(value, Upload):
            if len(value.data) > MAX_UPLOAD_BYTES:
                raise bad("file is too big")
            name, mime = value.filename or "file", value.content_type or "application/octet-stream"
            stored = self._files.add_document(value.data, name, mime)
        elif isinstance(value, str) and value in self._files.by_id:
            stored = self._files.by_id[value]
            name, mime = stored.name or "file", stored.mime or "application/octet-stream"
        else:
            raise bad("wrong file identifier/HTTP URL specified")
        document = {
            "file_id": stored.file_id, "file_unique_id": stored.file_unique_id,
            "file_name": name, "mime_type": mime, "file_size": len(stored.data),
        }
        return self._bot_send(chat, params, {"document": document, "caption": caption, "caption_entities": entities})

    @api_method("sendLocation")
    async def _send_location(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params)
        latitude, longitude = param_float(params, "latitude"), param_float(params, "longitude")
        if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
            raise bad("wrong latitude or longitude")
        location: JSONDict = {"latitude": latitude, "longitude": longitude}
        if params.get("horizontal_accuracy") not in (None, ""):
            location["horizontal_accuracy"] = param_float(params, "horizontal_accuracy")
        return self._bot_send(chat, params, {"location": location})

    @api_method("sendChatAction")
    async def _send_chat_action(self, params: JSONDict) -> bool:
        chat = self._chat(params)
        action = param_str(params, "action")
        if action not in CHAT_ACTIONS:
            raise bad("wrong parameter action in request")
        self._notify({"type": "chat_action", "chat_id": chat["id"], "action": action})
        return True

    @api_method("editMessageText")
    async def _edit_message_text(self, params: JSONDict) -> JSONDict:
        stored = self._editable(params)
        if "text" not in stored.message:
            raise bad("there is no text in the message to edit")
        text, entities = formatted(params, "text", "entities")
        check_text_length(text)
        markup = parse_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(stored, {"text": text, "entities": entities, "reply_markup": inline_keyboard(markup)})

    @api_method("editMessageCaption")
    async def _edit_message_caption(self, params: JSONDict) -> JSONDict:
        stored = self._editable(params)
        if not any(key in stored.message for key in ("photo", "document")):
            raise bad("there is no caption in the message to edit")
        caption, entities = formatted(params, "caption", "caption_entities")
        check_text_length(caption, caption=True)
        markup = parse_markup(params.get("reply_markup"), inline_only=True)
        changes = {"caption": caption, "caption_entities": entities, "reply_markup": inline_keyboard(markup)}
        return self._apply_edit(stored, changes)

    @api_method("editMessageReplyMarkup")
    async def _edit_message_reply_markup(self, params: JSONDict) -> JSONDict:
        stored = self._editable(params)
        markup = parse_markup(params.get("reply_markup"), inline_only=True)
        return self._apply_edit(stored, {"reply_markup": inline_keyboard(markup)})

    @api_method("deleteMessage")
    async def _delete_message(self, params: JSONDict) -> bool:
        chat = self._chat(params)
        message_id = param_int(params, "message_id", required=True)
        stored = self._messages.get(chat["id"], {}).get(message_id)
        if stored is None or stored.deleted:
            raise bad("message to delete not found")
        stored.deleted = True
        self._notify({"type": "delete", "chat_id": chat["id"], "message_id": message_id})
        return True

    @api_method("answerCallbackQuery")
    async def _answer_callback_query(self, params: JSONDict) -> bool:
        query_id = param_str(params, "callback_query_id")
        if query_id not in self._callbacks or query_id in self._callback_answers:
            raise bad("query is too old and response timeout expired or query ID is invalid")
        text = param_str(params, "text")
        if text is not None and len(text) > 200:
            raise bad("MESSAGE_TOO_LONG")
        answer: JSONDict = {"callback_query_id": query_id, "show_alert": param_bool(params, "show_alert")}
        if text is not None:
            answer["text"] = text
        if params.get("url"):
            answer["url"] = param_str(params, "url")
        if params.get("cache_time") not in (None, ""):
            answer["cache_time"] = param_int(params, "cache_time")
        self._callback_answers[query_id] = answer
        chat_id = self._callbacks[query_id]["message"]["chat"]["id"]
        self._notify({"type": "callback_answer", "chat_id": chat_id, "answer": dict(answer)})
        return True

    @api_method("getFile")
    async def _get_file(self, params: JSONDict) -> JSONDict:
        stored = self._files.by_id.get(param_str(params, "file_id") or "")
        if stored is None:
            raise bad("invalid file_id")
        if len(stored.data) > MAX_DOWNLOAD_BYTES:
            raise bad("file is too big")
        return stored.file_object()

    @api_method("getChat")
    async def _get_chat(self, params: JSONDict) -> JSONDict:
        chat = self._chat(params, for_send=False)
        info = {
            **chat,
            "accent_color_id": 0,
            "max_reaction_count": 11,
            "accepted_gift_types": {
                "unlimited_gifts": False, "limited_gifts": False, "unique_gifts": False,
                "premium_subscription": False, "gifts_from_channels": False,
            },
        }
        user = self._users.get(chat["id"]) if chat["type"] == "private" else None
        if user and user.last_name:
            info["last_name"] = user.last_name
        return info

    @api_method("setMyCommands")
    async def _set_my_commands(self, params: JSONDict) -> bool:
        commands = param_json(params, "commands")
        if not isinstance(commands, list):
            raise bad("can't parse commands JSON object")
        for command in commands:
            if not isinstance(command, dict) or not re.fullmatch(r"[a-z0-9_]{1,32}", str(command.get("command", ""))):
                raise bad("BOT_COMMAND_INVALID")
            if not 1 <= len(str(command.get("description", ""))) <= 256:
                raise bad("BOT_COMMAND_DESCRIPTION_INVALID")
        self.commands[self._commands_key(params)] = [
            {"command": c["command"], "description": c["description"]} for c in commands
        ]
        return True

    @api_method("getMyCommands")
    async def _get_my_commands(self, params: JSONDict) -> list[JSONDict]:
        return copy.deepcopy(self.commands.get(self._commands_key(params), []))

    @api_method("deleteMyCommands")
    async def _delete_my_commands(self, params: JSONDict) -> bool:
        self.commands.pop(self._commands_key(params), None)
        return True

    @staticmethod
    def _commands_key(params: JSONDict) -> tuple[str, str]:
        scope = param_json(params, "scope") or {"type": "default"}
        return json.dumps(scope, sort_keys=True), param_str(params, "language_code") or ""
