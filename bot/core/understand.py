"""What a typed message means for the dialogue, in any state: a button's number or label, how
many times it failed, an intent ("it passed", "i resubmitted it yesterday", "got rejected again,
same thing"), personal data handed over, or a description / forwarded notice for the matcher.

Personal data gets a warning (a password: change it now and turn on 2FA). A message that only
hands data over ("my name is John Smith, DOB ...") changes nothing else: the conversation goes
on where it was. A message that uses data to describe a problem ("the account says Jon, the
passport says John") is masked and understood like any other.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Collection
from dataclasses import replace
from datetime import timedelta

from rapidfuzz import utils

from bot.core import buttons, commands, fix, followups, journal, language, zones
from bot.core import case as case_rules
from bot.core.state import (
    AWAITING_NOTICE,
    CHOOSING,
    CONFIRM_FORGET,
    FIX,
    FIXING,
    IDLE,
    LOCK_RISK,
    MANUAL_REVIEW,
    PASSED,
    RESTART,
    RESUBMITTED,
    Case,
    iso,
    parse_iso,
)
from bot.core.turn import Turn
from bot.knowledge.model import DEFAULT_LANG, Step
from bot.understanding.matcher import Match, MatchResult
from bot.understanding.redact import Finding, find_sensitive, greeting_words, redact
from bot.understanding.text import clean, ends_asking, is_han, without_emails

_CONTROL = re.compile(
    r"[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]"
)


def clean_text(text: str) -> str:
    """Drop control and direction-override characters; normalise unicode."""
    return _CONTROL.sub(" ", unicodedata.normalize("NFKC", text)).strip()


def on_text(t: Turn, raw: str, forwarded: bool) -> None:
    text = clean_text(raw)
    if not text or not any(ch.isalnum() for ch in text):
        wordless(t, text)
        return
    limit = t.policy.max_message_chars
    too_long = len(text) > limit
    if too_long:
        text = text[:limit]
    # a pasted notice is the app's language too (an e-mail or in-app notice cannot be forwarded),
    # but the user's own Russian or Chinese words around English ones are theirs ("提示 Your age
    # does not meet the service requirements，我今年17岁")
    pasted = not forwarded and t.engine.matcher.has_marker(text)  # (any language's "Reason:")
    t.said_lang = language.detect(t, text)
    own = "" if forwarded else _own_words(text)
    if own and language.detect(t, text) == "en":
        language.observe(t, own, False)
    elif not forwarded and (mine := _own_part(t, text)):
        language.observe(t, mine, False)  # "what does this mean: 您提交的证件已过期"
    else:
        # (a pasted notice speaks for the user only until they have written or chosen: then
        # their own sentence with a "原因：" in it counts towards offering its language)
        language.observe(t, text, forwarded or (pasted and t.state.lang_how not in (
            language.WRITTEN, language.CHOSEN)))
    if not forwarded:  # ("Мою верифікацію відхилено": answered in Russian)
        language.nearest(t, text, t.said_lang)
    if too_long:  # said in the language of what was read
        t.reply("too_long", limit=limit)
    if not forwarded and t.engine.distressed(text):
        t.reply("crisis", [t.btn("reasons", "L")])  # care first; the rest is still read below
    if not forwarded and stands_for_file(t, text):
        attachment(t, "typed")  # "[photo]", "<image attached>", "IMG_0912.jpg": no file came
        return
    if not forwarded and any(stands_for_file(t, c) for c in _clauses(t, text)[1:]):
        # "can you verify me yourself? here is my passport photo": where documents go comes
        # first; the rest of the message is still read
        attachment(t, "offered", buttons=False)
    t.first_submission = t.engine.says(text, "first_submission")
    findings = personal_data(t, text)
    if findings:
        warn_personal_data(t, findings)
        if not forwarded and only_personal_data(t, text, findings):
            resume(t)  # nothing to act on: carry on where we were
            return
    if links := t.engine.unofficial_links(text):
        # "is https://binance-kyc.top real?": not binance.com, whatever else it says
        t.reply("link_unofficial", *t.role_rows("safety"))
        rest = " ".join(text[e:s] for (_, e), (s, _) in zip([(0, 0), *links], [*links, (len(text), 0)], strict=True))
        rest = rest.replace("<", " ")  # (a tag the link was cut out of: "<iframe src=...>")
        if not forwarded and _match(t, rest).top is None:
            resume(t)  # nothing else to act on ("is this real?"): carry on where we were
            return
    # the text is read as written (in memory only); anything logged is masked first
    if not forwarded and (buttons.typed_number(t, text) or buttons.typed_label(t, text)):
        return
    told = None if forwarded else _pass_undone(t, text)
    if told is not None and case_rules.undo_pass(t, told=told) and not told:
        return  # "I pressed the wrong button": asked how it went (else the rejection is read on)
    if (not forwarded and len(text) <= 40 and "z|UTC" in t.state.last_buttons
            and (zones.parse_zone(text, t.kb.languages, t.policy.zone_places)
                 or _match(t, text).top is None)):
        # "Moscow" right after "send /timezone with its name"; a place it does not know ("Port
        # Harcourt") is told how to write the zone, not taken for a question off the topic
        commands.set_zone(t, text.strip())
        return
    if t.state.phase == CONFIRM_FORGET:
        # a typed yes ("yes", "да", "是的，全部删除", the button's own words) deletes; "no",
        # "cancel" or anything else keeps everything, and a message that is not a "no" is then
        # read as usual
        said = t.engine.intents(text)
        labels = [t.kb.button("forget_yes", t.lang), t.kb.button("forget_no", t.lang)]
        picked = t.engine.pick_option(text, labels)
        if picked is None and is_han(text.strip()[:1] or "a"):  # "删除": a part of one label
            inside = [i for i, label in enumerate(labels) if text.strip() in label]
            picked = inside[0] if len(inside) == 1 else None
        keep = "no" in said or picked == 1
        if not keep and ("yes" in said or picked == 0):
            commands.do_forget(t)
            return
        commands.cancel_forget(t, resume=keep)
        if keep:
            return
    step = t.current_step()
    count = t.failures_said(text)
    # "not the photo, the face scan failed", "no sorry, it was the selfie": a correction of the
    # reason that says so (a cue, or a failure named) before an option's words ("scan") are
    # read as the answer to the step's question ("я ничего не редактировал, просто обрезал
    # фото" answers it)
    corrects_first = step is not None and step.is_question and not forwarded and (
        t.engine.corrects(text) or t.engine.says_failure(text))
    if corrects_first and corrected(t, text):
        return
    if step is not None and step.is_question and not forwarded:
        index = option_for(t, step, text, count)
        if index is not None:
            fix.choose_option(t, index, count=count if _counts(step) else None)
            also_said(t, text)
            asked_too(t, text)
            return
    if not forwarded and support_answer(t, text):
        return
    if not forwarded and on_intents(t, t.engine.intents(text), text):
        return
    if step is not None and step.is_question and not forwarded:
        # "birthday", "是名字写错了", "нет, срок ещё не истёк": an option's `said:` phrases
        # (after the intents: "поддержка исправила имя" is news, not the answer "имя")
        index = t.engine.said_option(text, step.options)
        if index is None and (cyr := _cyrillic(t, text)):
            index = t.engine.said_option(cyr, step.options)  # "ne znayu", "imya"
        if index is not None:
            fix.choose_option(t, index)
            asked_too(t, text)
            return
    ahead = _next_question(t, step)
    if ahead is not None and not forwarded and not _match(t, text).names_reason:
        # a step that only tells something, answered with the next question's answer ("he
        # refuses to close it" while reading that one ID verifies one account)
        index = t.engine.said_option(text, ahead.options)
        if index is None and (cyr := _cyrillic(t, text)):
            index = t.engine.said_option(cyr, ahead.options)
        if index is not None:
            fix.step_ahead(t, index)
            return
    if (not forwarded and not _first_rejection_after_question(t, text)
            and (index := _first_answer_changed(t, text)) is not None):
        fix.answer_first_again(t, index)  # "i'm 18 now" while told to wait until 18
        return
    if not forwarded and not corrects_first and corrected(t, text):  # "no, it's not the photo, it's my name"
        return
    if not forwarded and count is not None and recount(t, text, count):
        return  # "sorry, I miscounted, it's only my second time"
    if not forwarded and t.engine.written_foreign(text):  # "KYC của tôi bị từ chối"
        language_unsupported(t)
        return
    # (names are masked, not warned about: a greeting's name is looked for among all the data)
    findings = [*findings, *(f for f in find_sensitive(text, mentions=True) if f.kind == "name")]
    read = _without_data_lines(t, text, findings) if findings else text
    # in the middle of a case the message is about the verification ("can I wear my glasses? I
    # need them to see"): the scope model judges only messages that come without one
    bare = t.engine.without_introduction(read)
    core = _without_not_yet(t, bare)
    # ("Before I start KYC: do I need to take off my glasses?": the part left is read in the
    # verification's context the dropped part gave it, not judged by the scope model alone)
    result = _match(t, core) if core == bare else t.engine.matcher.match(core, scoped=False)
    if not forwarded and progress_report(t, text, result):
        return
    diagnose(t, result, redact(text), forwarded, count)


def _pass_undone(t: Turn, text: str) -> bool | None:
    """After "it passed": does the message take it back? True when it says the verification
    was rejected ("oops, it did NOT pass, rejected again"), False when it only says the button
    was wrong ("按错了"), None when it does neither."""
    case = t.state.case
    if case is None or case.stage != PASSED:
        return None
    said = set(t.engine.intents(text)) | set(t.clause_intents(text))
    if "rejected_again" in said and _tells_rejection(t, text):
        return True
    # ("按错了", "oops no, sorry, it's still pending": the result is not in yet)
    return False if said & {"not_resubmitted", "still_waiting"} else None


def _tells_rejection(t: Turn, text: str) -> bool:
    """Is a rejection in the message told, not supposed or asked about ("what if I get
    rejected again?")?"""
    return not t.engine.hypothetical(text) and not t.engine.asks_about(text, {"rejected_again"})


def corrected(t: Turn, text: str) -> bool:
    """A user putting right the reason being fixed ("no, it's not the photo, it's my name",
    "sorry I meant my passport expired", "не фото, а имя не совпадает", "我是说名字不一致"):
    the reason they deny (else the one being fixed) leaves the case and its rejection, the one
    they name takes its place. Only while fixing, before anything was resubmitted; a reason
    said with "also" is one more (`fix.add_reasons`)."""
    case = t.open_case()
    # (the fix may be over, the case still fixing: "actually I haven't resubmitted yet" took the
    # resubmission back; the case's reasons are then the ones corrected)
    in_fix = t.state.phase == FIX and bool(t.state.reason)
    if (case is None or case.stage != FIXING or not (in_fix or case.reasons)
            or len(text) > _SHORT_ANSWER * 4 or t.engine.adds(text) or t.engine.hypothetical(text)):
        return False
    matcher = t.engine.matcher
    cue = t.engine.corrects(text)
    clauses = matcher.clauses(text)[:4]
    # ("it was not facial recognition": a negation after one word counts too)
    negated = [t.engine.leads_with_negation(c) or t.engine.leads_with_negation(c.split(" ", 1)[-1])
               for c in clauses]
    if not cue and not any(negated):
        return False  # most messages during a fix: no clause is matched here
    walked = {t.state.reason, *t.state.queue, *t.state.batch} if in_fix else set(case.reasons)
    denied: list[str] = []
    named: list[str] = []
    for clause, negation in zip(clauses, negated, strict=True):
        # (the cue is no reason: "ой нет, перепутал, ..." is no mix-up of names)
        reasons = [m.id for m in _match(t, t.engine.without_cues(clause)).matches
                   if m.kind == "reason"]
        new = [r for r in reasons if r not in walked]
        if not reasons and not negation and t.engine.matcher.opens_correction(clause):
            # "..., it was the photo again": one reason's word names it where no sentence does
            named_only = [r for r in t.kb.reasons if r not in walked and t.engine.mentions(clause, r)]
            new = named_only if len(named_only) == 1 else []
        if new and not (named and denied):
            named += [r for r in new if r not in named]
        elif not new and negation and not named:
            said = [r for r in reasons if r in walked] or [
                r for r in walked if t.engine.mentions(clause, r)]
            denied += said
            cue = cue or bool(said) or t.engine.bare_negation(clause)
    if not named or not cue:
        return False
    t.text_said = text  # "..., it says my name doesn't match": may answer the fix's first question
    fix.correct_reasons(t, denied or [t.state.reason or case.reasons[-1]], named)
    return True


def _says_permanent(t: Turn, text: str) -> bool:
    """Does the message name the permanent rejection firmly ("says permanently rejected",
    "навсегда отказали", "被永久拒绝了")?"""
    top = _match(t, text).top
    role = t.topic_for("permanent_rejection")
    return top is not None and top.kind == "topic" and top.id == role and \
        top.score >= float(t.policy.matching["multi_min_score"])


def recount(t: Turn, text: str, count: int) -> bool:
    """A user putting right how many times it failed, lower than told ("sorry, I miscounted,
    it's only my second time", "ой, не три, а два раза"): the count is lowered (the attempts
    the bot dated stay) and the count's question of the fix is answered again, so the stage
    follows (out of a manual review that never began)."""
    case = t.open_case()
    if (case is None or t.state.phase != FIX or not t.state.reason or count >= case.failures
            or not t.engine.corrects(text) or t.engine.hypothetical(text)):
        return False
    reason = t.reason()
    for step in reason.steps if reason is not None else ():
        for index, option in enumerate(step.options):
            if option.failures is not None and option.failures[0] <= count <= option.failures[1]:
                t.state.back.append(t.state.step or "")
                t.state.step = step.id
                fix.choose_option(t, index, count=count)
                return True
    if case.stage in (MANUAL_REVIEW, LOCK_RISK):  # a fix with no count question: the count alone
        case_rules.set_failures(t, count, only_raise=False)  # ("this is my 3rd time, blurry
        if case_rules.apply_count(t, quiet=True):  # photo" then "sorry, only my second")
            t.reply("count_lowered", failures=case.failures)
            fix.render_step(t)
            return True
    return False


#: a message that is only a file's name ("IMG_20260301_0912.jpg", "скан паспорта.pdf")
_FILE_NAME = re.compile(r"[^\s/\\]{1,80}(?: [^\s/\\]{1,40}){0,3}\.(?:jpe?g|png|heic|heif|webp|gif|bmp|tiff?|pdf|mp4|mov)",
                        re.I)


#: a link ("https://imgur.com/a/x", "www.example.com/photo.jpg")
_LINK = re.compile(r"\b(?:https?://|www\.)\S{1,500}", re.I)
#: a word in brackets, as chat exports write a photo ("[photo]", "<image>", "【图片】")
_WRAPPED = re.compile(r"[\[<(（【]\s*([^\[\]<>()（）【】]{1,30}?)\s*[\]>)）】]")


def stands_for_file(t: Turn, text: str) -> bool:
    """Is the message only a file's name or words standing for a photo or file (intents
    `attachment`): "[photo]", "<image attached>", "IMG_0912.jpg"? A bare word ("photo", "截图")
    is no file: it may say what went wrong."""
    if len(text) > 200:
        return False
    if _FILE_NAME.fullmatch(text):
        return True
    # "here is my id photo https://imgur.com/...": a link to a file is a file sent
    linked = _LINK.sub(" ", text).strip()
    if linked != text.strip() and linked and "attachment" in t.engine.intents(linked):
        return True
    wrapped = _WRAPPED.fullmatch(text)
    inner = wrapped.group(1) if wrapped else text
    if wrapped and ":" in inner.replace("：", ":"):  # "[Sticker: crying cat]", "[Стикер: котик]"
        inner = inner.replace("：", ":").split(":", 1)[0].strip() or inner
    return "attachment" in t.engine.intents(inner) and (wrapped is not None or len(inner) <= 40 and (
        len(inner.split()) >= 2 or (is_han(inner[0]) and len(inner) >= 3))
        and not t.engine.names_a_fault(inner))  # "blurry photo of my passport" describes


def attachment(t: Turn, kind: str, *, buttons: bool = True) -> None:
    """A photo, a file, or words standing for one: the bot takes no files. Without `buttons`
    the rest of the message is still to be answered (its buttons come with that answer)."""
    journal.record(t, "attachment", type=kind)
    t.reply("attachment", *((fix.continue_row(t) or [[t.btn("reasons", "L")]]) if buttons else ()))


#: a thumbs-up and its kin: "ok" without a word
_OKAY = frozenset({"👍", "👌", "🆗", "✅", "👍🏻", "👍🏼", "👍🏽", "👍🏾", "👍🏿"})


def wordless(t: Turn, text: str) -> None:
    """A message with no word: an "ok" sign on a step with only "Next" goes on; at an open
    check-in question its buttons again; otherwise say so, with the way back."""
    step = t.current_step()
    if text.strip() in _OKAY and step is not None and not step.is_question and not step.end:
        fix.go_next(t)
    elif t.state.asked_result and case_rules.result_pending(t):
        t.reply("use_buttons")
        followups.ask_result(t)
    else:
        t.reply("empty_message", [t.btn("reasons", "L")], *fix.continue_row(t))


def _own_words(text: str) -> str:
    """The words in another script than Latin around a pasted notice ("Здравствуйте! ... Your
    KYC application was not approved ... Что делать?"), when there are a few; else ""."""
    words = "".join(c if c.isalpha() and not c.isascii() else " " for c in text).split()
    weight = sum(3 if is_han(c) else 1 for w in words for c in w)  # a Chinese word is 2 letters
    return " ".join(words) if weight >= 6 else ""


def _own_part(t: Turn, text: str) -> str:
    """Of a message in two scripts, the part that names no reason, when the other does: the
    user's own question around a notice pasted in another language ("what does this mean:
    您提交的证件已过期", "Мне пришло такое: 您所在的地区暂不支持此服务"); else ""."""
    # markup around the words ("<div>…</div>") and e-mail addresses are nobody's words
    text = without_emails(clean(text, len(text)))
    parts = [p for p in (
        "".join(c if c.isascii() and (c.isalpha() or not c.isalnum()) else " " for c in text),
        "".join(c if "\u0400" <= c <= "\u04ff" or not c.isalnum() else " " for c in text),
        "".join(c if is_han(c) or not c.isalnum() else " " for c in text),
    ) if sum(3 if is_han(c) else 1 for c in p if c.isalpha()) >= 6]
    # Latin letters that are a few names in Chinese or Russian ("我的KYC又失败了，APP里说...",
    # "Мой KYC на Binance отклонили") are no English of the writer's: a question needs words
    # (nor are acronyms and the names of this context: "Binance", "USDT", "KYC", "App" in a long
    # Russian story are no English question around it)
    own = t.engine.matcher.own_names
    parts = [p for p in parts if not p.isascii() or len(
        [w for w in re.findall(r"[A-Za-z]{2,}", p) if not w.isupper()
         and w.lower() != "app" and not own.search(w.lower())]) >= 3]
    if len(parts) != 2:
        return ""
    plain = [p for p in parts
             if not _match(t, p).names_reason]
    return plain[0] if len(plain) == 1 else ""


# -- personal data -------------------------------------------------------------------------
def personal_data(t: Turn, text: str) -> list[Finding]:
    """The user's personal data in the text (Binance's own addresses in a forwarded email are
    not theirs)."""
    official = t.engine.official_domains
    links = t.engine.official_links(text) if "binance" in text.lower() else []
    found = []
    for f in find_sensitive(text):
        if any(s <= f.start and f.end <= e for s, e in links):
            continue  # ".../how-to-complete-identity-verification-360027287111": an article
        domain = text[f.start : f.end].rpartition("@")[2].lower()
        if f.kind == "email" and (domain in official or domain.endswith(
                tuple("." + d for d in official))):
            continue
        found.append(f)
    return found


def warn_personal_data(t: Turn, findings: list[Finding]) -> None:
    kinds = sorted({f.kind for f in findings})
    journal.record(t, journal.SENSITIVE_DATA, kinds=kinds)
    if "seed_phrase" in kinds:
        t.reply("sensitive_seed_phrase")
    if "password" in kinds:  # one warning for "my password is x and the code y"
        t.reply("password_shared")
    elif "code" in kinds:  # a one-time code: never give it to anyone (no password to change)
        t.reply("code_shared")
    named = [k for k in kinds if k not in ("password", "code", "seed_phrase")]
    if named:  # what was found, in the user's language ("an address and a card number")
        # (parts of the one message: not keys of their own in what the turn said)
        labels = [t.kb.message(f"data_kind_{k}", t.lang) for k in named if f"data_kind_{k}" in t.kb.messages]
        t.reply("sensitive_data", kinds=labels or [t.kb.message("data_kind_number", t.lang)])


def _match(t: Turn, text: str) -> MatchResult:
    """What the matcher reads in a text of this turn: in the middle of a case the message is
    about the verification ("can I wear my glasses? I need them to see"), so the scope model
    judges only messages that come without one (`_out_of_context`), here and in every question
    the engine asks of a message's parts."""
    return t.engine.matcher.match(text, scoped=_out_of_context(t))


def _out_of_context(t: Turn) -> bool:
    """Does a message come with no case, fix or question of the bot's around it (so the scope
    model may judge what it is about)?"""
    return t.open_case() is None and t.state.phase not in (FIX, AWAITING_NOTICE, CHOOSING)


#: data that never tells what went wrong (unlike a birth date or an address): left out of what
#: is matched wherever they stand, so their digits and shapes read as nothing else
_NEVER_A_REASON = frozenset({"card", "cvv", "iban", "email", "phone", "wallet", "uid", "username",
                             "secret", "password", "code", "id_number"})
#: what ends a sentence or a notice's item around a datum handed over
_ITEM_ENDS = ".。;；\n?？!！,，"


def _without_data_lines(t: Turn, text: str, findings: list[Finding]) -> str:
    """The message without its sentences or items that only hand over a datum under its label
    ("... Reason: This ID number is already in use. DOB 1990-03-12": a birth date given, not a
    date of birth that differs), and without data that never tells a reason (a card number, a
    phone); a birth date inside a sentence stays ("born on 15.03.2010")."""
    cut: list[tuple[int, int]] = []
    compared = []  # the names not in a greeting
    for f in findings:
        if f.kind == "name":
            # "Hello Anna, ...", "Dear Maria Gonzalez Lopez,": a greeting tells no reason (a
            # name compared with another does: "Passport: Anna Kowalska / Binance: Ana ...")
            start, _ = _item(text, f)
            before = text[start : f.start].strip(" \t,:：").casefold()
            if before in greeting_words() and text[f.end : f.end + 1] in (",", "，", "\n", "!", ""):
                cut.append((start, f.end))
            else:
                compared.append(f)
            continue
        if f.kind in _NEVER_A_REASON or (f.kind == "date_of_birth" and _adult_birth(t, text[f.start : f.end])):
            # "card 4111 ... cvv 123, my photo was blurry"; "Date of birth on file: 1991-04-17"
            # (an adult's birth date tells no age problem; "born 2011" still does)
            cut.append((_label_start(t, text, f.start), f.end))  # the datum and its label
            continue
        start, end = _item(text, f)
        label = text[start : f.start].strip(" \t:：")
        # (a label in Chinese the intents may not list: "身份证号110101...", "手机138...")
        if (not _without_labels(t, label).strip() or (0 < len(label) <= 6 and all(map(is_han, label)))) \
                and not text[f.end : end].strip(" \t:,"):
            cut.append((start, end))
    if len(compared) == 1:  # a notice's "Name: Anna Lee" line, with no other name to differ from
        f = compared[0]
        start, end = _item(text, f)
        if (text[start : f.start].strip() and not _without_labels(t, text[start : f.start]).strip()
                and not text[f.end : end].strip(" \t:,")):
            cut.append((start, end))
    if not cut:
        return text
    out, pos = [], 0
    for s, e in sorted(cut):
        out.append(text[pos : max(pos, s)])
        pos = max(pos, e)
    return "".join(out) + text[pos:]


def _item(text: str, f: Finding) -> tuple[int, int]:
    """Where the sentence or notice item around a datum starts and ends (`_ITEM_ENDS`)."""
    start = max((text.rfind(c, 0, f.start) for c in _ITEM_ENDS), default=-1) + 1
    end = min((i for c in _ITEM_ENDS if (i := text.find(c, f.end)) >= 0), default=len(text))
    return start, end


def _adult_birth(t: Turn, datum: str) -> bool:
    """Is a birth date's year (four digits in it) surely an adult's, now?"""
    years = [int(datum[i : i + 4]) for i in range(len(datum) - 3)
             if datum[i : i + 4].isdigit() and datum[i : i + 4].startswith(("19", "20"))
             and (i == 0 or not datum[i - 1].isdigit())]
    return bool(years) and max(years) <= t.now.year - int(t.policy.matching["adult_age"]) - 1


def _without_labels(t: Turn, text: str) -> str:
    """`text` as compared (rapidfuzz's processing), without the labels data is handed over
    under ("name", "date of birth", "card number")."""
    said = " " + utils.default_process(text) + " "
    for label in t.engine.data_labels:
        said = said.replace(" " + label + " ", " ")
    return said


def _label_start(t: Turn, text: str, start: int) -> int:
    """Where the label right before a datum starts ("card 4111...", "cvv 123"), or `start`."""
    before = text[max(0, start - 40) : start]
    stripped = before.rstrip(" \t:：=#-")
    spans = [m.start() for m in re.finditer(r"\S+", stripped)]
    for n in (3, 2, 1):
        if len(spans) >= n and utils.default_process(stripped[spans[-n]:]) in t.engine.data_labels:
            return start - len(before) + spans[-n]
    return start


def only_personal_data(t: Turn, text: str, findings: list[Finding]) -> bool:
    """Does the message only hand over data, with no problem described around it?"""
    rest, pos = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        rest.append(text[pos : max(pos, f.start)])
        pos = max(pos, f.end)
    rest.append(text[pos:])
    words = [w for w in _without_labels(t, " ".join(rest)).split() if w not in t.engine.stop_words]
    if len(words) > t.policy.personal_data_max_words:
        return False
    if any(w.startswith(d) or (is_han(d[:1]) and d in w) for w in words for d in t.engine.domain_words):
        return False  # "... and it got rejected", "...证件照片被拒了": about verification after all
    if not words:
        return True
    described = _match(t, " ".join(words))
    return not described.names_reason


def resume(t: Turn) -> None:
    if t.current_step() is not None:
        fix.render_step(t)
    elif t.open_case() is None:
        t.reply("describe_problem", [t.btn("reasons", "L")])


# -- typed answers -----------------------------------------------------------------------
def _counts(step: Step) -> bool:
    return any(o.failures is not None for o in step.options)


#: characters of a typed answer read for a leading yes ("yes it expired last month")
_SHORT_ANSWER = 120


def _cyrillic(t: Turn, text: str) -> str | None:
    """Russian typed in Latin letters ("ne znayu") in Cyrillic ("не знаю"), or None."""
    if not text.isascii() or len(text) > _SHORT_ANSWER:
        return None
    return t.engine.matcher.norm.translit.cyrillic(text.lower()) or None


def _next_question(t: Turn, step: Step | None) -> Step | None:
    """The question right after a step that asks nothing, if there is one."""
    reason = t.reason()
    if step is None or step.is_question or step.end or reason is None:
        return None
    nxt = reason.next_step(step)
    ahead = reason.step(nxt) if nxt else None
    return ahead if ahead is not None and ahead.is_question else None


def _asked_case(t: Turn) -> Case | None:
    """The open case a question opened ("can I verify at 17?"), no rejection told in it yet."""
    case = t.open_case()
    return case if case is not None and case.asked and not case.attempts else None


def _first_rejection_after_question(t: Turn, text: str) -> bool:
    """Does the message tell the first rejection of a case a question opened ("turned 18,
    verified, rejected: blurry photo" after "can I verify at 17?")? It is read as a rejection."""
    return (_asked_case(t) is not None and t.engine.says_failure(text)
            and _match(t, text).names_reason)


def _first_answer_changed(t: Turn, text: str) -> int | None:
    """The option of the fix's first question a later message names by its `said:` phrases
    when it leads elsewhere than the branch taken ("i'm 18 now" on the "wait until 18" branch):
    what was true then has changed."""
    reason, step = t.reason(), t.step()
    first = reason.step(reason.start) if reason is not None else None
    if (first is None or step is None or step is first or step.end or not first.is_question
            or not t.state.back):
        return None  # (at a fix's end the case is closed: a new message is read afresh)
    index = t.engine.said_option(text, first.options)
    if index is None and (cyr := _cyrillic(t, text)):
        index = t.engine.said_option(cyr, first.options)
    if index is None:
        return None
    path = [*t.state.back, t.state.step]
    taken = path[path.index(first.id) + 1] if first.id in path[:-1] else None
    option = first.options[index]
    return index if option.next and option.next != taken else None


def option_for(t: Turn, step: Step, text: str, count: int | None) -> int | None:
    """The option a typed answer names ("name", "my own old account", "failed twice")."""
    if _counts(step) and count is None and len(text.split()) <= 3:
        count = t.engine.bare_count(text)  # "three", "just once", "три" at "how many times?"
    index = fix.count_option(step, count) if _counts(step) else None
    if index is not None:
        return index
    labels = [t.text(o.label) for o in step.options]
    picked = t.engine.pick_option(text, labels)
    if picked is not None and step.options[picked].topic and buttons.tells_news(t, text):
        picked = None  # "我联系客服了" is news, not the "联系客服" page's button
    if picked is None:
        picked = t.engine.yes_or_no_option(text, labels)
    if picked is None and (cyr := _cyrillic(t, text)):
        picked = t.engine.pick_option(cyr, labels)  # "ne znayu": "не знаю"
    if picked is None and t.state.reason and len(text) <= _SHORT_ANSWER:
        # "yes it expired last month": a yes first, and the rest restates this reason
        restated = _match(t, text).top
        if restated is not None and restated.id == t.state.reason:
            picked = t.engine.yes_or_no_option(text, labels, leading=True)
    return picked


def on_intents(t: Turn, intents: list[str], text: str) -> bool:
    """Act on what a short message says, wherever the user is; False to carry on matching."""
    said = set(intents)
    if t.open_case() is not None and ("another_person" in said or t.engine.says(text, "another_person")):
        # "hi it's his daughter now, mine said ...": one case per chat; another person's
        # rejection is not one more reason of this one
        t.reply("another_person", [t.btn("new_case", "A")], [t.btn("continue_case", "c")])
        return True
    if "resubmitted" in said and _failures_counted(t, text):
        said.discard("resubmitted")
    # also in a longer message: "hi, can you tell me my passport number?", "they said it is
    # under manual review now", "support asked me for a selfie holding my ID"; news not in a
    # question ("will they ask for more documents?"), and none of them in a message that names
    # a reason ("rejected for name mismatch, what name is on my account?": the reason first)
    longer = [n for n in ("own_data", "stored_data", "this_language", "about_bot", "cost",
                          "contact_offer", "common_reasons")
              if n not in said and t.engine.says(text, n)]
    longer += [n for n in ("review_rejected", "in_review", "more_documents", "appealed",
                           "documents_sent", "support_fixed")
               if n not in said and _told(t, text, n)]
    firm = float(t.policy.matching["multi_min_score"])
    matches = _match(t, text).matches if longer else []
    if "contact_offer" in longer and any(m.score >= firm for m in matches):
        # "有个自称币安客服的人加我微信，要我发验证码": someone else's contact, told about, is
        # what a page answers (the scam warning), not an offer to chat elsewhere
        longer.remove("contact_offer")
    if longer and not any(m.kind == "reason" and m.score >= firm for m in matches):
        said.update(longer)
    if "this_language" in said and t.engine.names_app_language(text):
        said.discard("this_language")  # "my binance app is in chinese": not a request

    step_on = t.current_step()
    if ("next" not in said and set(t.clause_intents(text)) == {"next"} and t.state.phase == FIX
            and step_on is not None and not step_on.is_question and not step_on.end
            and _only_next_asked(t, text)
            and all(m.id == t.state.reason for m in _match(t, text).matches if m.kind == "reason")):
        # "ok I renewed my ID, what's next" back on "Renew it at the office...": that step is
        # done, the next one; "the police report is done, what's next" on the step after the
        # report (or words this step does not use): the step on screen is what comes next
        if _did_the_step(t, text) or all("next" in t.engine.intents(c) for c in _clauses(t, text)):
            fix.go_next(t)  # (every clause says it: "ok I did that, what's next?")
        else:
            fix.render_step(t)
        return True
    if "this_language" in said:
        said -= {"next", "yes"}  # "ok continue in english please": the request is the language
    if {"rejected_again", "same_reason"} <= set(t.clause_intents(text)):
        said |= {"rejected_again", "same_reason"}  # "Опять отказали, уже второй раз. Причина та же."
    if ("not_resubmitted" in said or t.engine.says(text, "not_resubmitted")) and \
            not t.pass_undone and case_rules.undo_resubmission(t):
        return True  # "actually I haven't resubmitted yet": the attempt just reported is taken back
    phase = t.state.phase
    case = t.open_case()
    step = t.current_step()
    if (case is not None and not said & {"rejected_again", "passed", "still_waiting"}
            and case_rules.result_pending(t) and (t.state.asked_result or t.engine.says_failure(text))):
        # "failed, that's the second time", "уже второй раз" while a result is awaited: the
        # attempt awaited failed (a count that reaches it is news of its result)
        count = t.failures_said(text)
        if count is not None and count >= len(case.attempts) and not t.engine.hypothetical(text):
            said.add("rejected_again")
        elif count is None and t.state.asked_result and _tells_failure(t, text):
            # "still failed", "it failed", "not approved", "всё равно отклонили" to "did it
            # pass?": the answer, in any words that say it failed
            said.add("rejected_again")
    if "passed" in said and any(b.startswith("k|") for b in t.state.last_buttons) and \
            not _match(t, text).names_reason:
        # "yep all good now" to "has Customer Support fixed it?": support is done, nothing was
        # resubmitted yet (the verification itself is no more passed than before)
        said = (said - {"passed"}) | {"support_fixed"}
    if (("in_review" in said or "in_review" in t.clause_intents(text))
            and "review_rejected" not in said
            and t.engine.says(text, "rejected_again") and _tells_rejection(t, text)):
        # "I was in manual review and today I got an email that it was rejected again"
        said.add("review_rejected")
    if "review_rejected" in said:
        said -= {"in_review", "rejected_again"}  # "the manual review rejected me": its end
    news = said & {"rejected_again", "passed", "resubmitted", "more_documents", "in_review",
                   "appealed", "review_rejected"}
    if news and t.engine.asks_about(text, news):
        # "what if I get rejected again?": a question about what comes next, not news
        said -= news
        if "rejected_again" in news and t.topic_for("repeated_failures"):
            fix.show_topic(t, t.topic_for("repeated_failures") or "")
            return True
    if (case is not None and "passed" not in said and not _asks(text)
            and not t.engine.hypothetical(text) and _says_permanent(t, text)):
        # "they rejected it, says permanently rejected"; "support says the rejection is final":
        # told, not asked, about a case this bot knows, the case ends there
        case_rules.permanently_rejected(t)
        return True
    if "review_rejected" in said and not _match(t, text).names_reason:
        # "the manual review rejected me", "人工审核没通过": a review, known to this bot or not,
        # ended in a rejection (the guide: ask support for the detailed reason); one that says
        # the reason is read below, as any notice
        case_rules.review_rejected(t, t.failures_said(text))
        return True
    # "rejected again" is news of a case this bot knows; as a first message ("селфи не прошло",
    # "被拒了") it is a rejection to read like any other (its reason, or what the notice says)
    if ("rejected_again" in said and case is not None
            and ("same_reason" in said or not _match(t, text).names_reason)):
        # (one that names its reason, "rejected again, now the selfie failed", is read below)
        if phase == AWAITING_NOTICE:
            # the rejection is counted already and nothing was resubmitted since: "still
            # rejected", "yes it failed again" answer the question about it, they are no new one
            # (a count said with it still raises the count: "yes, that was the 4th time")
            if apply_count(t, t.failures_said(text)):
                pass
            elif "same_reason" in said:
                case_rules.same_reason_again(t)
            else:
                case_rules.rejected_again(t)
        # "rejected again, same reason": that attempt's reason is the last one (told, for the
        # support summary), also when the count's stage (manual review, lock) speaks next
        elif not case_rules.rejected(t, case_rules.last_reasons(case) if "same_reason" in said
                                     and case.stage != MANUAL_REVIEW else None):
            if apply_count(t, t.failures_said(text)):
                pass  # "failed, that is the fourth time": the count's stage says what comes next
            elif "same_reason" in said:
                case_rules.same_reason_again(t)
            else:
                case_rules.rejected_again(t)
    elif "passed" in said:
        case_rules.passed(t)
    elif t.engine.asks_passed(text, awaited=case_rules.result_pending(t)) and (
            case is None or case_rules.result_pending(t)):
        # "approved?": only Binance can tell; what did it say? (with no case: where it tells)
        if case is None:
            fix.show_topic(t, t.topic_for("find_reason") or "")
        else:
            followups.ask_result(t, asked=True)
    elif "more_documents" in said and case is not None and case.stage in (MANUAL_REVIEW, RESUBMITTED):
        case_rules.more_documents(t)
    elif "in_review" in said:
        if case is not None and case.stage == MANUAL_REVIEW:
            followups.still_waiting(t)  # "it's in manual review now": as it was
        else:
            # ("my KYC went to manual review 16 business days ago": a first message opens the
            # case there, its clock started when they say, and their question is answered too)
            count = t.failures_said(text)
            if count is not None and count <= t.policy.manual_review_after:
                # "I am in manual review since 3 failed": the failures that led there count
                case_rules.set_failures(t, count, only_raise=True)
            case_rules.review_reported(t, t.case(), t.engine.elapsed_days(text))
            if case is None:
                asked_too(t, text, besides={t.topic_for("review_times"), t.topic_for("speed_up_review")})
    elif "documents_sent" in said and case is not None and case.stage == MANUAL_REVIEW:
        case_rules.documents_sent(t)  # "I uploaded them in the ticket": the review goes on
    elif "appealed" in said:
        case_rules.appealed(t)  # "I submitted an appeal": a person reviews the case now
    elif "resubmitted" in said:
        case_rules.resubmitted(t)
        # "I resubmitted with my dad's ID": someone else's document is its own problem (the
        # guide: a parent's ID for an account the minor runs is a violation), said beside it
        others = t.topic_for("someone_elses_id")
        if others and any(m.id == others for m in _match(t, text).matches):
            fix.show_topic(t, others)
    elif case is not None and said & SUPPORT_NEWS:
        support_news(t, said | set(t.clause_intents(text)))  # (and "..., I resubmitted")
    elif "still_waiting" in said and case_rules.result_pending(t):
        followups.still_waiting(t)
    elif ("still_waiting" in said or "no" in said) and case is not None and any(
            b.startswith("K|") for b in t.state.last_buttons):
        # "they haven't answered yet", "no", "нет", "没有" to "has support fixed it?"
        case_rules.support_contacted(t)
    elif "yes" in said and case is not None and any(b.startswith("k|") for b in t.state.last_buttons):
        case_rules.support_fixed(t)  # "yes", "да", "是的" to "has support fixed it?"
    elif (("yes" in said or "no" in said) and case is not None and step is None
          and not t.state.asked_result and t.state.followup is not None
          and t.state.followup.kind == "support"):
        # a bare "yes" later, while support is awaited ("has support fixed it?" answered "not
        # yet" before): ask that question again, with its buttons, rather than guess
        if phase == AWAITING_NOTICE and case_rules.review_reason_missing(case):
            # after a refused review: what did support say was wrong?
            t.reply("support_reason_question_again", [t.btn("reasons", "L")], [t.btn("support_not_yet", "K")])
        else:
            t.reply("support_question_again", [t.btn("support_done", "k")], [t.btn("support_not_yet", "K")])
    elif ("yes" in said or "no" in said) and t.state.asked_result and (
            step is None or not step.is_question):  # (a step's own question takes its answer)
        _yes_or_no(t, "yes" in said)
    elif "same_reason" in said and (phase == AWAITING_NOTICE or (
            case is not None and case.stage == MANUAL_REVIEW and case_rules.untold_refusal(case))):
        case_rules.same_reason_again(t)  # (also "то же самое" when the review began: the 3rd)
    elif "next" in said and step is not None and any(b.startswith("c|") for b in t.state.last_buttons):
        # "continue", "продолжить", "继续" after a side question's page: what its "Continue where
        # we were" button does (the step that was interrupted, not the one after it)
        fix.render_current(t)
    elif "next" in said and step is None and case_rules.result_pending(t):
        commands.cmd_status(t)  # "ok" after "I've resubmitted": where it stands, no news
    elif "next" in said and step is not None and not step.is_question and not step.end:
        fix.go_next(t)
    elif "next" in said and step is not None and step.end and t.state.queue and phase == FIX:
        fix.next_reason(t)  # "ok", "next", "下一步" where the button is "Next reason"
    elif "next" in said and step is not None and step.is_question:
        fix.render_step(t)  # "continue" after a side question: the step's question again
    elif "next" in said and step is not None and step.end == "final" and phase == FIX:
        # "ok" at a step the fix ends at (Binance.US, a fake ID): nothing comes next; said so
        t.reply("final_ack", [t.btn("reasons", "L")])
    elif "next" in said and step is not None and step.end and phase == FIX:
        # "下一步" at the last step: there is none; its buttons say what comes next
        t.reply("use_buttons")
        fix.render_step(t)
    elif "back" in said and phase == FIX and t.state.back:
        fix.go_back(t)
    elif "back" in said and step is not None and len(text.split()) <= 3:
        # "back" on a first step: there is nothing before it; the step stays
        t.reply("use_buttons")
        fix.render_step(t)
    elif "start_over" in said:
        fix.start_over(t)
    elif "common_reasons" in said and not _match(t, text).names_reason:
        fix.show_reasons(t, "common_reasons_list")  # "what are the most common reasons?"
    elif "not_sure" in said and phase == CHOOSING:
        t.state.phase = IDLE
        fix.show_reasons(t, "pick_reason")
    elif "not_sure" in said and phase in (IDLE, AWAITING_NOTICE) and t.topic_for("find_reason"):
        fix.show_topic(t, t.topic_for("find_reason") or "")
    elif ("explain" in said and phase == FIX and step is not None
          and not (step.is_question and (option_for(t, step, text, None) is not None
                                         or t.engine.said_option(text, step.options) is not None))):
        # ("я живу в Иране, что делать?" answers the question on screen: that option, below)
        explain(t)  # "what does this mean?" about the notice being fixed
    elif (("explain" in said or "next" in said) and step is None and (held := t.open_case()) is not None
          and held.stage == LOCK_RISK and _match(t, text).top is None):
        fix.render_current(t)  # "so what do I do now?" at lock risk: support first, again
    elif (("explain" in said or t.engine.names_app_language(text)) and step is None
          and not case_rules.result_pending(t) and _match(t, text).top is None):
        # ("привет, пришло на английском:", "币安给我发的是英文邮件：": the notice comes next too)
        # (a reason or a question named with it is answered: "мне навсегда отказали, что
        # делать?" is the permanent rejection)
        t.reply("send_notice", [t.btn("reasons", "L")])  # "here's what I got": the notice is next
    elif "this_language" in said:
        # "please answer in Russian": the language named (not the one now in use, and not one
        # named with a negation: "я не понимаю по-английски", "我看不懂英文" ask for another);
        # else "а можно по-русски?", "in English please": the language the request is written in
        # (another one named wins: "看不懂，请用英文"; the one in use named alone is kept, "好的，
        # 请用英文回复"; one named in a clause that denies it is not wanted: "我看不懂英文", "я не
        # понимаю по-английски" ask for the language they are written in)
        current = t.state.lang or DEFAULT_LANG
        denied = {lang for clause in t.engine.matcher.clauses(text) if t.engine.denies(clause)
                  for lang in language.named(t, clause)}
        wanted = language.named(t, text) - denied
        others = wanted - {current}
        lang = next(iter(others)) if len(others) == 1 else (
            current if wanted == {current} else language.detect(t, text))
        if lang in language.offered(t.kb):
            language.choose(t, lang)
            if step is not None:  # the step on screen, again in the language asked for
                fix.render_step(t)
        else:
            language.cmd_language(t, "")
    elif "greeting" in said and step is None and case_rules.result_pending(t):
        # back while a result is awaited: "hello" is the moment to ask how it went
        t.state.asked_result = True
        followups.ask_result(t)
    elif "greeting" in said and case is not None and (case.reasons or case.attempts):
        commands.cmd_start(t)  # "hi" weeks later: where the case stands, continue or start anew
    elif "greeting" in said:
        t.reply("greeting_reply", [t.btn("reasons", "L")], *fix.continue_row(t))
    elif "contact_offer" in said:
        # "add me on WeChat", "напиши в личку": the bot contacts nobody, and nobody from support
        # adds a user privately
        t.reply("contact_offer_answer", *fix.onward_row(t), **t.policy.links)
    elif "cost" in said and not _match(t, text).names_reason:
        t.reply("cost_answer", *fix.onward_row(t), **t.policy.links)  # "is this bot free?"
    elif "stored_data" in said:
        t.reply("stored_data_answer", *fix.onward_row(t))  # "what data do you have about me?"
    elif "own_data" in said:
        # "what is my passport number?": the bot has none of it, and says where it is
        t.reply("own_data_unknown", *t.role_rows("contact_support"), *fix.continue_row(t))
    elif "my_status" in said and not _match(t, text).names_reason:
        commands.cmd_status(t)  # "what is my status?", "где мой случай": what /status shows
    elif "about_bot" in said and not _match(t, text).names_reason:
        t.reply("safety", **t.policy.links)  # "who are you? are you binance?", "что ты умеешь?"
        commands.cmd_help(t)
    elif said & {"yes", "no", "next"} and step is None and case is None and len(text) <= 20:
        # "ok", "no", "yes" with nothing asked and no case: what the bot needs to start
        t.reply("describe_problem", [t.btn("reasons", "L")])
    elif (step is not None and len(text.split()) <= _HELP_WORDS and t.engine.asks_help(text)
          and t.engine.matcher.knows_nothing_else(text)):
        commands.cmd_help(t)  # "help", "帮助" mid-fix: what /help says, and back to the step
    elif "thanks" in said:
        t.reply("thanks_reply", *fix.continue_row(t))
    else:
        return False
    return True


def _failures_counted(t: Turn, text: str) -> bool:
    """"提交了3次都没通过", "отправил заявку 4 раза и все отказ": how many attempts failed, as
    "submitted 3 times, all rejected" says, not news of one more attempt sent."""
    return ((t.failures_said(text) or 0) >= 2 and t.engine.says_failure(text)
            and not t.engine.hypothetical(text))


def progress_report(t: Turn, text: str, result: MatchResult) -> bool:
    """A longer message whose clause reports a resubmission or a pass ("ok support fixed my name
    and i resubmitted", "всё, поддержка исправила имя, я отправил заново"): that is what counts,
    unless the message also brings a rejection (a notice, "rejected again", a reason the case does
    not know yet). A question asked beside it is answered after ("i resubmitted, how long now?")."""
    said = t.clause_intents(text)
    if "resubmitted" in said and _failures_counted(t, text):
        return False
    news = {"resubmitted", "passed", "rejected_again"} & set(said)
    # "im back, still no result from the manual review, its been almost a month": about this
    # case's own wait (a question of how long reviews take is answered by it too), unless a
    # reason is named
    waiting = "still_waiting" in said or (
        case_rules.result_pending(t) and not result.names_reason
        and t.engine.says(text, "still_waiting"))
    if waiting and not news and case_rules.result_pending(t):
        followups.still_waiting(t)  # "hi, I'm back. still haven't heard anything"
        return True
    notice = is_notice(t, text, False)
    if not news and t.open_case() is not None and not notice and support_news(t, said):
        return True  # "ok, support corrected my name now", "I contacted support, waiting"
    if ("rejected_again" in news and not {"resubmitted", "passed"} & news and not notice
            and case_rules.result_pending(t) and not result.names_reason
            and _tells_rejection(t, text)):
        # "Отказ после ручной проверки. Что теперь делать?": the result awaited, told in a
        # sentence with a question (what comes next is the answer to both)
        followups.on_result(t, "rejected_again")
        return True
    if not ({"resubmitted", "passed"} & set(said)) or "rejected_again" in said or notice \
            or t.engine.hypothetical(text):
        return False
    case = t.open_case()
    known = set(case.reasons) if case is not None else set()
    if any(m.kind == "reason" and m.id not in known for m in result.matches):
        return False  # "my selfie fails, i tried again": the reason is the news
    if "resubmitted" not in said and result.names_reason:
        return False  # "I passed the face scan, but the selfie step is still failing"
    if "passed" in said:  # "I tried again and it passed!": the new attempt passed
        case_rules.passed(t)
    else:
        case_rules.resubmitted(t)
    # the question beside it, read without the clause that reported ("重新提交了" is no question
    # about how to resubmit)
    if not any(m.kind == "topic" for m in result.matches):
        return True
    rest = [c for c in _clauses(t, text) if not t.engine.intents(c)]
    asked = _match(t, ". ".join(rest)) if rest else None
    top = asked.top if asked is not None else None
    if asked is not None and top is not None and top.kind == "topic" and not asked.ambiguous:
        fix.show_topic(t, top.id)
    return True


#: intents that report news about Customer Support
SUPPORT_NEWS = frozenset({"support_fixed", "support_contacted"})


def support_answer(t: Turn, text: str) -> bool:
    """A longer answer to "Has Customer Support fixed it?" that opens with a yes or a no ("no,
    not yet. how long does it usually take them??"): the answer counts (a no plans the next
    check-in), whatever follows it."""
    if not any(b.startswith(("k|", "K|")) for b in t.state.last_buttons):
        return False
    clauses = t.engine.matcher.clauses(text)
    if len(clauses) < 2 or _match(t, text).names_reason:
        return False  # short answers are read as intents; a reason named is news of its own
    first = set(t.engine.intents(clauses[0]))
    if first & {"no", "still_waiting"} and not first & {"support_fixed"}:
        case_rules.support_contacted(t)
    elif first & {"yes", "support_fixed"}:
        # "support fixed it and I already resubmitted": the attempt is in too
        later = " ".join(clauses[1:])
        case_rules.support_fixed(t, resubmitted_too=(
            "resubmitted" in t.clause_intents(text) or t.engine.says(later, "resubmitted"))
            and not t.engine.says(later, "not_resubmitted"))
    else:
        return False
    return True


def support_news(t: Turn, said: list[str] | set[str]) -> bool:
    """Act on news about Customer Support ("support fixed it", "I contacted support, waiting");
    False when the message has none."""
    if "support_fixed" in said:
        case_rules.support_fixed(t, resubmitted_too="resubmitted" in said)
    elif "support_contacted" in said:
        case_rules.support_contacted(t)
    else:
        return False
    return True


def _yes_or_no(t: Turn, yes: bool) -> None:
    """A plain yes or no to the check-in's question: "Did your identity verification pass?"
    (yes: passed; no: no result yet or rejected? with the buttons) or "Any news on your manual
    review?" (no: still waiting; yes: which news, with the buttons)."""
    case = t.open_case()
    if case is not None and case.stage == MANUAL_REVIEW:
        if yes:
            t.reply("result_which", [t.btn("passed", "p")], [t.btn("more_documents", "d")],
                    [t.btn("review_rejected", "j")])
        else:
            followups.still_waiting(t)
    elif yes:
        case_rules.passed(t)
    else:  # "no" to "did it pass?" is as often "no answer yet" as "rejected": ask which
        t.reply("result_no_which", [t.btn("still_waiting", "w")], [t.btn("rejected_again", "j")])


# -- descriptions and notices --------------------------------------------------------------
def is_notice(t: Turn, text: str, forwarded: bool) -> bool:
    return forwarded or any(p.search(text) for p in t.engine.reason_markers)


def is_new_rejection(t: Turn) -> bool:
    """Is a notice arriving now a new rejection (rather than the one the case is about)? At
    lock risk, the notice asked for is that of the refusal that led there, not one more."""
    case = t.open_case()
    if case is None:
        return False
    if case_rules.lock_reason_awaited(t, case):
        return False
    return case.stage in (RESUBMITTED, MANUAL_REVIEW, LOCK_RISK) or bool(
        case_rules.pending_attempt(case))


def _review_just_began(t: Turn, case: Case) -> bool:
    """Did the manual review begin less than `dialogue.new_notice_after_hours` ago (no result
    can have come yet)?"""
    began = parse_iso(case.review_started) if case.review_started else None
    return began is not None and t.now - began < timedelta(hours=t.policy.new_notice_after_hours)


def later_notice(t: Turn, ids: list[str]) -> bool:
    """Is a notice naming `ids`, none of the reasons of the rejection being fixed, a day or more
    after it (`dialogue.new_notice_after_hours`)? Then the user resubmitted without saying so,
    and this is that attempt's rejection, not one more reason of the old one."""
    case = t.open_case()
    if case is None or case.stage != FIXING or not case.attempts:
        return False
    if t.state.phase == AWAITING_NOTICE:
        return False  # the notice asked for after "rejected again": that rejection's, counted
    last = case.attempts[-1]
    when = parse_iso(last.at) if last.at else None
    if last.outcome != "rejected" or when is None or set(ids) & set(last.reasons):
        return False
    return t.now - when >= timedelta(hours=t.policy.new_notice_after_hours)


def reports_new_rejection(t: Turn, text: str) -> bool:
    """Does a message about a case this bot knows say it was refused again ("I resubmitted and
    got rejected again, now it says face verification failed")? Then its reason is a new
    rejection's, counted as one, not one more reason of the last."""
    if t.open_case() is None or t.engine.hypothetical(text):
        return False  # "what if I resubmitted and it failed?" tells nothing
    if t.state.phase == AWAITING_NOTICE:
        return False  # the rejection asked about is counted already: this is its reason
    said = _said_intents(t, text)
    if t.engine.adds(text) and not said & {"resubmitted", "failed_again"}:
        return False  # "my face check also failed": one more reason of this rejection
    return bool(said & {"rejected_again", "resubmitted"})


def _said_intents(t: Turn, text: str) -> set[str]:
    """The intents a message says, whole or in one of its clauses."""
    return {*t.engine.intents(text), *t.clause_intents(text)}


def covered(t: Turn, ids: list[str], text: str) -> list[str]:
    """Leave out a reason that another one's answer explains: the message answers the first
    question of a reason it names with an option that `covers` another reason it names ("my age
    does not meet the requirements, but I'm 25, I entered my birthday wrong": the underage
    notice and its "I typed my birth date wrong", not a mismatch besides)."""
    if len(ids) < 2:
        return ids
    drop: set[str] = set()
    for rid in ids:
        reason = t.kb.reasons.get(rid)
        first = reason.steps[0] if reason is not None and reason.steps else None
        if first is None or not first.is_question or not any(o.covers for o in first.options):
            continue
        index = t.engine.said_option(text, first.options)
        if index is not None:
            drop |= set(first.options[index].covers) - {rid}
    return [r for r in ids if r not in drop] or ids


def diagnose(t: Turn, result: MatchResult, text: str, forwarded: bool, count: int | None) -> None:
    """Act on what the matcher found; `text` is the masked message (it may be logged)."""
    candidates = [{"kind": m.kind, "id": m.id, "score": round(m.score, 1)} for m in result.matches[:3]]
    top = result.top
    if top is not None and top.kind == "reason" and (not result.ambiguous or result.multi):
        ids = [m.id for m in result.matches if m.kind == "reason"] if result.multi else [top.id]
        ids = covered(t, ids, text)
        journal.record(t, journal.DIAGNOSED, reasons=ids, multi=len(ids) > 1,
                       candidates=candidates)
        notice = is_notice(t, text, forwarded)
        reported = reports_new_rejection(t, text)
        if _asked_case(t) is not None and (notice or reported or t.engine.says_failure(text)):
            # the case a question opened ("can I verify at 17?"), then the first rejection told
            # ("turned 18, verified, rejected: blurry photo"): that rejection is a case of its
            # own, its reasons the notice's (the question's reason was no rejection's)
            case_rules.close(t, RESTART)
        if (is_new_rejection(t) and not notice and not reported and (
                (_asks(text) and not t.engine.says_failure(text)) or t.engine.hypothetical(text))):
            # "can i open a new account with my brother's id?" while a result is awaited: a
            # question that names a reason tells no result (the case stays as it is)
            aside(t, result)
            return
        new = is_new_rejection(t) or reported or (notice and later_notice(t, ids))
        case = t.open_case()
        # "i live in japan, can i use binance?", "im 17 can i do kyc": a question, no rejection
        # ("my passport expires in 5 days, will KYC still work?": one question asks too)
        # (a count of failures told is a story of rejections: "this is my 4th time, ...")
        t.asked_only = (case is None and not notice and count is None and (
            (t.engine.matcher.yes_no_question(text) and not t.engine.says_failure(text)
             # ("my photo was blurry, what should I do?" tells a rejection)
             and not (t.engine.matcher.asks_what_to_do(text) and len(_clauses(t, text)) > 1))
            # "做人脸识别要摘眼镜吗？我还没提交", "нужно ли снимать очки? ещё не проходил"
            or _not_submitted(t, text)
            # "my friend said KYC fails if you wear glasses, true?": someone else's words
            or (t.engine.says(text, "hearsay") and _asks(text))
            # "what happens if my selfie fails?": what if, not what happened
            or (t.engine.hypothetical(text) and _asks(text) and not reported
                and "rejected_again" not in _said_intents(t, text))
            ) and not t.engine.matcher.quotes(text))
        before = list(case.reasons) if case is not None else []  # named by earlier rejections
        if (new and case is not None and case.stage == MANUAL_REVIEW and not notice
                and t.engine.says(text, "resubmitted") and not t.engine.says_failure(text)):
            case_rules.resubmitted(t)  # "I just resubmitted again with a new selfie": not a result
            return
        if (new and not reported and case is not None and case.stage == MANUAL_REVIEW
                and _review_just_began(t, case) and case_rules.untold_refusal(case)
                and not t.engine.says(text, "review_rejected")):
            # "the third one was actually an expired document" just after the 3rd refusal
            # started the review: why that attempt failed, not the review's result
            case_rules.third_reason_told(t, ids)
            return
        if (new and not reported and case is not None and case.stage == MANUAL_REVIEW
                and not notice and _review_just_began(t, case)
                and (t.engine.adds(text) or not t.engine.says_failure(text))
                and fix.add_reasons(t, ids)):
            # "the email also says my document is expired" minutes after the review began: one
            # more reason of the rejection that led to it, not the review's result
            return
        if not new and case is not None and case_rules.lock_reason_awaited(t, case):
            case_rules.lock_reason_told(t, ids)  # why the 5th failed: into the summary
            return
        if new and case_rules.rejected(t, ids):
            apply_count(t, count)
            return  # the stage says what comes next (manual review, lock risk, failed review)
        case = t.open_case()
        if case is not None and case.failures >= 2 and case_rules.severe_again(
                t, [r for r in ids if r in before]):
            apply_count(t, count)
            return  # flagged as changed once more: stop, support (no second walk to "resubmit")
        refused_review = case is not None and case.review_refused_at == iso(t.now)
        if new and not refused_review:  # counted: say so, in case it is the old notice sent again
            case_rules.rejection_noted(t)  # (a review's refusal said its own: review_rejected_reason)
        if count is not None and t.engine.count_is_least(text):
            t.count_least = True  # "failed again": two or more, so "how many times?" is asked
        else:
            t.count_said = count
        # the user's own words may answer the fix's first question; a pasted notice does not
        # (it says what Binance found, not what the user knows)
        t.text_said = None if forwarded or notice else text
        step = t.current_step()
        walked = {t.state.reason, *t.state.queue, *t.state.batch}
        # the notice being fixed, forwarded again with nothing resubmitted: no restart
        again = (notice and case is not None and not new
                 and set(ids) == set(case_rules.last_reasons(case)))
        if (not new and t.state.phase == FIX and set(ids) <= walked and case is not None
                and step is not None and not step.end and (not notice or again)):
            if again:
                t.reply("same_notice", title=t.title(t.state.reason or ids[0]))
                fix.render_step(t)
                apply_count(t, count)
                return
            if _did_the_step(t, text):
                # "ok I renewed my ID, what now?" back on "Renew it at the office...": done,
                # the next step is what helps (not another branch's words)
                fix.go_next(t)
                apply_count(t, count)
                return
            if _asks(text) and (other := _step_about(t, text)) is not None:
                # "can I wear my glasses?" on the light step: the step of this fix that says
                t.reply("from_the_fix", text=t.text(other.text))
            elif _asks(text) and not step.is_question and _step_here_about(t, text):
                # "can I just use a scan instead?" on "Do not upload a scan...": this step says
                t.reply("step_answers")
            elif step.is_question:  # ("the photo was blurry" names no option: say so)
                t.reply("same_reason", title=t.title(t.state.reason or ids[0]))
            fix.render_step(t)  # reasons being fixed, said again: carry on, don't restart
            apply_count(t, count)
            return
        if (not new and not notice and t.state.phase == FIX and not set(ids) <= walked
                and doubts(t, text, top.score)):
            # "can he use my ID then?", "I'm 25 so not the age", "不清楚": a question or a
            # denial that names another reason is no reason of this notice
            aside(t, result)
            return
        if (not new and notice and t.state.described and t.state.phase == FIX
                and case is not None and case.stage == FIXING and not set(ids) & walked):
            # the notice found after a description ("it said something about my document...
            # ok here it is: Reason: editing traces"): the notice says what this rejection was
            fix.correct_reasons(t, [r for r in (t.state.reason, *t.state.queue) if r],
                                ids, key="notice_settles")
            t.state.described = False
            return
        if (not new and not notice and t.state.phase == FIX and not set(ids) <= walked
                and not t.engine.adds(text) and not t.engine.says_failure(text)
                and (((_bare(text) or (t.engine.matcher.places(text)
                                       and len(t.engine.matcher.clauses(text)) == 1))
                      and top.score < float(t.policy.matching["named_reason_score"]))
                     or t.engine.matcher.narrates(text))):
            # "name", "I live in Germany", "I uploaded the video and the selfie to my ticket": a
            # bare word, where the user lives (unless a place the region reason is about: "I
            # live in Iran" is firm) or a thing done names no further reason of this rejection
            # (one said with "also", or as a problem, does: "my name is different on the
            # passport")
            aside(t, result)
            return
        if not new and not notice and fix.add_reasons(t, ids):
            apply_count(t, count)
            return  # "oh, and it also says name mismatch": one more reason for this attempt
        mark = len(t.replies)
        fix.start_reasons(t, ids, notice=notice)
        t.state.described = not notice
        fixing = len(t.replies)
        walk = fix.position(t)
        if apply_count(t, count):
            # "rejected 3 times already for blurry photo": what the count means (manual review:
            # don't resubmit now) comes first, the fix to prepare meanwhile after it; a lock
            # risk's notice leaves the fix just shown where it is, so that its buttons work
            t.replies[mark:] = t.replies[fixing:] + t.replies[mark:fixing]
            fix.restore_position(t, walk)
        asked = _asked(t, text)
        if len(asked) > 1:  # "..., how long do I wait and will it hurt my credit score?"
            fix.show_topics(t, [m.id for m in asked[:2]])
        elif side := side_question(t, result, text):
            fix.show_topic(t, side)  # "my photo was blurry. will my account be banned?"
        elif (asked and asked[0].score >= float(t.policy.matching["multi_min_score"])
              and len(_clauses(t, text)) > 1):
            fix.show_topic(t, asked[0].id)  # "... he just cropped the photo, is he banned now?"
        return
    if not result.elsewhere and apply_count(t, count):
        # "I failed 3 times, what documents will they want": the stage answers it; "failed 3
        # times, my photo was blurry" with two close reasons: which one, for the case summary
        if (result.ambiguous and len(result.matches) > 1
                and result.matches[0].kind == result.matches[1].kind == "reason"):
            ask_choice(t, result)
        return
    if top is not None and _did_the_step(t, text):
        # "I filed a police report, what next?" on "Report it to the police first": the step
        # is done, the next one is what helps (not the P2P scam page's police report)
        fix.go_next(t)
        return
    if result.ambiguous and len(result.matches) > 1:
        first, second = result.matches[0], result.matches[1]
        if first.kind == second.kind == "topic":  # a question in two parts: answer both
            fix.show_topics(t, [first.id, second.id])
            return
        journal.record(t, journal.AMBIGUOUS, candidates=candidates, text=text[:500])
        ask_choice(t, result)
        return
    second = result.matches[1] if len(result.matches) > 1 else None
    two = (top is not None and top.kind == "topic" and second is not None
           and second.kind == "topic" and _question_count(text) >= 2
           and (second.score >= t.policy.second_question_share * top.score
                or _asked_alone(t, text, second.id)))
    if top is not None:
        beside = reason_beside(t, result, text) or told_reason(t, result, text)
        if beside is not None:  # "отказали два раза, фото размытое. как подать апелляцию?"
            diagnose(t, replace(result, matches=(beside,), ambiguous=False, multi=False),
                     text, forwarded, count)
            wanted = asked_topics(t, text) or [top.id, *([second.id] if two and second else [])]
            for topic in wanted:  # (once: the diagnosis may have answered it already)
                if not any(f"topic:{topic}" in r.keys for r in t.replies):
                    fix.show_topic(t, topic)
            return
        if two and second is not None:  # "Taiwan ID ok? Also, does it hurt my credit?"
            fix.show_topics(t, [top.id, second.id])
            return
        asked = asked_topics(t, text)
        if len(asked) > 1 and top.kind == "topic" and top.id in asked:
            fix.show_topics(t, asked)  # "can I switch to my passport and is there a limit?"
            return
        fix.show_topic(t, top.id)
        return
    unmatched(t, text, vague=result.vague, unknown_reason=result.unknown_reason,
              elsewhere=result.elsewhere)


#: the questions of one message read one by one for a second answer
_MOST_QUESTIONS = 4


def _asked_alone(t: Turn, text: str, topic: str) -> bool:
    """Is `topic` what one of the message's questions asks, read on its own and firmly ("сколько
    длится ручная проверка? меня забанят?": the second question is the ban page's)?"""
    firm = float(t.policy.matching["multi_min_score"])
    # (the first few questions only: a message of a hundred "?" costs no hundred matches)
    for piece in [p for p in re.split(r"(?<=[?？])", text[:2000]) if p.strip()][:_MOST_QUESTIONS]:
        found = _match(t, piece).top
        if found is not None and found.id == topic and found.score >= firm:
            return True
    return False


def _said_terms(t: Turn, text: str) -> set[str]:
    """The words of a message that say something, not those of any plea ("can", "need",
    "help"): what it may share with a step of the fix."""
    return t.engine.content_terms(text) - t.engine.matcher.vague_terms


def _step_about(t: Turn, text: str) -> Step | None:
    """Another step of the reason being fixed that shares the most words of a question with it
    ("can I wear my glasses?": "Take off glasses, a mask..."), or None (also when the step on
    screen shares as many)."""
    reason = t.kb.reasons.get(t.state.reason or "")
    if reason is None:
        return None
    asked = _said_terms(t, text)
    best, most = None, 0
    here = 0  # the words it shares with the step on screen
    for step in reason.steps:
        if step.is_question or step.end:
            continue
        shared = len(asked & t.engine.content_terms(t.text(step.text)))
        if step.id == t.state.step:
            here = shared
        elif shared > most:
            best, most = step, shared
    # ("а в очках можно?" on "Снимите очки...": the step on screen says it; another step
    # sharing as many words, "можно" of "Можно исправить...", says nothing of it)
    return best if most > here else None


def _step_here_about(t: Turn, text: str) -> bool:
    """Does a question share a word with the step on screen (which then answers it)?"""
    step = t.current_step()
    return step is not None and bool(_said_terms(t, text) & t.engine.content_terms(t.text(step.text)))


#: the words a message shares with the step on screen for it to tell that step done
_STEP_DONE_TERMS = 2


def _did_the_step(t: Turn, text: str) -> bool:
    """Does the message tell the step on screen done (a step that only tells something; the
    message shares its words and asks no yes/no question: "I filed a police report, what
    next?", "我已经报警了，拿到回执了，下一步呢？")?"""
    step = t.current_step()
    if step is None or step.is_question or step.end or t.engine.matcher.yes_no_question(text):
        return False
    if t.engine.denies(text) or not _only_next_asked(t, text):
        return False  # "I can't get rid of the bright spot, what now?": not done
    return len(_said_terms(t, text) & t.engine.content_terms(t.text(step.text))) >= _STEP_DONE_TERMS


def _only_next_asked(t: Turn, text: str) -> bool:
    """Does the message ask nothing but what comes next ("ok I renewed my ID, what now?"),
    its other clauses telling, not asking: no intent of their own, no yes/no lead, no open
    question word ("where is the flash setting?")?"""
    if not _asks(text):
        return True
    open_words = set(t.engine.matcher.open_question_words)
    for clause in _clauses(t, text):
        said = t.engine.intents(clause)
        if "next" in said:
            continue
        if (said or t.engine.matcher.asks_yes_no(clause)
                or set(clause.casefold().split()[:2]) & open_words):
            return False
    return True


def _not_submitted(t: Turn, text: str) -> bool:
    """Does the message say nothing was submitted yet ("before I submit", "我还没提交", "ещё не
    подавал"; with no case, "I haven't submitted yet" too)?"""
    return t.engine.says(text, "not_submitted") or t.engine.says(text, "not_resubmitted")


#: the most words of a clause that only says nothing was submitted yet ("Я еще не подавал")
_NOT_YET_WORDS = 6


def _without_not_yet(t: Turn, text: str) -> str:
    """The message without a short clause that only says nothing was submitted yet ("Можно ли
    по загранпаспорту? Я еще не подавал"): it names no problem, and its words ("не подавал")
    should not tilt the match. Unchanged while a case is open (news of a resubmission there)."""
    if t.open_case() is not None or not _not_submitted(t, text):
        return text
    clauses = t.engine.matcher.clauses(text)
    kept = [c for c in clauses
            if not (len(c.split()) <= _NOT_YET_WORDS and _not_submitted(t, c))]
    return " ".join(kept) if kept and len(kept) < len(clauses) else text


def reason_beside(t: Turn, result: MatchResult, text: str) -> Match | None:
    """The reason a question about a topic also names, when it scores close enough to the topic
    (`dialogue.reason_beside_topic_share`) and no fix is under way (that one goes on); not one
    named only weakly in a yes/no question that tells no failure ("can I use my passport?")."""
    top = result.top
    if top is None or top.kind != "topic" or t.state.phase == FIX:
        return None
    share = t.policy.reason_beside_topic_share * top.score
    found = next((m for m in result.matches if m.kind == "reason" and m.score >= share), None)
    if (found is not None and found.score < float(t.policy.matching["asked_reason_floor"])
            and t.engine.matcher.yes_no_question(text) and not t.engine.says_failure(text)):
        return None
    return found


def told_reason(t: Turn, result: MatchResult, text: str) -> Match | None:
    """The reason a message asking about topics tells in a clause of its own, when it says its
    verification failed and no fix is under way ("人脸识别失败了两次，可以换护照吗？失败太多次会被
    封号吗？": the face check); a clause that asks ("can I use my passport?") tells none."""
    clauses = _clauses(t, text) if result.top is not None and result.top.kind == "topic" else []
    if len(clauses) < 2 or t.state.phase == FIX or not t.engine.says_failure(text):
        return None  # (a clause of its own: one of two or more)
    for clause in clauses:
        if ends_asking(clause) or t.engine.matcher.yes_no_question(clause):
            continue
        found = _match(t, clause)
        top = found.top
        # (named firmly: "i uploaded my passport", 26 for an expired one, names none)
        if (top is not None and top.kind == "reason" and not found.ambiguous
                and top.score >= float(t.policy.matching["multi_min_score"])):
            return top
    return None


def asked_topics(t: Turn, text: str) -> list[str]:
    """The topics a message's questions ask, clause by clause, in order ("how long do I have to
    wait before resubmitting and will it affect my credit score?": two), at most two."""
    return [m.id for m in _asked(t, text)[:2]]


def _asked(t: Turn, text: str) -> list[Match]:
    """The topic of each question clause of the message that names one plainly, in order, each
    once, with its score on that clause alone."""
    if not _asks(text):
        return []
    found: list[Match] = []
    budget = _ASKED_CLAUSES  # matched clauses, whatever the length
    for sentence in _SENTENCE.findall(text):
        if not _asks(sentence.strip()):
            continue
        for clause in _clauses(t, sentence):
            budget -= 1
            if budget < 0:
                return found
            asked = _match(t, clause)
            top = asked.top
            if (top is not None and top.kind == "topic" and not asked.ambiguous
                    and all(m.id != top.id for m in found)):
                found.append(top)
    return found


#: the question clauses of a message read one by one for their topics (a message of many
#: questions is read for its first few: two answers are the most it gets)
_ASKED_CLAUSES = 6

#: a message's sentences, each with its end marks
_SENTENCE = re.compile(r"[^.!?。！？]+[.!?。！？]*")


def _clauses(t: Turn, text: str) -> list[str]:
    """The clauses of `text` the matcher reads one by one (at most `matching.max_clauses`)."""
    return t.engine.matcher.clauses(text)[: int(t.policy.matching["max_clauses"])]


def _bare(text: str) -> bool:
    """A word or two ("name", "the selfie", "姓名"), not a phrase ("姓名不匹配": Chinese has no
    spaces between its words)."""
    words = text.split()
    return len(words) <= 2 and not (len(words) == 1 and is_han(words[0][0]) and len(words[0]) > 3)


def also_said(t: Turn, text: str) -> None:
    """An answer that also names another reason firmly ("yes it is expired, and also my name is
    misspelled"): that reason joins this notice's, after the step the answer led to."""
    if len(text) > _SHORT_ANSWER * 4 or t.state.phase != FIX:
        return
    firm = float(t.policy.matching["multi_min_score"])
    walked = {t.state.reason, *t.state.queue, *t.state.batch}
    result = _match(t, text)
    ids = [m.id for m in result.matches
           if m.kind == "reason" and m.score >= firm and m.id not in walked]
    # the words after the answer's own clause ("yes it's expired, | and my name is wrong")
    rest = " ".join(t.engine.matcher.clauses(text)[1:])
    if ids and not t.engine.hypothetical(text) and not t.engine.denies(rest):
        fix.add_reasons(t, ids, show=False)


def doubts(t: Turn, text: str, score: float) -> bool:
    """Does a message ask "what if", deny ("not", "не", "不"), or ask a question that does not
    firmly name its reason (`multi_min_score`: "my face?"), rather than tell what the notice
    says ("my selfie failed twice, what should I do?" tells it)?"""
    firm = score >= float(t.policy.matching["multi_min_score"])
    # (a negation inside a reason's own words, "имя не совпадает", leaves a reason named this
    # firmly: the matcher reads negations itself; "I'm 25 so not the age" is no such reason)
    named = score >= float(t.policy.matching["named_reason_score"])
    return t.engine.hypothetical(text) or (
        t.engine.denies(text) and not t.engine.adds(text) and not named) or (_asks(text) and not firm)


def aside(t: Turn, result: MatchResult) -> None:
    """A question beside the fix: its topic if one matched, else where to ask; then the step."""
    t.text_said = None  # the question answers nothing of the step
    topic = next((m.id for m in result.matches if m.kind == "topic"), None)
    if topic is not None:
        fix.show_topic(t, topic)
        return
    t.reply("use_buttons")  # about verification, but nothing to act on: the step's buttons
    fix.render_step(t)


def _question_count(text: str) -> int:
    """How many questions a message asks: its runs of question marks, and a last Chinese
    sentence ending in a question particle without one ("要等多久？我的账户会被封吗")."""
    return len(re.findall(r"[?？]+", text)) + ends_asking(text)


def _asks(text: str) -> bool:
    """Does the message ask something (a question mark, Latin or Chinese, or a Chinese question
    particle ending it)?"""
    return "?" in text or "？" in text or ends_asking(text)


def _tells_failure(t: Turn, text: str) -> bool:
    """Does a short answer say, not ask or suppose, that the verification failed ("still failed,
    what now?"; not "is it rejected?", "not sure, did it fail?", "not rejected", "no news, last
    time the rejection came after 2 days", "rejected? no, it passed")?"""
    if len(text) > _SHORT_ANSWER or t.engine.other_attempt(text) or {"passed", "still_waiting"} & {
            *t.engine.intents(text), *t.clause_intents(text)} or any(
            t.engine.says(text, name) for name in ("passed", "still_waiting")):
        return False
    for sentence in re.split(r"(?<=[.!?。！？\n])\s*", text[:2000]):
        if not sentence.strip() or _asks(sentence):
            continue
        if (t.engine.says_failure(sentence) and not t.engine.denies_failure(sentence)
                and not t.engine.hypothetical(sentence)):
            return True
    return False


def _told(t: Turn, text: str, name: str) -> bool:
    """Does a sentence of `text` tell intent `name` as news, not as a question ("they said it is
    under manual review now. What should I do?" tells it; "will they ask for more documents?"
    does not)?"""
    for sentence in re.split(r"(?<=[.!?。！？])\s*", text[:2000]):
        if sentence.rstrip().endswith(("?", "？")):
            # a question after news in one sentence: the clauses before the asking one
            # ("已经转人工审核16个工作日了，还没结果，要等多久？")
            sentence = "，".join(_CLAUSE.split(sentence)[:-1])
        if (sentence and not t.engine.hypothetical(sentence) and not _ASKING.search(sentence)
                and t.engine.says(sentence, name)):
            return True
    return False


_CLAUSE = re.compile(r"[,，;；]")
#: a clause that asks (a Chinese question particle): no news
_ASKING = re.compile(r"[吗嘛么呢]\s*$|[吗嘛][，,]")


def asked_too(t: Turn, text: str, besides: Collection[str | None] = ()) -> None:
    """A typed answer that ends in a question of its own ("I only brightened it, I didn't fake
    anything! will I be banned?"): that question's topic is answered after the step, unless it
    is one of `besides` (the reply answered it already)."""
    if not _asks(text) or len(text) > _SHORT_ANSWER * 4:
        return
    found = _match(t, _question_tail(text)).matches
    asked = next((m for m in found if m.kind == "topic"), None)
    if asked is not None and asked.id not in besides:
        fix.show_topic(t, asked.id)


def side_question(t: Turn, result: MatchResult, text: str) -> str | None:
    """The topic of a question asked beside a reason, when the message asks one ("?") and the
    topic scores close to the reason (`dialogue.side_question_share`)."""
    if not _asks(text) or result.top is None:
        return None
    share = t.policy.side_question_share * result.top.score
    topics = [m for m in result.matches if m.kind == "topic" and m.score >= share]
    if len(topics) > 1:
        # "failed 6 times, always the photo. am I going to be banned??": of the topics the
        # message is close to, the one its question sentence asks
        asked = _tail_top(t, text, sentences=1)
        if asked is not None and any(m.id == asked.id for m in topics):
            return asked.id
    if topics:
        return topics[0].id
    # a long story that ends in a question ("... he could verify my account for 30 USDT if I
    # send him my ID and a selfie. Is that ok?"): the question with the sentence before it
    asked = _tail_top(t, text)
    if asked is None or asked.kind == "reason":
        # "...我只是把照片调亮了一点。我的账号会被封吗？": the sentence before still names the
        # reason; the question alone asks the topic
        asked = _tail_top(t, text, sentences=1) or asked
    return asked.id if asked is not None and asked.kind == "topic" else None


def _tail_top(t: Turn, text: str, sentences: int = 2) -> Match | None:
    """The best match of a message's last question (with `sentences` - 1 before it), when that
    is less than the whole message; else None."""
    tail = _question_tail(text, sentences)
    return _match(t, tail).top if tail != text.strip() else None


#: sentence ends (Latin and Chinese)
_ENDS = ".!?。！？"


def _question_tail(text: str, sentences: int = 2) -> str:
    """The last question of a message and the sentence before it (or the question alone)."""
    text = text.strip()
    last = max(text.rfind("?"), text.rfind("？"))
    if last < 0:
        return text
    start, ends = last, 0
    while start > 0 and text[start - 1] in "?？!！":  # "banned??": one question's marks
        start -= 1
    while start > 0 and ends < sentences:
        start -= 1
        if text[start] in _ENDS:
            ends += 1
    return text[start + (1 if ends == sentences else 0) : last + 1].strip()


def apply_count(t: Turn, count: int | None) -> bool:
    """A typed "failed 3 times": raise the count; True if that moved the case on (and said so)."""
    if count is None or not case_rules.set_failures(t, count, only_raise=True):
        return False
    case = t.case()
    if case.failures == t.policy.lock_after - 1 and case.stage != LOCK_RISK:
        # the manual review is over (a 4th failure came after it); the next may lock
        case_rules.apply_count(t, quiet=True)
        t.reply("one_before_lock", [t.btn("case_summary", "S")], *t.role_rows("contact_support"),
                failures=case.failures)
        return True
    # True only when the new stage said what it means (manual review, lock risk)
    return case_rules.apply_count(t) and case.stage in (MANUAL_REVIEW, LOCK_RISK)


def explain(t: Turn) -> None:
    """What the notice being fixed means, in plain words, and its step again."""
    reason = t.reason()
    if reason is None:
        fix.render_step(t)
        return
    t.reply("explain_reason", title=t.text(reason.title), summary=t.text(reason.summary))
    fix.render_step(t)


def ask_choice(t: Turn, result: MatchResult) -> None:
    t.state.phase = CHOOSING
    rows = [
        [t.reason_btn(m.id) if m.kind == "reason" else t.topic_btn(m.id)]
        for m in result.matches[:3]
    ]
    t.reply("ambiguous", *rows, [t.btn("none_of_these", "x")])


#: words of a message short enough that a reason's word in it is a guess worth asking about
_SHORT_GUESS_WORDS = 3


def guess_reasons(t: Turn, text: str) -> bool:
    """A message of a few words that matches no entry but leans on reasons' words ("photo",
    "my pic", "фото", "照片"): which of the closest reasons (`dialogue.short_guess_min_score`,
    the best of them) is it? Rather than "I only help with verification"."""
    if len(text) > 40 or len(text.split()) > _SHORT_GUESS_WORDS:
        return False
    found = [m for m in t.engine.matcher.candidates(text) if m.kind == "reason"]
    if not found or found[0].score < t.policy.short_guess_min_score:
        return False
    least = found[0].score * 0.4  # (not a reason that only shares a letter or two)
    ask_choice(t, MatchResult(matches=tuple(m for m in found if m.score >= least)))
    return True


#: a message this short (in words) asking for help with nothing else known gets the opener
_HELP_WORDS = 12


def language_unsupported(t: Turn) -> None:
    """A message in a language the bot does not write in: say which it does, and keep what is
    under way in reach (the check-in's question, the step on screen), else the reasons."""
    # (it says all that "I answer in Russian" said a moment ago: "KYC өтінімім қабылданбады")
    t.replies[:] = [r for r in t.replies if "language_nearest" not in r.keys]
    case = t.open_case()
    written = language.listed(t, "language_unsupported")  # "English, Chinese (中文) and ..."
    if case is not None and t.state.asked_result and case_rules.result_pending(t):
        t.reply("language_unsupported", languages=written)
        followups.ask_result(t)
    elif t.current_step() is not None:
        t.reply("language_unsupported", languages=written)
        fix.render_step(t)
    else:
        t.reply("language_unsupported", [t.btn("reasons", "L")], languages=written)


def unmatched(t: Turn, text: str, vague: bool = False, unknown_reason: bool = False,
              elsewhere: bool = False) -> None:
    """Nothing matched; `vague`: the message was about a failed verification without saying
    what went wrong ("kyc failed, help"), so ask for the reason rather than say "off topic";
    `unknown_reason`: a notice gave a reason the bot does not know (support can explain it)."""
    journal.record(t, journal.UNMATCHED, text=text[:1000])
    if any("crisis" in r.keys for r in t.replies):
        return  # "I want to kill myself, I lost everything": the answer was care, not "off topic"
    if t.state.asked_result and t.open_case() is not None and case_rules.result_pending(t):
        # the check-in's question is open
        t.reply("use_buttons")
        followups.ask_result(t)
        return
    if t.current_step() is not None:
        if t.state.phase == FIX and ((vague and t.engine.says_failure(text))
                                     or "explain" in t.clause_intents(text)
                                     or t.engine.says(text, "explain")):
            # "I got this email, what should I do?", "still failing, help": about the notice on
            # screen ("what is the weather", "no" say nothing of it: the step again, below)
            explain(t)
            return
        if (_asks(text) and t.state.phase == FIX and t.state.reason
                and t.engine.mentions(text, t.state.reason)):
            # "I literally used my new iPhone so how is it blurry??": about the reason being
            # fixed, whatever else it names; the step of this fix that says, or what it means
            other = _step_about(t, text)
            if other is None:
                explain(t)
                return
            t.reply("from_the_fix", text=t.text(other.text))
        elif t.engine.foreign(text):  # "¿cuánto tarda la revisión manual?" mid-fix
            language_unsupported(t)
            return
        elif _asks(text) and t.engine.matcher.reads_elsewhere(text):
            # a question about something else ("what are the trading fees?"): where it belongs
            t.reply("nothing_matched", *t.role_rows("contact_support"))
        elif _asks(text):  # "how do I know?", "does it matter?": the step again, and where else
            step = t.current_step()
            t.reply("step_question" if step is not None and step.is_question else "step_question_info")
        else:
            t.reply("use_buttons")
        fix.render_step(t)
        return
    if unknown_reason:
        t.reply("unknown_reason", [t.btn("reasons", "L")], *t.role_rows("contact_support"))
        return
    if vague:
        t.reply("vague", [t.btn("reasons", "L")], *t.role_rows("find_reason", "contact_support"))
        return
    if t.engine.foreign(text):  # "mi verificación fue rechazada": the languages it writes in
        language_unsupported(t)
        return
    if (not elsewhere and len(text.split()) <= _HELP_WORDS and t.engine.asks_help(text)
            and t.engine.matcher.knows_nothing_else(text)):
        # "hi im from madrid, pls help": help asked, nothing else known: the opener
        t.reply("vague", [t.btn("reasons", "L")], *t.role_rows("find_reason", "contact_support"))
        return
    if not t.engine.matcher.reads_words(text):  # "asdfgh", "алло": no word to go on
        t.reply("not_understood", [t.btn("reasons", "L")], *t.role_rows("find_reason"))
        return
    if guess_reasons(t, text):
        return
    if elsewhere and t.engine.about_verification(text):
        # "Bybit rejected my selfie, how do I redo it?": that service's support (not "how do I
        # withdraw to Alipay?": no check there, the usual answer says where to ask)
        t.reply("elsewhere", [t.btn("reasons", "L")])
        return
    t.reply("nothing_matched", [t.btn("reasons", "L")], *t.role_rows("contact_support"))
