"""A fake Telegram Bot API server for end-to-end tests of the Telegram adapter.

It speaks the Bot API's HTTP shapes (`/bot<token>/<method>`, form or JSON parameters,
`{"ok": ..., "result"/"error_code"/"description"/"parameters"}` answers) for the methods
python-telegram-bot calls, keeps updates until a later `getUpdates` offset confirms them, checks
what real Telegram checks (HTML parse errors, 4096-character texts, 64-byte callback data,
unknown messages), records every call, and fails on demand per chat (403 blocked, 429 retry).

It runs `http.server` in a thread on 127.0.0.1 and a random port, so it is independent of the
event loop the bot under test runs in. Tests inject updates with `send_text`, `press`, ...
With a webhook set and `post_webhooks(to=...)` called, it posts updates to the bot the way
Telegram does: each until the bot answers 200 (retrying refused connections and errors), one
at a time per chat, chats in parallel.
"""

from __future__ import annotations

import asyncio
import html.parser
import itertools
import json
import re
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

BOT_ID = 7000000001
BOT_USERNAME = "kyc_helper_test_bot"
#: a well-formed token the fake server accepts; requests with any other token get 401
TOKEN = f"{BOT_ID}:AAH5fakeTokenForTests_0123456789abcdef"

JSON_PARAMS = {
    "reply_markup",
    "commands",
    "allowed_updates",
    "scope",
    "link_preview_options",
    "reply_parameters",
    "entities",
}
INT_PARAMS = {"chat_id", "message_id", "offset", "limit", "timeout", "user_id", "from_chat_id"}
HTML_TAGS = {
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "a", "code", "pre",
    "tg-spoiler", "tg-emoji", "blockquote", "span",
}  # fmt: skip
BLOCKED = "Forbidden: bot was blocked by the user"
NOT_MODIFIED = (
    "Bad Request: message is not modified: specified new message content and reply markup are "
    "exactly the same as a current content and reply markup of the message"
)



#: how long a test waits for the bot to poll or answer before it fails: long enough for a busy
#: machine (a wait ends as soon as what it waits for has happened)
WAIT_S = 20.0

class ApiError(Exception):
    """A Bot API error answer."""

    def __init__(self, code: int, description: str, retry_after: int | None = None) -> None:
        super().__init__(description)
        self.code = code
        self.description = description
        self.retry_after = retry_after

    def body(self) -> dict[str, Any]:
        body: dict[str, Any] = {
            "ok": False,
            "error_code": self.code,
            "description": self.description,
        }
        if self.retry_after is not None:
            body["parameters"] = {"retry_after": self.retry_after}
        return body


@dataclass
class Call:
    """One request the bot made: method, decoded parameters, when, and how it was answered."""

    method: str
    params: dict[str, Any]
    at: float
    ok: bool = True
    error: str | None = None

    @property
    def chat_id(self) -> int | None:
        value = self.params.get("chat_id")
        return int(value) if value is not None else None


@dataclass
class Failure:
    """Answer `times` calls of `method` to `chat_id` with an error (times=None: forever)."""

    chat_id: int
    method: str
    error: ApiError
    times: int | None = 1


@dataclass
class _State:
    updates: list[dict[str, Any]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    messages: dict[tuple[int, int], dict[str, Any]] = field(default_factory=dict)
    next_message_id: dict[int, int] = field(default_factory=dict)
    chats: dict[int, dict[str, Any]] = field(default_factory=dict)
    open_queries: set[str] = field(default_factory=set)
    failures: list[Failure] = field(default_factory=list)
    confirmed_offset: int = 0
    webhook_url: str = ""
    #: bumped by every getUpdates: a newer one ends an older one's wait with 409, as Telegram does
    polls: int = 0
    webhook_secret: str = ""
    posting: set[int] = field(default_factory=set)  # update ids being posted to the webhook
    posts: list[tuple[int, int]] = field(default_factory=list)  # (update_id, HTTP status or 0)
    commands: dict[str, list[dict[str, str]]] = field(default_factory=dict)
    #: the ids of the bot's messages in each chat, oldest first
    bot_messages: dict[int, list[int]] = field(default_factory=dict)


class _Server(ThreadingHTTPServer):
    request_queue_size = 256  # several bot instances connect at once under load


class _HtmlChecker(html.parser.HTMLParser):
    """Parse a message the way Telegram's HTML mode does; collect the visible text."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.stack: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag not in HTML_TAGS:
            raise ApiError(
                400, f'Bad Request: can\'t parse entities: Unsupported start tag "{tag}"'
            )
        self.stack.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if not self.stack or self.stack[-1] != tag:
            raise ApiError(400, f'Bad Request: can\'t parse entities: Unmatched end tag "{tag}"')
        self.stack.pop()

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def visible_text(text: str, parse_mode: str | None) -> str:
    """Return what the user would see for `text`, raising ApiError where Telegram would."""
    if (parse_mode or "").upper() != "HTML":
        return text
    if re.search(r"&(?!(?:lt|gt|amp|quot|#\d+|#x[0-9a-fA-F]+);)", text):
        raise ApiError(400, "Bad Request: can't parse entities: Unsupported HTML entity")
    checker = _HtmlChecker()
    checker.feed(text)
    checker.close()
    if checker.stack:
        raise ApiError(
            400, f'Bad Request: can\'t parse entities: Unclosed tag "{checker.stack[-1]}"'
        )
    return "".join(checker.parts)


def utf16_len(text: str) -> int:
    """Return the length Telegram counts: UTF-16 code units."""
    return len(text.encode("utf-16-le")) // 2


class FakeBotApi:
    """The fake server. Use as a context manager, or call `start()` and `stop()`."""

    def __init__(self, token: str = TOKEN, *, max_poll_seconds: float = 1.0) -> None:
        self.token = token
        self.max_poll_seconds = max_poll_seconds
        self.bot_user = {
            "id": int(token.partition(":")[0]),
            "is_bot": True,
            "first_name": "KYC Helper",
            "username": BOT_USERNAME,
            "can_join_groups": True,
            "can_read_all_group_messages": False,
            "supports_inline_queries": False,
            "can_connect_to_business": False,
            "has_main_web_app": False,
        }
        self._state = _State()
        self._cond = threading.Condition()
        self._update_ids = itertools.count(1)
        self._query_ids = itertools.count(1)
        self._closing = False
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None
        self._poster: threading.Thread | None = None

    # -- lifecycle -----------------------------------------------------------------------

    def start(self) -> FakeBotApi:
        """Listen on 127.0.0.1 and a free port, in a background thread."""
        handler = _make_handler(self)
        self._server = _Server(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        """Wake every long poll and stop listening."""
        with self._cond:
            self._closing = True
            self._cond.notify_all()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
        if self._poster is not None:
            self._poster.join(timeout=15)

    def __enter__(self) -> FakeBotApi:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        assert self._server is not None, "start() the server first"
        return int(self._server.server_address[1])

    @property
    def url(self) -> str:
        """Server root: the value for TELEGRAM_API_BASE_URL."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url(self) -> str:
        """The value for ApplicationBuilder.base_url."""
        return f"{self.url}/bot"

    # -- what the bot did ----------------------------------------------------------------

    @property
    def calls(self) -> list[Call]:
        with self._cond:
            return list(self._state.calls)

    def calls_to(self, method: str, chat_id: int | None = None) -> list[Call]:
        """Return the recorded calls of `method` (to `chat_id`, if given), oldest first."""
        return [
            c
            for c in self.calls
            if c.method == method and (chat_id is None or c.chat_id == chat_id)
        ]

    def sent(self, chat_id: int) -> list[Call]:
        """Return the replies Telegram accepted for `chat_id`, in order: new messages
        (sendMessage) and pressed messages edited into a reply (editMessageText)."""
        return [
            c
            for c in self.calls
            if c.ok and c.chat_id == chat_id and c.method in ("sendMessage", "editMessageText")
        ]

    def chat_calls(self, chat_id: int) -> list[Call]:
        """Return the calls that changed what `chat_id` shows (answering a button press does
        not: answerCallbackQuery is not a chat call)."""
        return [
            c for c in self.calls if c.chat_id == chat_id and c.method != "answerCallbackQuery"
        ]

    def sent_texts(self, chat_id: int) -> list[str]:
        """Return the visible texts of the replies delivered to `chat_id`."""
        return [c.params["_visible"] for c in self.sent(chat_id)]

    def message(self, chat_id: int, message_id: int) -> dict[str, Any] | None:
        with self._cond:
            return self._state.messages.get((chat_id, message_id))

    def commands(self, language_code: str = "") -> list[dict[str, str]]:
        with self._cond:
            return list(self._state.commands.get(language_code, []))

    @property
    def confirmed_offset(self) -> int:
        with self._cond:
            return self._state.confirmed_offset

    @property
    def last_update_id(self) -> int:
        with self._cond:
            return max((u["update_id"] for u in self._state.updates), default=0)

    async def wait_until(
        self, predicate: Callable[[], bool], timeout: float = WAIT_S, what: str = "condition"
    ) -> None:
        """Wait (without blocking the event loop) until `predicate()` holds."""
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise AssertionError(f"timed out after {timeout}s waiting for {what}")
            await asyncio.sleep(0.01)

    async def wait_for_messages(self, chat_id: int, count: int, timeout: float = WAIT_S) -> list[str]:
        """Wait until `count` messages were delivered to `chat_id`; return their visible texts."""
        await self.wait_until(
            lambda: len(self.sent(chat_id)) >= count,
            timeout,
            f"{count} messages to chat {chat_id} (got {self.sent_texts(chat_id)!r})",
        )
        return self.sent_texts(chat_id)

    async def wait_fetched(self, timeout: float = WAIT_S) -> None:
        """Wait until the bot has fetched (and confirmed) every injected update."""
        last = self.last_update_id
        await self.wait_until(lambda: self.confirmed_offset > last, timeout, "updates fetched")

    # -- failures ------------------------------------------------------------------------

    def fail(
        self,
        chat_id: int,
        method: str = "sendMessage",
        *,
        code: int = 403,
        description: str = BLOCKED,
        retry_after: int | None = None,
        times: int | None = 1,
    ) -> None:
        """Answer the next `times` calls of `method` to `chat_id` with an error."""
        if code == 429 and description == BLOCKED:
            description = f"Too Many Requests: retry after {retry_after}"
        with self._cond:
            self._state.failures.append(
                Failure(chat_id, method, ApiError(code, description, retry_after), times)
            )

    def block(self, chat_id: int) -> None:
        """Behave as if the user blocked the bot: every send to them is 403 from now on."""
        self.fail(chat_id, "sendMessage", times=None)

    def rate_limit(self, chat_id: int, retry_after: int = 1, times: int = 1) -> None:
        """Answer the next `times` sendMessage calls to `chat_id` with 429 retry_after."""
        self.fail(chat_id, "sendMessage", code=429, retry_after=retry_after, times=times)

    # -- what users do -------------------------------------------------------------------

    def user(self, user_id: int, language_code: str | None = "en") -> dict[str, Any]:
        user: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": f"User{user_id}"}
        if language_code:
            user["language_code"] = language_code
        return user

    def send_text(
        self,
        chat_id: int,
        text: str,
        *,
        language_code: str | None = "en",
        forward_origin: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Deliver a private text message (a command if it starts with /)."""
        message = self._user_message(chat_id, language_code)
        message["text"] = text
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        if forward_origin is not None:
            message["forward_origin"] = forward_origin
        return self._push({"message": message})

    def forward_text(
        self, chat_id: int, text: str, *, from_name: str = "Binance"
    ) -> dict[str, Any]:
        """Deliver a message the user forwarded from someone who hides their account."""
        origin = {"type": "hidden_user", "sender_user_name": from_name, "date": int(time.time())}
        return self.send_text(chat_id, text, forward_origin=origin)

    def send_photo(self, chat_id: int, caption: str | None = None) -> dict[str, Any]:
        """Deliver a photo (three sizes, as Telegram does)."""
        message = self._user_message(chat_id)
        message["photo"] = [
            {
                "file_id": f"photo-{chat_id}-{w}",
                "file_unique_id": f"u{chat_id}{w}",
                "width": w,
                "height": w * 3 // 4,
                "file_size": w * 100,
            }
            for w in (90, 320, 1280)
        ]
        if caption:
            message["caption"] = caption
        return self._push({"message": message})

    def send_document(self, chat_id: int, file_name: str = "passport.pdf") -> dict[str, Any]:
        message = self._user_message(chat_id)
        message["document"] = {
            "file_id": f"doc-{chat_id}",
            "file_unique_id": f"d{chat_id}",
            "file_name": file_name,
            "mime_type": "application/pdf",
        }
        return self._push({"message": message})

    def send_sticker(self, chat_id: int) -> dict[str, Any]:
        message = self._user_message(chat_id)
        message["sticker"] = {
            "file_id": f"sticker-{chat_id}",
            "file_unique_id": f"s{chat_id}",
            "type": "regular",
            "width": 512,
            "height": 512,
            "is_animated": False,
            "is_video": False,
        }
        return self._push({"message": message})

    def send_voice(self, chat_id: int) -> dict[str, Any]:
        message = self._user_message(chat_id)
        message["voice"] = {
            "file_id": f"voice-{chat_id}",
            "file_unique_id": f"v{chat_id}",
            "duration": 3,
        }
        return self._push({"message": message})

    def send_group_text(self, group_id: int, user_id: int, text: str) -> dict[str, Any]:
        """Deliver a message in a group the bot is a member of."""
        chat = {"id": group_id, "type": "group", "title": "Crypto friends"}
        with self._cond:
            self._state.chats[group_id] = chat
            message_id = self._next_id(group_id)
        message: dict[str, Any] = {
            "message_id": message_id,
            "date": int(time.time()),
            "chat": chat,
            "from": self.user(user_id),
            "text": text,
        }
        if text.startswith("/"):
            length = len(text.split()[0])
            message["entities"] = [{"type": "bot_command", "offset": 0, "length": length}]
        with self._cond:
            self._state.messages[(group_id, message_id)] = message
        return self._push({"message": message})

    def buttons(self, chat_id: int, message_id: int | None = None) -> list[dict[str, str]]:
        """Return the inline buttons (label `text`, `callback_data`) on a bot message (default: the last one with buttons)."""
        message = self._message_with_buttons(chat_id, message_id)
        if message is None:
            return []
        rows = message["reply_markup"]["inline_keyboard"]
        return [button for row in rows for button in row]

    def press(
        self,
        chat_id: int,
        label: str | None = None,
        *,
        data: str | None = None,
        message_id: int | None = None,
        language_code: str | None = "en",
    ) -> dict[str, Any]:
        """Press a button on a bot message, found by its label or data; fail if it is not there."""
        message = self._message_with_buttons(chat_id, message_id)
        if message is None:
            raise AssertionError(f"no message with buttons in chat {chat_id}")
        for button in self.buttons(chat_id, message["message_id"]):
            if (label is not None and button["text"] == label) or (
                data is not None and button.get("callback_data") == data
            ):
                break
        else:
            labels = [b["text"] for b in self.buttons(chat_id, message["message_id"])]
            raise AssertionError(f"no button {label or data!r} on the message; buttons: {labels}")
        query_id = str(next(self._query_ids))
        with self._cond:
            self._state.open_queries.add(query_id)
        query = {
            "id": query_id,
            "from": self.user(chat_id, language_code),
            "chat_instance": f"ci-{chat_id}",
            "message": json.loads(json.dumps(message)),
            "data": button["callback_data"],
        }
        return self._push({"callback_query": query})

    def _message_with_buttons(self, chat_id: int, message_id: int | None) -> dict[str, Any] | None:
        with self._cond:
            if message_id is not None:
                message = self._state.messages.get((chat_id, message_id))
                return message if message and message.get("reply_markup") else None
            for message_id in reversed(self._state.bot_messages.get(chat_id, [])):
                message = self._state.messages.get((chat_id, message_id))
                if message and message.get("reply_markup"):
                    return message
            return None

    def _user_message(self, chat_id: int, language_code: str | None = "en") -> dict[str, Any]:
        user = self.user(chat_id, language_code)
        chat = {"id": chat_id, "type": "private", "first_name": user["first_name"]}
        with self._cond:
            self._state.chats[chat_id] = chat
            message_id = self._next_id(chat_id)
        message = {"message_id": message_id, "date": int(time.time()), "chat": chat, "from": user}
        with self._cond:
            self._state.messages[(chat_id, message_id)] = message
        return message

    def _next_id(self, chat_id: int) -> int:
        value = self._state.next_message_id.get(chat_id, 1)
        self._state.next_message_id[chat_id] = value + 1
        return value

    def redeliver(self, update: dict[str, Any]) -> None:
        """Hand out an update again, as Telegram does when its delivery was not confirmed."""
        with self._cond:
            self._state.updates.append(json.loads(json.dumps(update)))
            self._state.updates.sort(key=lambda u: u["update_id"])
            self._state.confirmed_offset = min(self._state.confirmed_offset, update["update_id"])
            self._cond.notify_all()

    def _push(self, payload: dict[str, Any]) -> dict[str, Any]:
        update = {"update_id": next(self._update_ids), **payload}
        with self._cond:
            self._state.updates.append(update)
            self._cond.notify_all()
        return update

    # -- the Bot API -----------------------------------------------------------------------

    def handle(self, token: str, method: str, params: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        """Answer one API request: return the HTTP status and JSON body."""
        call = Call(method, params, time.monotonic())
        try:
            if token != self.token:
                raise ApiError(401, "Unauthorized")
            self._check_failures(call)
            impl = getattr(self, "_api_" + method, None)
            if impl is None:
                raise ApiError(404, "Not Found")
            result = impl(params)
        except ApiError as exc:
            call.ok, call.error = False, exc.description
            self._record(call)
            return exc.code, exc.body()
        self._record(call)
        return 200, {"ok": True, "result": result}

    def _record(self, call: Call) -> None:
        with self._cond:
            self._state.calls.append(call)

    def _check_failures(self, call: Call) -> None:
        with self._cond:
            for failure in self._state.failures:
                if failure.method == call.method and failure.chat_id == call.chat_id:
                    if failure.times is not None:
                        failure.times -= 1
                        if failure.times <= 0:
                            self._state.failures.remove(failure)
                    raise failure.error

    def _api_getMe(self, params: dict[str, Any]) -> dict[str, Any]:
        return self.bot_user

    def _api_deleteWebhook(self, params: dict[str, Any]) -> bool:
        with self._cond:
            self._state.webhook_url = ""
            if str(params.get("drop_pending_updates", "")).lower() == "true":
                self._state.updates.clear()
        return True

    def _api_setWebhook(self, params: dict[str, Any]) -> bool:
        url = str(params.get("url", ""))
        if url and not url.startswith("https://"):
            raise ApiError(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        with self._cond:
            self._state.webhook_url = url
            self._state.webhook_secret = str(params.get("secret_token", ""))
            self._cond.notify_all()
        return True

    # -- webhook delivery ----------------------------------------------------------------------

    def post_webhooks(self, to: str, *, connections: int = 8, retry_delay: float = 0.1) -> None:
        """Post updates to `to` (the bot's own listener: the https URL it registers is its
        proxy's) while a webhook is set, each until it is answered 200."""
        pool = ThreadPoolExecutor(connections, thread_name_prefix="fake-telegram-post")

        def chat_of(update: dict[str, Any]) -> int:
            message = update.get("message") or update.get("callback_query", {}).get("message")
            return int(message["chat"]["id"])

        def post(update: dict[str, Any]) -> None:
            request = urllib.request.Request(
                to,
                data=json.dumps(update).encode(),
                headers={
                    "Content-Type": "application/json",
                    "X-Telegram-Bot-Api-Secret-Token": self._state.webhook_secret,
                },
            )
            try:
                with urllib.request.urlopen(request, timeout=10) as response:
                    status = response.status
            except urllib.error.HTTPError as exc:
                status = exc.code
            except OSError:
                status = 0  # refused, reset: the bot is down
            with self._cond:
                self._state.posts.append((update["update_id"], status))
                self._state.posting.discard(update["update_id"])
                if status == 200:
                    self._state.updates = [
                        u for u in self._state.updates if u["update_id"] != update["update_id"]
                    ]
                self._cond.notify_all()
            if status != 200:
                time.sleep(retry_delay)

        def dispatch() -> None:
            while True:
                with self._cond:
                    if self._closing:
                        break
                    busy = {
                        chat_of(u) for u in self._state.updates
                        if u["update_id"] in self._state.posting
                    }  # fmt: skip
                    ready = []
                    if self._state.webhook_url:
                        for update in self._state.updates:  # oldest first, one per chat
                            chat = chat_of(update)
                            if chat not in busy:
                                busy.add(chat)
                                ready.append(update)
                    for update in ready:
                        self._state.posting.add(update["update_id"])
                    if not ready:
                        self._cond.wait(0.05)
                        continue
                for update in ready:
                    pool.submit(post, json.loads(json.dumps(update)))
            pool.shutdown(wait=True, cancel_futures=True)

        self._poster = threading.Thread(target=dispatch, name="fake-telegram-webhook", daemon=True)
        self._poster.start()

    @property
    def webhook_posts(self) -> list[tuple[int, int]]:
        """(update_id, HTTP status; 0 when the connection failed) of every webhook post."""
        with self._cond:
            return list(self._state.posts)

    @property
    def pending_updates(self) -> int:
        """Updates not yet confirmed (polling) or answered 200 (webhook)."""
        with self._cond:
            return len(self._state.updates)

    def _api_getWebhookInfo(self, params: dict[str, Any]) -> dict[str, Any]:
        with self._cond:
            return {"url": self._state.webhook_url, "has_custom_certificate": False,
                    "pending_update_count": len(self._state.updates)}  # fmt: skip

    def _api_getUpdates(self, params: dict[str, Any]) -> list[dict[str, Any]]:
        offset = int(params.get("offset") or 0)
        limit = int(params.get("limit") or 100)
        timeout = min(float(params.get("timeout") or 0), self.max_poll_seconds)
        deadline = time.monotonic() + timeout
        with self._cond:
            if self._state.webhook_url:
                raise ApiError(
                    409,
                    "Conflict: can't use getUpdates method while webhook is active; use "
                    "deleteWebhook to delete the webhook first",
                )
            if offset:
                self._state.updates = [u for u in self._state.updates if u["update_id"] >= offset]
                self._state.confirmed_offset = max(self._state.confirmed_offset, offset)
            self._state.polls += 1
            poll = self._state.polls
            self._cond.notify_all()
            while True:
                if self._state.polls != poll:
                    raise ApiError(
                        409,
                        "Conflict: terminated by other getUpdates request; make sure that only "
                        "one bot instance is running",
                    )
                pending = [u for u in self._state.updates if u["update_id"] >= offset][:limit]
                remaining = deadline - time.monotonic()
                if pending or remaining <= 0 or self._closing:
                    return json.loads(json.dumps(pending))
                self._cond.wait(remaining)

    def _api_setMyCommands(self, params: dict[str, Any]) -> bool:
        commands = params.get("commands") or []
        for command in commands:
            if not re.fullmatch(r"[a-z0-9_]{1,32}", command.get("command", "")):
                raise ApiError(400, "Bad Request: BOT_COMMAND_INVALID")
            if not 1 <= len(command.get("description", "")) <= 256:
                raise ApiError(400, "Bad Request: BOT_COMMAND_DESCRIPTION_INVALID")
        with self._cond:
            self._state.commands[str(params.get("language_code", ""))] = commands
        return True

    def _api_sendMessage(self, params: dict[str, Any]) -> dict[str, Any]:
        chat_id = int(params["chat_id"])
        text = str(params.get("text", ""))
        visible = visible_text(text, params.get("parse_mode"))
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(visible) > 4096:
            raise ApiError(400, "Bad Request: message is too long")
        markup = params.get("reply_markup")
        self._check_markup(markup)
        params["_visible"] = visible
        with self._cond:
            chat = self._state.chats.get(chat_id)
            if chat is None:
                raise ApiError(400, "Bad Request: chat not found")
            message: dict[str, Any] = {
                "message_id": self._next_id(chat_id),
                "date": int(time.time()),
                "chat": chat,
                "from": self.bot_user,
                "text": visible,
            }
            if markup:
                message["reply_markup"] = markup
            self._state.messages[(chat_id, message["message_id"])] = message
            self._state.bot_messages.setdefault(chat_id, []).append(message["message_id"])
            return json.loads(json.dumps(message))

    def _check_markup(self, markup: Any) -> None:
        if not markup:
            return
        for row in markup.get("inline_keyboard", []):
            for button in row:
                if not button.get("text"):
                    raise ApiError(
                        400, "Bad Request: text buttons are unallowed in the inline keyboard"
                    )
                data = button.get("callback_data")
                if data is not None and not 1 <= len(data.encode()) <= 64:
                    raise ApiError(400, "Bad Request: BUTTON_DATA_INVALID")

    def _api_editMessageReplyMarkup(self, params: dict[str, Any]) -> dict[str, Any]:
        key = (int(params["chat_id"]), int(params["message_id"]))
        markup = params.get("reply_markup") or None
        self._check_markup(markup)
        with self._cond:
            message = self._state.messages.get(key)
            if message is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            if (message.get("reply_markup") or None) == markup:
                raise ApiError(400, NOT_MODIFIED)
            if markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            return json.loads(json.dumps(message))

    def _api_editMessageText(self, params: dict[str, Any]) -> dict[str, Any]:
        """Replace a bot message's text and keyboard, refusing what Telegram refuses: an empty
        or too long text, bad HTML, a message that is not the bot's or is gone, no change."""
        chat_id = int(params["chat_id"])
        key = (chat_id, int(params["message_id"]))
        visible = visible_text(str(params.get("text", "")), params.get("parse_mode"))
        if not visible.strip():
            raise ApiError(400, "Bad Request: message text is empty")
        if utf16_len(visible) > 4096:
            raise ApiError(400, "Bad Request: MESSAGE_TOO_LONG")
        markup = params.get("reply_markup") or None
        self._check_markup(markup)
        params["_visible"] = visible
        with self._cond:
            message = self._state.messages.get(key)
            if message is None:
                raise ApiError(400, "Bad Request: message to edit not found")
            shown = self._state.bot_messages.get(chat_id, [])
            if key[1] not in shown:
                raise ApiError(400, "Bad Request: message can't be edited")
            if message.get("text") == visible and (message.get("reply_markup") or None) == markup:
                raise ApiError(400, NOT_MODIFIED)
            message["text"] = visible
            if markup:
                message["reply_markup"] = markup
            else:
                message.pop("reply_markup", None)
            message["edit_date"] = int(time.time())
            shown.remove(key[1])
            shown.append(key[1])  # the latest message shown, for `press` and `buttons`
            return json.loads(json.dumps(message))

    def _api_answerCallbackQuery(self, params: dict[str, Any]) -> bool:
        query_id = str(params.get("callback_query_id", ""))
        with self._cond:
            if query_id not in self._state.open_queries:
                raise ApiError(
                    400,
                    "Bad Request: query is too old and response timeout expired or query ID is invalid",
                )
            self._state.open_queries.discard(query_id)
        return True

    def _api_deleteMessage(self, params: dict[str, Any]) -> bool:
        key = (int(params["chat_id"]), int(params["message_id"]))
        with self._cond:
            if self._state.messages.pop(key, None) is None:
                raise ApiError(400, "Bad Request: message to delete not found")
        return True

    def _api_close(self, params: dict[str, Any]) -> bool:
        return True

    def _api_logOut(self, params: dict[str, Any]) -> bool:
        return True


def _decode_params(pairs: list[tuple[str, str]] | dict[str, Any]) -> dict[str, Any]:
    items = pairs.items() if isinstance(pairs, dict) else pairs
    params: dict[str, Any] = {}
    for key, value in items:
        if isinstance(value, str) and key in JSON_PARAMS:
            value = json.loads(value)
        elif isinstance(value, str) and key in INT_PARAMS and re.fullmatch(r"-?\d+", value):
            value = int(value)
        params[key] = value
    return params


def _make_handler(api: FakeBotApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:  # noqa: N802
            self._serve(b"")

        def do_POST(self) -> None:  # noqa: N802
            length = int(self.headers.get("Content-Length") or 0)
            self._serve(self.rfile.read(length))

        def _serve(self, body: bytes) -> None:
            parts = urlsplit(self.path)
            match = re.fullmatch(r"/bot([^/]+)/(\w+)", parts.path)
            if match is None:  # includes /file/bot<token>/...: the bot must never download
                api._record(Call("download", {"path": "[path]"}, time.monotonic(), ok=False))
                self._reply(404, {"ok": False, "error_code": 404, "description": "Not Found"})
                return
            pairs = parse_qsl(parts.query)
            content_type = self.headers.get("Content-Type", "")
            if body and "json" in content_type:
                params = _decode_params(json.loads(body))
            else:
                params = _decode_params(pairs + parse_qsl(body.decode()))
            status, answer = api.handle(match.group(1), match.group(2), params)
            self._reply(status, answer)

        def _reply(self, status: int, answer: dict[str, Any]) -> None:
            data = json.dumps(answer, separators=(",", ":")).encode()  # compact, as Telegram's
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the bot gave up on a long poll while it was stopping

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            pass

    return Handler


class WebhookPoster:
    """Telegram's side of webhook delivery: POST each update until an instance answers 200.

    An update that gets no answer (connection refused or reset, a timeout, an instance killed
    mid-request) or an error status is posted again after `retry_delay`, as Telegram does, so
    an update may reach the bot more than once and must be handled once.
    """

    def __init__(self, url: str, secret: str, *, retry_delay: float = 0.2, timeout: float = 20.0) -> None:
        import httpx

        self.url = url
        self.secret = secret
        self.retry_delay = retry_delay
        self._client = httpx.AsyncClient(
            timeout=timeout, limits=httpx.Limits(max_keepalive_connections=0)
        )
        self.posts = 0
        self.retries = 0

    async def post(self, update: dict[str, Any], deadline: float = 180.0) -> None:
        """Deliver one update; raise AssertionError if no instance took it by `deadline` s."""
        import httpx

        give_up = time.monotonic() + deadline
        while True:
            self.posts += 1
            try:
                response = await self._client.post(
                    self.url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": self.secret}
                )
                if response.status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            self.retries += 1
            if time.monotonic() > give_up:
                raise AssertionError(f"update {update['update_id']} not accepted in {deadline}s")
            await asyncio.sleep(self.retry_delay)

    async def close(self) -> None:
        await self._client.aclose()

