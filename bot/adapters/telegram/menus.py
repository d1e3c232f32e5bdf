"""The bot's command menus: everyone's in each language, and each admin's with the admin
commands added (a chat-scoped menu only they see).

Descriptions come from `knowledge/` (`commands:` in messages.yaml, `admin_command_<name>`).
"""

from __future__ import annotations

import logging

from telegram import Bot, BotCommand, BotCommandScopeChat
from telegram.error import TelegramError

from bot.app.admin import ADMIN_COMMANDS, Admin
from bot.knowledge.contract import COMMANDS
from bot.knowledge.model import DEFAULT_LANG, KnowledgeBase

log = logging.getLogger(__name__)

COMMAND_DESCRIPTION_LIMIT = 256


async def publish_commands(
    bot: Bot, kb: KnowledgeBase, admin: Admin, admin_ids: frozenset[int]
) -> None:
    """Set the command menus: everyone's, and each admin's with the admin commands added."""
    texts = [*kb.commands.values()]
    texts += [kb.messages[f"admin_command_{name}"] for name in ADMIN_COMMANDS]
    langs = sorted({lang for text in texts for lang in text.by_lang} | {DEFAULT_LANG})
    # Chat scopes first: they matter only for admins, and a failure there (an admin who
    # never opened the bot: "chat not found") must not hold up everyone's menu.
    for admin_id in sorted(admin_ids):
        for lang in langs:
            menu = user_menu(kb, lang) + admin_menu(admin, lang)
            if not await _set_menu(bot, menu, lang, BotCommandScopeChat(admin_id)):
                break
    for lang in langs:
        await _set_menu(bot, user_menu(kb, lang), lang)


def user_menu(kb: KnowledgeBase, lang: str) -> list[BotCommand]:
    return [
        BotCommand(name, kb.commands[name].get(lang)) for name in COMMANDS if name in kb.commands
    ]


def admin_menu(admin: Admin, lang: str) -> list[BotCommand]:
    return [
        BotCommand(name, text[:COMMAND_DESCRIPTION_LIMIT]) for name, text in admin.menu(lang)
    ]


async def _set_menu(
    bot: Bot, commands: list[BotCommand], lang: str, scope: BotCommandScopeChat | None = None
) -> bool:
    """Set one command menu; log and return False if Telegram refuses it."""
    try:
        await bot.set_my_commands(
            commands, scope=scope, language_code=None if lang == DEFAULT_LANG else lang
        )
    except TelegramError as exc:
        where = f"admin chat {scope.chat_id}" if scope is not None else "everyone"
        log.warning("could not set the command menu (%s, %s): %s", where, lang, exc)
        return False
    return True
