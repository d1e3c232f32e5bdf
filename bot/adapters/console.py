"""Console adapter: chat with the bot in a terminal, or feed it a script on stdin.

Buttons are shown as numbered options; typing the number presses the button. Console-only
commands: `/wait 25h` (or `/wait 10bd`, business days) moves this console's clock forward (follow-ups that come due are printed),
`/fwd TEXT` sends TEXT as a forwarded notice, a line with just `\"\"\"` starts and ends a pasted
multi-line notice, `/quit` leaves. With piped input each line is echoed, so stdout reads as a
transcript, and the program exits at the end of input.

The operator's commands are the same as an admin's on Telegram, answered by `bot.app.admin`:
`/reload` re-reads the knowledge folder (so does SIGHUP), `/report` gives the last week's
figures, `/unmatched` the messages the bot could not place.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys
import threading
from collections.abc import Callable, Coroutine
from datetime import datetime, timedelta
from typing import Any, TextIO

from bot.app.admin import ADMIN_COMMANDS, Admin
from bot.app.service import Service, utc_now
from bot.core.events import Button, ButtonPress, Command, Event, Reply, TextMessage
from bot.knowledge.model import KnowledgeBase
from bot.shared.durations import advance
from bot.shared.errors import ConfigError

log = logging.getLogger(__name__)

CHANNEL = "console"
PASTE = '"""'


class ConsoleClock:
    """The real clock, plus however far `/wait` has moved it."""

    def __init__(self, start: datetime | None = None) -> None:
        self.offset = (start - utc_now()) if start else timedelta()

    def __call__(self) -> datetime:
        return utc_now() + self.offset

    def advance(self, delta: timedelta) -> None:
        self.offset += delta


# -- the console ------------------------------------------------------------------------------


class Console:
    def __init__(
        self,
        service: Service,
        user: str,
        clock: ConsoleClock,
        out: TextIO,
        echo: bool,
        knowledge: str = "knowledge",
    ) -> None:
        self.service = service
        self.user = user
        self.clock = clock
        self.out = out
        self.echo = echo
        self._echo = ""  # input lines read and not echoed yet (piped input; see `run`)
        self.gone = False  # the output was closed (a pipe's reader left): nothing to show
        self.knowledge = knowledge
        self.options: list[Button] = []
        self._fresh_options = True  # the next buttons shown start a new numbering
        self._at_prompt = False
        self.admin = Admin(service, knowledge)
        service.register_sender(CHANNEL, self.deliver)

    def note(self, text: str) -> None:
        """Print a message from the console itself (not the bot's answer to the user)."""
        self._flush_echo()
        lines = text.splitlines() or [""]
        self.out.write(f"(console) {lines[0]}\n")
        for line in lines[1:]:
            self.out.write(f"          {line}\n" if line else "\n")
        self.out.flush()

    async def admin_command(self, name: str) -> None:
        """Answer an operator's command (`/reload`, `/report`, `/unmatched`; SIGHUP reloads)."""
        self.note(await self.admin.answer(name))

    def _flush_echo(self) -> None:
        """Print the input lines not echoed yet (see `run`)."""
        if self._echo:
            self.out.write(self._echo)
            self._echo = ""

    def print_replies(self, replies: list[Reply], prefix: str = "bot", mine: bool = True) -> None:
        """Print replies. The buttons of `mine` (answers to this user's latest input; the
        service sends one reply at a time) become 1, 2, ...; an answer without buttons makes
        numbers plain text again."""
        other: list[Button] = []
        if mine and replies and self._fresh_options:
            self.options, self._fresh_options = [], False
        out: list[str] = []  # written at once: a kill never leaves half a reply on the screen
        if self._echo:
            out.append(self._echo)
            self._echo = ""
        for reply in replies:
            lines = reply.text.splitlines() or [""]
            out.append(f"{prefix}: {lines[0]}\n")
            for line in lines[1:]:
                out.append(f"     {line}\n" if line else "\n")
            for row in reply.buttons:
                for button in row:
                    if not mine:
                        other.append(button)
                        out.append(f"     [{len(other)}] {button.label}\n")
                        continue
                    self.options.append(button)
                    out.append(f"     [{len(self.options)}] {button.label}\n")
        self.out.write("".join(out))
        self.out.flush()

    async def deliver(self, user_id: str, replies: list[Reply]) -> None:
        """Print replies (the service's sender); another console user's are shown with their name.
        Once the output is closed (piped into `head`), nothing can be shown: the replies count
        as delivered, and the console stops reading."""
        if self.gone:
            return
        try:
            self._deliver(user_id, replies)
        except BrokenPipeError:
            self.gone = True

    def _deliver(self, user_id: str, replies: list[Reply]) -> None:
        at_prompt = self._at_prompt
        if at_prompt:  # a follow-up arrived while the user was at the prompt
            self._at_prompt = False
            self._fresh_options = True
            if not self.echo:
                self.out.write("\n")
        if user_id == self.user:
            self.print_replies(replies)
        else:
            self.out.write(f"(follow-up for console user {user_id!r})\n")
            self.print_replies(replies, prefix=f"bot->{user_id}", mine=False)
        if at_prompt:  # show the prompt again
            self.prompt()
            self._at_prompt = True

    def event_for(self, line: str) -> Event | None:
        stripped = line.strip()
        if stripped.isascii() and stripped.isdigit() and 1 <= int(stripped) <= len(self.options):
            return ButtonPress(self.options[int(stripped) - 1].data)
        # any other number goes to the bot as text: it says when there is no such button
        if stripped.startswith("/fwd "):
            return TextMessage(stripped[5:], forwarded=True)
        if stripped.startswith("/") and len(stripped) > 1 and not stripped.startswith("//"):
            name, _, arg = stripped[1:].partition(" ")
            # ("/start@kyc_helper_bot", as Telegram sends a command in a group)
            return Command(name.partition("@")[0].lower(), arg.strip())
        return TextMessage(line)

    async def send(self, event: Event) -> None:
        """Run one turn; its replies are printed by `deliver` once committed."""
        await self.service.handle(CHANNEL, self.user, event)

    async def wait(self, arg: str) -> None:
        self._flush_echo()
        try:
            target = advance(self.clock(), arg)
        except ValueError as exc:
            self.out.write(f"(console) {exc} (or business days: 10bd)\n")
            return
        self.out.write(f"(console) moving the clock forward {arg.strip()}, to {target:%a %d %b %H:%M} UTC\n")
        # stop at each follow-up on the way, so it arrives on time rather than late
        while (due := await self.service.next_due(target)) is not None:
            self.clock.advance(max(due - self.clock(), timedelta()))
            # when each arrives: a day's reminders, passed in one jump, are not one burst
            self.out.write(f"(console) {self.clock():%a %d %b %H:%M} UTC\n")
            await self.service.run_due_followups()
        self.clock.advance(target - self.clock())

    def prompt(self, paste: bool = False) -> None:
        """In a terminal, show that it is the user's turn ("...>" while pasting)."""
        if not self.echo:
            self.out.write("...> " if paste else "you> ")
            self.out.flush()

    async def run(self, lines: asyncio.Queue[str | None]) -> None:
        await self.service.run_due_followups()
        paste: list[str] | None = None
        while True:
            self.prompt(paste is not None)
            self._at_prompt = True
            line = await lines.get()
            self._at_prompt = False
            if line is None or self.gone:
                break
            line = line.rstrip("\r\n")
            self._fresh_options = True  # buttons shown from now on are numbered from 1
            if self.echo:
                # printed with the turn's first reply (or the console's own note), once the turn
                # is stored: a kill before that leaves no line on the screen that the restarted
                # console cannot answer (a pasted notice's lines wait for the paste's turn)
                self._echo += f"you> {line}\n"
            if line.strip() == PASTE:
                if paste is None:
                    paste = []
                    continue
                text, paste = "\n".join(paste), None
                await self.send(TextMessage(text, forwarded=True))
                self._flush_echo()
                continue
            if paste is not None:
                paste.append(line)
                continue
            if line.strip() in ("/quit", "/exit"):
                break
            if line.strip().startswith("/wait"):
                await self.wait(line.strip()[5:])
                continue
            if line.strip()[1:] in ADMIN_COMMANDS and line.strip().startswith("/"):
                await self.admin_command(line.strip()[1:])
                continue
            event = self.event_for(line)
            if event is not None:
                await self.send(event)
            self._flush_echo()  # (a turn with no reply, or no turn)
            await self.service.run_due_followups()
        self._flush_echo()  # "/quit", or a paste the input ended inside


def _start_reader(stream: TextIO, queue: asyncio.Queue[str | None]) -> None:
    """Read lines in a daemon thread, so a blocked read never holds up exit."""
    loop = asyncio.get_running_loop()

    def pump() -> None:
        for line in iter(stream.readline, ""):
            loop.call_soon_threadsafe(queue.put_nowait, line)
        loop.call_soon_threadsafe(queue.put_nowait, None)

    threading.Thread(target=pump, name="console-stdin", daemon=True).start()


async def run_console(
    args: argparse.Namespace,
    stdin: TextIO | None = None,
    out: TextIO | None = None,
    kb: KnowledgeBase | None = None,
) -> int:
    """Chat over `stdin`/`out` until end of input; `kb` skips loading (tests)."""
    from bot.app.knowledge import load_knowledge

    stdin = stdin or sys.stdin
    out = out or sys.stdout
    start = None
    if getattr(args, "now", None):
        try:
            start = datetime.fromisoformat(args.now)
        except ValueError as exc:
            raise ConfigError(f"--now must be an ISO date and time, e.g. 2026-01-31T09:00+00:00: {exc}") from exc
        if start.tzinfo is None:
            raise ConfigError("--now needs a time zone, e.g. 2026-01-31T09:00+00:00")
    kb = kb or load_knowledge(args.knowledge)
    clock = ConsoleClock(start)
    service = await Service.open(kb, args.db, clock, measured=False)  # no /metrics to serve
    interactive = stdin.isatty()
    console = Console(
        service, args.user, clock, out, echo=not interactive, knowledge=str(args.knowledge)
    )
    if interactive:
        out.write(
            "kyc-helper console. Type a message, a number to press a button, /help, /wait 25h, "
            "/report, /unmatched, /reload, /quit.\n"
        )
        await console.send(Command("start"))
    queue: asyncio.Queue[str | None] = asyncio.Queue()
    stop = asyncio.Event()
    _start_reader(stdin, queue)
    poller = asyncio.create_task(service.run_scheduler(stop, interval=5.0)) if interactive else None
    reloads: set[asyncio.Task[Any]] = set()
    unhook = _on_hangup(lambda: _spawn(reloads, console.admin_command("reload")))
    try:
        await console.run(queue)
    finally:
        unhook()
        stop.set()
        if poller:
            await poller
        if reloads:
            await asyncio.gather(*reloads, return_exceptions=True)
        await service.close()
    return 0


def _spawn(tasks: set[asyncio.Task[Any]], coro: Coroutine[Any, Any, Any]) -> None:
    """Run `coro` in the background, keeping a reference until it is done."""
    task = asyncio.create_task(coro)
    tasks.add(task)
    task.add_done_callback(tasks.discard)


def _on_hangup(callback: Callable[[], None]) -> Callable[[], None]:
    """Call `callback` on SIGHUP where the platform has it; return what undoes that."""
    hup = getattr(signal, "SIGHUP", None)
    if hup is None:
        return lambda: None
    loop = asyncio.get_running_loop()
    try:
        loop.add_signal_handler(hup, callback)
    except (NotImplementedError, RuntimeError, ValueError):  # no signals here (not main thread)
        return lambda: None

    def remove() -> None:
        with contextlib.suppress(NotImplementedError, RuntimeError, ValueError):
            loop.remove_signal_handler(hup)

    return remove


def cmd_console(args: argparse.Namespace) -> int:
    return asyncio.run(run_console(args))
