"""Telegram adapter: Telegram updates become engine events, replies become messages.

    Telegram --update--> receive (Poller | WebhookServer) --> handlers (on_message, on_callback)
        --event--> Service.commit (turn + replies in the outbox; the update is acknowledged)
        --> Service.deliver --> replies --render--> outbound (marked sent once accepted)
    Service scheduler --unsent replies, follow-ups--> replies (403 -> RecipientGone)

Modules, one job each:

    bot.py       TelegramBot: the Application, start-up checks, scheduler, reloads, stopping
    receive.py   updates fetched (getUpdates) or received (webhook), acknowledged after commit
    inbound.py   a Telegram message as engine events; log descriptions without user words
    handlers.py  the message, button and error handlers; admin commands; group chats
    replies.py   the service's sender: replies rendered and sent in order
    render.py    HTML text cut at Telegram's limit, inline keyboards
    outbound.py  one Bot API call with 429 waits, network retries, 403 -> RecipientGone
    menus.py     the command menus (everyone's, admins')
    service.py   what the adapter needs of the app layer's service
    cli.py       `python -m bot telegram`

It holds no dialogue logic and no wording: every text comes from the service's replies or from
`knowledge/`. Admin commands (`/reload`, `/report`, `/unmatched`) answer only users in
ADMIN_USER_IDS and appear only in their command menu; anyone else's goes to the engine like any
unknown command, so the answer gives nothing away. SIGHUP reloads the knowledge base too.
"""

import sys

# httpx (under python-telegram-bot) imports its command-line client with the package when
# `click` and `rich` are installed (development tools bring them), ~8 MB of modules the bot
# never runs; a None entry makes that import fail, and httpx then defines a stub instead.
sys.modules.setdefault("httpx._main", None)  # type: ignore[arg-type]

from bot.adapters.telegram.bot import TelegramBot  # noqa: E402
from bot.adapters.telegram.cli import cmd_telegram, start_telegram  # noqa: E402
from bot.adapters.telegram.render import TEXT_LIMIT, render, split_text, utf16_len  # noqa: E402

__all__ = [
    "TEXT_LIMIT", "TelegramBot", "cmd_telegram", "render", "split_text", "start_telegram",
    "utf16_len",
]  # fmt: skip
