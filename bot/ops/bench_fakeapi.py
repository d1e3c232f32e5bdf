"""A light fake Telegram Bot API server for the bench (the test suite has a stricter one).

It answers the methods python-telegram-bot calls (`/bot<token>/<method>`, form or JSON
parameters, `{"ok": true, "result": ...}`), queues updates for `getUpdates` (long polling, an
offset confirms), keeps the bot's messages and their keyboards, and reports every call that
goes to a chat to `on_chat_call`, so a load generator can tell when a user has been answered.
HTTP/1.1 with keep-alive, as api.telegram.org, in threads on 127.0.0.1 and a free port.
"""

from __future__ import annotations

import itertools
import json
import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_ID = 7000000002
TOKEN = f"{BOT_ID}:AAH5fakeTokenForTheBench_0123456789ab"
BOT_USER = {"id": BOT_ID, "is_bot": True, "first_name": "KYC Helper", "username": "kyc_bench_bot",
            "can_join_groups": True, "can_read_all_group_messages": False,
            "supports_inline_queries": False}
_JSON_PARAMS = {"reply_markup", "commands", "allowed_updates", "scope", "link_preview_options",
                "reply_parameters", "entities"}
#: methods that are not chat calls even though some carry a chat_id
NOT_CHAT = {"answerCallbackQuery", "getUpdates", "getMe", "setMyCommands", "deleteWebhook",
            "getWebhookInfo", "setWebhook", "close", "logOut", "deleteMyCommands", "getChat"}
MAX_POLL_S = 2.0


@dataclass
class ChatCall:
    """A call the bot made to a chat: method, chat, when, and the keyboard it leaves."""

    method: str
    chat_id: int
    at: float
    message_id: int | None = None
    buttons: list[str] = field(default_factory=list)  # callback data, on the message it leaves


def keyboard_data(markup: Any) -> list[str]:
    if not isinstance(markup, dict):
        return []
    return [b["callback_data"] for row in markup.get("inline_keyboard", []) for b in row
            if isinstance(b, dict) and b.get("callback_data")]


class FakeBotApi:
    def __init__(self, on_chat_call: Callable[[ChatCall], None] | None = None) -> None:
        self.on_chat_call = on_chat_call
        self._cond = threading.Condition()
        self._updates: list[dict[str, Any]] = []
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._next_mid: dict[int, int] = {}
        self._messages: dict[tuple[int, int], dict[str, Any]] = {}
        self.counts: dict[str, int] = {}
        self.polls = 0
        self._closing = False
        self._server: ThreadingHTTPServer | None = None

    # -- lifecycle ---------------------------------------------------------------------------
    def start(self) -> FakeBotApi:
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        threading.Thread(target=self._server.serve_forever, kwargs={"poll_interval": 0.05},
                         daemon=True).start()
        return self

    def stop(self) -> None:
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # -- users -------------------------------------------------------------------------------
    def _chat(self, chat_id: int) -> dict[str, Any]:
        return {"id": chat_id, "type": "private", "first_name": f"User{chat_id}"}

    def _user(self, chat_id: int, lang: str) -> dict[str, Any]:
        return {"id": chat_id, "is_bot": False, "first_name": f"User{chat_id}",
                "language_code": lang}

    def _mid(self, chat_id: int) -> int:
        mid = self._next_mid.get(chat_id, 1)
        self._next_mid[chat_id] = mid + 1
        return mid

    def _push(self, payload: dict[str, Any]) -> None:
        with self._cond:
            self._updates.append({"update_id": next(self._update_ids), **payload})
            self._cond.notify_all()

    def send_text(self, chat_id: int, text: str, lang: str, forwarded: bool = False) -> None:
        """Queue a user's message for getUpdates."""
        self._push(self._text(chat_id, text, lang, forwarded))

    def text_update(self, chat_id: int, text: str, lang: str) -> dict[str, Any]:
        """A user's message as the update a webhook receives (nothing is queued)."""
        return {"update_id": next(self._update_ids), **self._text(chat_id, text, lang, False)}

    def _text(self, chat_id: int, text: str, lang: str, forwarded: bool) -> dict[str, Any]:
        with self._cond:
            mid = self._mid(chat_id)
        message: dict[str, Any] = {"message_id": mid, "date": int(time.time()),
                                   "chat": self._chat(chat_id), "from": self._user(chat_id, lang),
                                   "text": text}
        if text.startswith("/"):
            message["entities"] = [{"type": "bot_command", "offset": 0,
                                    "length": len(text.split()[0])}]
        if forwarded:
            message["forward_origin"] = {"type": "hidden_user", "sender_user_name": "Binance",
                                         "date": int(time.time())}
        return {"message": message}

    def press(self, chat_id: int, message_id: int, data: str, lang: str) -> bool:
        """Press the button with `data` on a bot message; False if that message is gone."""
        with self._cond:
            message = self._messages.get((chat_id, message_id))
            if message is None:
                return False
            message = json.loads(json.dumps(message))
        query = {"id": str(next(self._query_ids)), "from": self._user(chat_id, lang),
                 "chat_instance": f"ci-{chat_id}", "message": message, "data": data}
        self._push({"callback_query": query})
        return True

    # -- the API -----------------------------------------------------------------------------
    def call(self, method: str, params: dict[str, Any]) -> Any:
        with self._cond:
            self.counts[method] = self.counts.get(method, 0) + 1
        if method == "getUpdates":
            return self._get_updates(params)
        if method == "getMe":
            return BOT_USER
        if method == "getWebhookInfo":
            return {"url": "", "has_custom_certificate": False, "pending_update_count": 0}
        chat_id = params.get("chat_id")
        result: Any = True
        if chat_id is None or method in NOT_CHAT:
            return result
        chat_id = int(chat_id)
        call = ChatCall(method, chat_id, time.monotonic())
        markup = params.get("reply_markup")
        with self._cond:
            if method == "sendMessage":
                mid = self._mid(chat_id)
                result = {"message_id": mid, "date": int(time.time()), "chat": self._chat(chat_id),
                          "from": BOT_USER, "text": str(params.get("text", ""))}
                if markup:
                    result["reply_markup"] = markup
                self._messages[(chat_id, mid)] = result
                call.message_id, call.buttons = mid, keyboard_data(markup)
            elif method in ("editMessageText", "editMessageReplyMarkup"):
                mid = int(params.get("message_id") or 0)
                message = self._messages.get((chat_id, mid))
                if message is not None:
                    if method == "editMessageText":
                        message["text"] = str(params.get("text", ""))
                    if markup:
                        message["reply_markup"] = markup
                    else:
                        message.pop("reply_markup", None)
                    result = message
                call.message_id, call.buttons = mid, keyboard_data(markup)
            elif method == "deleteMessage":
                self._messages.pop((chat_id, int(params.get("message_id") or 0)), None)
        if self.on_chat_call is not None:
            self.on_chat_call(call)
        return result

    def _get_updates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        deadline = time.monotonic() + min(float(params.get("timeout") or 0), MAX_POLL_S)
        with self._cond:
            self.polls += 1
            if offset:
                self._updates = [u for u in self._updates if u["update_id"] >= offset]
            while True:
                pending = self._updates[:limit]
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0 or self._closing:
                    return pending
                self._cond.wait(remaining)


class _Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # the bot closing a connection while it stops is not news


def _decode(pairs: list[tuple[str, str]] | dict[str, Any]) -> dict[str, Any]:
    items = pairs.items() if isinstance(pairs, dict) else pairs
    out: dict[str, Any] = {}
    for key, value in items:
        if isinstance(value, str) and key in _JSON_PARAMS:
            value = json.loads(value)
        out[key] = value
    return out


def _handler(api: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:  # noqa: N802
            self._serve(b"")

        def do_POST(self) -> None:  # noqa: N802
            self._serve(self.rfile.read(int(self.headers.get("Content-Length") or 0)))

        def _serve(self, body: bytes) -> None:
            parts = urlsplit(self.path)
            m = re.fullmatch(r"/bot([^/]+)/(\w+)", parts.path)
            if m is None or m.group(1) != TOKEN:
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            if body and "json" in self.headers.get("Content-Type", ""):
                params = _decode(json.loads(body))
            else:
                params = _decode(parse_qsl(parts.query) + parse_qsl(body.decode()))
            self._reply(200, {"ok": True, "result": api.call(m.group(2), params)})

        def _reply(self, status: int, answer: dict[str, Any]) -> None:
            data = json.dumps(answer, separators=(",", ":")).encode()  # compact, as Telegram's
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler
