"""Detectors for data with a shape (e-mail, wallet, IBAN, card, phone, ID numbers) and for data
that follows a cue word (password, one-time code, CVV, Binance UID, ID number after "passport").
Each one claims spans on a `Scan`; see scan.py for the order they run in.
"""

from __future__ import annotations

from bisect import bisect_left

from bot.understanding.privacy.masks import MASKS
from bot.understanding.privacy.rx import Match
from bot.understanding.privacy.scan import KEEP, Scan
from bot.understanding.privacy.shapes import (
    B58,
    IBAN_LENGTHS,
    iban_ok,
    is_cjk_char,
    looks_like_password,
    luhn_ok,
    strip_token,
    wallet_ok,
    year_like,
)
from bot.understanding.text import is_han


def existing_masks(scan: Scan) -> None:
    """Masks from an earlier pass ("[name]") stay as they are: redact is idempotent. Only the
    masks this redactor writes: "[at]" and "[dot]" spell an e-mail address."""
    for s, e, _ in scan.matches(scan.p.mask, group=""):
        if scan.text[s:e] in _MASK_TEXTS:
            scan.claim(KEEP, s, e)


#: the masks this redactor writes
_MASK_TEXTS = frozenset(MASKS.values())


def secrets(scan: Scan) -> None:
    """A bot token in a URL or a pasted config: "[secret]", as the token masker writes it."""
    for s, e, _ in scan.matches(scan.p.bot_token, group=""):
        scan.claim("secret", s, e)


#: the shortest machine-readable passport line taken whole (a full one has 30, 36 or 44 signs)
_MRZ_MIN = 20


def mrz_lines(scan: Scan) -> None:
    """A passport's machine-readable zone, pasted or typed off the page: each line holds the name,
    the document number and the birth date, so the whole line is masked."""
    for s, e, _ in scan.matches(scan.p.mrz):
        if e - s >= _MRZ_MIN and sum(c.isalnum() for c in scan.text[s:e]) >= 6:
            scan.claim("id_number", s, e)


def emails(scan: Scan) -> None:
    public = tuple(scan.vocab.public_email_domains)
    for s, e, _ in scan.matches(scan.p.email, group=""):
        domain = scan.text[s:e].rpartition("@")[2].lower().rstrip(".")
        own = domain in public or domain.endswith(tuple("." + d for d in public))
        scan.claim(KEEP if own else "email", s, e)
    for s, e, _ in scan.matches(scan.p.email_obfuscated):
        scan.claim("email", s, e)
    for s, e, _ in scan.matches(scan.p.email_encoded):
        scan.claim("email", s, e)


#: how far after a private-key word (`seed`) a 64-hex-digit key may start
_KEY_GAP = 24


def hashes(scan: Scan) -> None:
    """64 hex digits ("2670bbe4...", "0xb910..."): a transaction hash, public on the chain and
    what support asks for, so it stays readable, and no digit run inside it is taken for a card
    or a phone. Right after a private-key word (`seed`: "private key", "私钥") it is the key."""
    if not scan.has_digit:
        return
    cue_ends: list[int] | None = None
    for s, e, _ in scan.matches(scan.p.tx_hash):
        value = scan.text[s:e]
        if not any(ch.isalpha() for ch in value[2:]) or not any(ch.isdigit() for ch in value[2:]):
            continue
        if cue_ends is None:
            cue_ends = [ce for _, ce in scan.cues("seed")]
        key = any(0 <= s - ce <= _KEY_GAP and _short_gap(scan.text[ce:s], words=2) for ce in cue_ends)
        scan.claim("seed_phrase" if key else KEEP, s, e)


def wallets(scan: Scan) -> None:
    contracts: list[int] | None = None
    for s, e, _ in scan.matches(scan.p.wallet):
        if not is_wordchar_at(scan, e) and wallet_ok(scan.text[s:e]):
            if contracts is None:
                contracts = [end for _, end in scan.cues("contract")]
            # a token's contract ("контракт TR7NHq...", "contract address: 0xdAC1..."): public
            public = any(0 <= s - end <= 4 and not scan.text[end:s].strip(" :：=-–—") for end in contracts)
            scan.claim(KEEP if public else "wallet", s, e)


#: longer than this, a run of base58 signs is a transaction signature, not a key
_B58_SIGNATURE = 64
#: how many capitals, and how many small letters, a random key of 32 signs or more has at least
_MIXED = 4


def long_secrets(scan: Scan) -> None:
    """A run of 32 or more letters and digits with capitals, small letters and digits all in it
    (an API key or secret, an access token: "here's my API key: vmPUZE6mv9SD..."): never a word,
    and not a hash or an address, which are claimed before it."""
    if not scan.has_digit:
        return
    for s, e, _ in scan.matches(scan.p.long_token):
        value = scan.text[s:e]
        if len(value) > _B58_SIGNATURE and set(value) <= B58:
            continue  # a Solana transaction's signature (87-88 base58 signs): public
        # (random: several of each kind; a bank's reference is digits with a letter or two,
        # "E18236120202406141015s0123456789")
        if (sum(ch.isupper() for ch in value) >= _MIXED and sum(ch.islower() for ch in value) >= _MIXED
                and sum(ch.isdigit() for ch in value) >= 3):
            scan.claim("secret", s, e)


def ibans(scan: Scan) -> None:
    """An IBAN with a valid checksum anywhere; whatever its checksum (a mistyped IBAN is still
    the user's account), one right after an IBAN word ("IBAN:", "RIB"), or one of its country's
    exact length in a message that says IBAN ("pourquoi mon IBAN est refusé ? FR76 ...")."""
    cue_ends: list[int] | None = None
    for s, e, _ in scan.matches(scan.p.iban, group=""):
        text = scan.text[s:e]
        if cue_ends is None:
            cue_ends = [ce for _, ce in scan.cues("iban")]
        while len(text.replace(" ", "")) >= 15:  # a word after the IBAN may have been taken in
            if iban_ok(text) or (cue_ends and IBAN_LENGTHS.get(text[:2]) == len(text.replace(" ", ""))):
                scan.claim("iban", s, s + len(text))
                break
            text = text.rsplit(" ", 1)[0] if " " in text else text[:-1]
        else:
            if any(0 <= s - ce <= 20 and _short_gap(scan.text[ce:s]) for ce in cue_ends):
                scan.claim("iban", s, e)


def cards(scan: Scan) -> None:
    """A card number: a valid checksum, a card word just before it, or the printed shape of a
    card (four groups of four digits). Its expiry ("exp 09/27") goes with it."""
    if not scan.has_digit:
        return
    cue_ends = [e for _, e in scan.cues("card")]
    for s, e, _ in scan.matches(scan.p.card):
        if scan.after_char(e).isdigit():
            continue
        near_cue = any(0 <= s - ce <= 25 for ce in cue_ends)
        if _is_card(scan.text[s:e], near_cue):
            scan.claim("card", s, e)
        elif scan.text[s - 1 : s].isalpha():  # "Zaq1xsw2 5469 3800 1234 5673": the 2 is not the card's
            cut = min((i for i in (scan.text.find(" ", s, e), scan.text.find("-", s, e)) if i > 0),
                      default=-1)
            if cut > 0 and _is_card(scan.text[cut + 1 : e], near_cue):
                scan.claim("card", cut + 1, e)
    for _, e in scan.cues("card_expiry"):
        # "exp 09/27", "срок действия карты 09.27", "gültig bis 09-27"
        for s, end, gap in scan.chunks_after(e, 28):
            value = scan.text[s:end]
            words = 2 if value[2:3] == "/" else 0  # "до 05.12" after "срок" is a deadline
            if (_short_gap(gap, words=words) and len(value) in (5, 7) and value[2] in "/.-"
                    and value[:2].isdigit() and value[3:].isdigit() and 1 <= int(value[:2]) <= 12):
                scan.claim("card", s, end)
            break


def _is_card(number: str, near_cue: bool) -> bool:
    digits = sum(c.isdigit() for c in number)
    return digits >= 13 and (luhn_ok(number) or near_cue or _printed_card(number))


def _printed_card(number: str) -> bool:
    groups = number.replace("-", " ").split(" ")
    return len(groups) == 4 and all(len(g) == 4 for g in groups)


def cvvs(scan: Scan) -> None:
    """Three or four digits after a CVV word ("CVV 913"); or after a code's bare word
    ("código", "code", "код": one word, no digit, not "2fa code", "sms code" or "pin") that
    follows a card number found (with its expiry between, maybe): "cartão 5162 ... validade
    04/28 código 913" tells the card's code. A code that a word says the kind of
    (`code_qualifiers`: "postal code", "declined code 051", "código postal", "код ошибки") is
    not the card's."""
    if not scan.has_digit:
        return
    for _, e in scan.cues("cvv"):
        _cvv_after(scan, e)
    cards = [e for e, k in zip(scan.ends, scan.kinds, strict=True) if k == "card"]
    if not cards:
        return
    pins = scan.vocab.folded("password")
    for cs, e in scan.cues("code"):
        word = scan.text[cs:e]
        if (" " in word or any(ch.isdigit() for ch in word) or word.casefold() in pins
                or is_cjk_char(word[0]) or _qualified_code(scan, cs, e)):
            continue
        if any(0 <= cs - end <= _CARD_TO_CODE and _after_card(scan, end, cs) for end in cards):
            _cvv_after(scan, e)


#: how far around a code's word its qualifier is looked for ("declined ", " d'erreur")
_QUALIFIER_REACH = 24
#: what is stripped from the words around a code's word ("zip-code", "(postal) code")
_QUALIFIER_SIGNS = ".,;:!?()[]{}\"'«»“”-–—"


def _qualified_code(scan: Scan, start: int, end: int) -> bool:
    """Does a word of `code_qualifiers` stand right before the code's word at start:end, or
    right after it, one word or two ("postal code", "zip-code", "promo code", "declined code",
    "código postal", "code d'erreur", "код ошибки", "posta kodu")?"""
    qualifiers = scan.vocab.folded("code_qualifiers")
    text = scan.text
    before = [w.strip(_QUALIFIER_SIGNS) for w in
              text[max(0, start - _QUALIFIER_REACH) : start].casefold().replace("-", " ").split()]
    after = [w.strip(_QUALIFIER_SIGNS) for w in
             text[end : end + _QUALIFIER_REACH].casefold().replace("-", " ").split()]
    if start > _QUALIFIER_REACH and before:
        before = before[1:]  # (the first may be cut)
    if len(text) > end + _QUALIFIER_REACH and after:
        after = after[:-1]
    return any(" ".join(words) in qualifiers
               for words in (before[-1:], before[-2:], after[:1], after[:2]) if words)


#: the most characters between a card number (or its expiry) and the code's word after it
_CARD_TO_CODE = 24


def _after_card(scan: Scan, end: int, cue: int) -> bool:
    """Is the text between a card's end and a code's word only an expiry found, separators and
    a word or two ("validade [card] ", ", ")? No sentence ends there."""
    gap = scan.text[end:cue]
    i = bisect_left(scan.starts, end)
    while i < len(scan.starts) and scan.starts[i] < cue:  # the expiry, claimed as the card's
        if scan.kinds[i] != "card":
            return False
        gap = gap.replace(scan.text[scan.starts[i]:scan.ends[i]], " ")
        i += 1
    return _short_gap(gap, words=3) and not any(ch in ".!?\n。！？" for ch in gap)


def _cvv_after(scan: Scan, e: int) -> None:
    for s, end, gap in scan.chunks_after(e, 24):
        if _short_gap(gap) and scan.text[s:end].isdigit() and 3 <= end - s <= 4:
            scan.claim("cvv", s, end)
        break


def _short_gap(gap: str, words: int = 2) -> bool:
    """Is the text between a cue and its value only a separator and a few words?"""
    return len(gap) <= 20 and len(gap.split()) <= words and "[" not in gap and not any(ch.isdigit() for ch in gap)


def passwords(scan: Scan) -> None:
    """The token after a password word: "password: x", "my pass is x", "senha é x", "密码是x";
    or, without such a link, a password-shaped token in the rest of the sentence."""
    cues = scan.cues("password")
    if not cues:
        return
    v = scan.vocab
    links = v.folded("password_links")
    fillers = v.folded_union("password_fillers", "password_links")
    not_passwords = v.folded("not_passwords")
    cjk_links = sorted((w for w in links if is_cjk_char(w[0])), key=len, reverse=True)
    for cs, ce in cues:
        cue = scan.text[cs:ce]
        ambiguous = cue.casefold() in v.folded("password_ambiguous")  # "pass": "can't pass KYC"
        window = scan.window(ce, 120)
        quoted = _quoted_after(window, fillers)
        if (quoted is not None and not ambiguous  # «зимний лес 2021», "blue sky 77": with spaces
                and not set(window[quoted[0]:quoted[1]].casefold().split()) & not_passwords):
            scan.claim("password", ce + quoted[0], ce + quoted[1])
            continue
        found = _value_after(window, is_cjk_char(cue[-1]), links, fillers, not_passwords, cjk_links)
        if found is not None:
            s, e, linked = found
            looks = looks_like_password(window[s:e])
            # "my pass fluffy123": a password-shaped word right after even an ambiguous cue
            wanted = (linked and (looks or not ambiguous)) or looks
            if wanted and scan.claim_up_to_next("password", ce + s, ce + e):
                continue
        if ambiguous:
            continue
        for s, e in tokens(window[:60]):
            if looks_like_password(window[s:e]):
                scan.claim("password", ce + s, ce + e)


_QUOTES = {"«": "»", '"': '"', "“": "”", "„": "“", "'": "'", "「": "」"}


def _quoted_after(window: str, fillers: frozenset[str]) -> tuple[int, int] | None:
    """The inside of a quote that opens after a password word and only filler or link words
    ("is", "у меня") and closes within 40 characters: a password written with spaces."""
    for i, ch in enumerate(window[:30]):
        close = _QUOTES.get(ch)
        if close is None:
            continue
        if any(w.strip(":=") not in fillers for w in window[:i].casefold().split()):
            return None
        end = window.find(close, i + 1)
        inner = window[i + 1: end]
        if 0 < end - i - 1 <= 40 and inner.strip() and inner.count(" ") <= 4:
            return i + 1, end
        return None
    return None


def _value_after(
    window: str,
    cjk: bool,
    links: frozenset[str],
    fillers: frozenset[str],
    not_passwords: frozenset[str],
    cjk_links: list[str],
) -> tuple[int, int, bool] | None:
    """The first token after the cue that is not a filler word, and whether a link ("is", ":",
    "是") stood before it; None when a word says the password is only described."""
    pos, linked = 0, False
    for _ in range(5):
        while pos < len(window) and window[pos].isspace():
            pos += 1
        if pos >= len(window):
            return None
        if window[pos] in ":=：":
            linked, pos = True, pos + 1
            continue
        start = pos
        if cjk:
            link = next((w for w in cjk_links if window.startswith(w, pos)), None)
            if link:
                linked, pos = True, pos + len(link)
                continue
            while pos < len(window) and not window[pos].isspace() and not is_cjk_char(window[pos]):
                pos += 1
        else:
            while pos < len(window) and not window[pos].isspace():
                pos += 1
        if pos == start:
            return None
        word = window[start:pos].casefold()
        bare = word.rstrip(":=")
        if bare in fillers:
            linked = linked or bare in links or word.endswith((":", "="))
            continue
        if word.strip(",.;!?") in not_passwords:
            return None
        s, e = strip_token(window, start, pos)
        return (s, e, linked) if e > s else None
    return None


def tokens(window: str, most: int = 12) -> list[tuple[int, int]]:
    """The spans of the first `most` tokens of `window`, punctuation around them stripped: runs
    of characters between spaces, Chinese or Japanese characters and their punctuation
    ("生日 xiaoyu0612，是不是" holds the token "xiaoyu0612")."""
    out: list[tuple[int, int]] = []
    pos, n = 0, len(window)
    while pos < n and len(out) < most:
        while pos < n and (window[pos].isspace() or is_cjk_char(window[pos]) or _cjk_mark(window[pos])):
            pos += 1
        start = pos
        while pos < n and not (window[pos].isspace() or is_cjk_char(window[pos]) or _cjk_mark(window[pos])):
            pos += 1
        if pos > start:
            out.append(strip_token(window, start, pos))
    return out


def _cjk_mark(ch: str) -> bool:
    """Chinese and Japanese punctuation ("，", "。", "：", "、")."""
    return "\u3000" <= ch <= "\u303f" or "\uff01" <= ch <= "\uff0f" or "\uff1a" <= ch <= "\uff20"


def usernames(scan: Scan) -> None:
    """A messenger handle: "@ivan_petrov", or the word after "WeChat", "微信号", "логин" when it
    looks like a handle (digits, "_" or "." inside), not an ordinary word."""
    # (a handle made of the service's own name and support words, "@BinanceHelpDesk",
    # "@binance_kyc_support", is an account the user asks about, not theirs: it stays readable,
    # as the service's e-mail domains do; "@binanceivan92" is someone's)
    brands = {d.split(".")[0] for d in scan.vocab.public_email_domains}
    for s, e, _ in scan.matches(scan.p.handle):
        if not _service_handle(scan.text[s:e].casefold(), brands):
            scan.claim("username", s, e)
    text = scan.text
    links = scan.vocab.folded("password_links")
    for cs, e in scan.cues("username"):
        if scan.before_char(cs) in "./@" and cs > 0:
            continue  # "api.telegram.org", "t.me/x": a domain, not the word
        s = e
        while s < len(text) and s - e < 4 and text[s] in " \t:：=-，是为為":
            s += 1
        link = text[s : s + 12].split(" ", 1)
        if s > e and len(link) == 2 and link[0].casefold() in links:  # "my login is kwame.m"
            s += len(link[0]) + 1
        if s == e and not is_cjk_char(text[e - 1]):
            continue  # "telegram.org", "wechat_pay": the cue runs on into something else
        end = s
        while end < len(text) and end - s < 40 and (
            (text[end].isascii() and text[end].isalnum()) or text[end] in "_."
        ):
            end += 1
        while end > s and text[end - 1] == ".":
            end -= 1
        value = text[s:end]
        if len(value) >= 4 and not value.isdigit() and any(ch.isdigit() or ch in "_." for ch in value):
            scan.claim("username", s, end)


#: what an account of the service itself is called besides its name (longest first: "helpdesk"
#: goes before "help" takes its start)
_SERVICE_WORDS = tuple(sorted(("helpdesk", "help", "desk", "support", "official", "kyc", "team",
                               "care", "service", "verify", "verification", "admin", "bot", "news",
                               "global", "info"), key=len, reverse=True))


def _service_handle(handle: str, brands: set[str]) -> bool:
    """Is a handle (casefolded) the service's name and its support words only?"""
    rest = handle.lstrip("@")
    if not any(b in rest for b in brands):
        return False
    for word in (*brands, *_SERVICE_WORDS):
        rest = rest.replace(word, "")
    return not rest.strip("_.0123456789")


def codes(scan: Scan) -> None:
    """A 4-8 digit code (or "615 204") shortly after "2FA", "OTP", "code", "验证码"...; after
    such a word also an authenticator's setup key ("JBSW Y3DP EHPK 3PXP"), and a list of backup
    codes goes whole ("backup codes: 48213907, 55102846")."""
    if not scan.has_digit:
        return
    for cs, e in scan.cues("code"):
        if _after_error_name(scan.text[max(0, cs - 40):cs]):
            continue  # "FACE_NOT_MATCH (code 4003)": an error's number, not a secret
        window = scan.window(e, 60)
        for m in scan.p.base32_key.finditer(window):
            s, end = m.span("v")
            key = scan.text[e + s : e + end]
            if any(ch.isdigit() for ch in key) and sum(ch.isalpha() for ch in key) >= 8:
                scan.claim("code", e + s, e + end)
            break
        for m in scan.p.grouped_code.finditer(window[:40]):  # "backup code is 7HQK-2MZP-9XWA"
            s, end = m.span("v")
            key = window[s:end]
            if _short_gap(window[:s], words=3) and any(ch.isdigit() for ch in key) and any(
                ch.isalpha() for ch in key
            ):
                scan.claim("code", e + s, e + end)
            break
        last = -1
        for s, end, gap in scan.chunks_after(e, 160):
            if last >= 0:  # the next code of a list: only commas or spaces before it
                value = scan.text[s:end]
                if scan.text[last:s].strip(" ,;/\n") or not value.isdigit() or not 6 <= len(value) <= 10:
                    break
                scan.claim("code", s, end)
                last = end
                continue
            if s - e > 40:
                break
            value = scan.text[s:end]
            while " " in value and not value.split(" ", 1)[0].isdigit():
                head = value.split(" ", 1)[0]  # "2FA 620 914": the code's name, then the code
                s += len(head) + 1
                value = scan.text[s:end]
            digits = sum(ch.isdigit() for ch in value)
            if digits < 3 and len(gap) <= 30:
                continue  # "mã 2FA 620 914": "2FA" is part of the name of the code
            plain = value.replace(" ", "").replace("-", "")
            if ("[" not in gap and len(gap) <= 30 and plain.isdigit() and 4 <= digits <= 8
                    and (value.count(" ") + value.count("-") <= 1  # "615 204", or a digit
                         or all(len(g) == 1 for g in value.replace("-", " ").split())  # at a time
                         # or in pairs or threes, as read out: "48 19 27"
                         or all(len(g) in (2, 3) for g in value.replace("-", " ").split()))
                    and not year_like(value)
                    and scan.claim("code", s, end)):
                last = end
                continue
            break


def _after_error_name(before: str) -> bool:
    """Does `before` end with an error's name in capitals and underscores ("FACE_NOT_MATCH (",
    "DOC_EXPIRED, ")?"""
    words = before.rstrip(" \t(（[,，:-").split()
    name = words[-1] if words else ""
    return ("_" in name.strip("_") and name.isascii()
            and all(ch.isupper() or ch.isdigit() or ch == "_" for ch in name))


#: cue words that, between an order word and a number, make the number something else
#: ("ticket, passport 12345678" is a passport number)
_NOT_ORDER = ("id_numbers", "id_series", "card", "cvv", "uid", "code", "password", "username",
              "address", "birth", "seed")


def _a_word(token: str) -> bool:
    """Is a number-like chunk a short word with a digit in it ("P2P", "2FA", "B2B")?"""
    return len(token) <= 4 and any(ch.isalpha() for ch in token) and sum(ch.isdigit() for ch in token) <= 2


#: characters that join the parts of one order or invoice reference
_REFERENCE_JOINERS = frozenset("-/_.#:")


def _reference_end(text: str, end: int) -> int:
    """Where the reference a number starts ends: its parts joined by `_REFERENCE_JOINERS`,
    letters and digits (at most 40 characters more), and a part in brackets glued to it
    ("build=2.90.0(2900012)": the build's number)."""
    stop = min(len(text), end + 40)
    while end < stop and (text[end].isalnum() or (
            text[end] in _REFERENCE_JOINERS and end + 1 < len(text) and text[end + 1].isalnum())):
        end += 1
    if end < stop and text[end] == "(" and "." in text[max(0, end - 12):end]:
        # (after a dotted version only, and a short number: "order 5551234(4111111111111111)"
        # glues a card number to an order's, which is read on its own)
        close = text.find(")", end + 1, stop)
        inner = text[end + 1 : close]
        if close > end + 1 and inner.isalnum() and len(inner) <= _BUILD_DIGITS:
            end = close + 1
    return end


#: the longest build number in brackets after a version ("2.90.0(2900012)")
_BUILD_DIGITS = 10


def order_numbers(scan: Scan) -> None:
    """The number after an order, ticket, case or error word stays readable: "order number is
    2261...", "订单号2024...", "protocolo de atendimento é 2025...". It runs before the card and
    code detectors, so an order number that happens to pass the card checksum stays too."""
    if not scan.has_digit:
        return
    others: list[int] | None = None  # where the other cues start, looked up once if needed
    glued: set[int] = set()  # where they end
    spans: list[tuple[int, int]] = []
    for os_, e in scan.cues("order"):
        e = _past_number_sign(scan, e)  # "tichet nr. 66190243": its full stop ends no sentence
        for s, end, gap in scan.chunks_after(e, 40):
            if _a_word(scan.text[s:end]):
                continue  # "commande P2P n° 2183...": the number comes after the word
            gap = " ".join("w" if _a_word(w) else w for w in gap.split(" "))
            if (_short_gap(gap, words=3) and scan.before_char(s) != "+"
                    and not _printed_card(scan.text[s:end])):  # "order with 4000 1234 5678 9010"
                if others is None:
                    spans = [span for key in _NOT_ORDER for span in scan.cues(key)]
                    others = sorted(c for c, _ in spans)
                    glued = {ce for _, ce in spans}
                # "身份证编号", "passport request number": the number is the document's; so
                # is an order word inside a document's ("档案编号" holds "编号")
                after_other = os_ in glued or (os_ - 1 in glued and scan.text[os_ - 1].isspace()) or any(
                    cs < os_ and e <= ce for cs, ce in spans)
                if not after_other and bisect_left(others, e) == bisect_left(others, s):
                    # no other cue between; the whole reference stays ("20240611-KR-553821",
                    # "INV/20240611/MPL/3928174650")
                    scan.claim(KEEP, s, _reference_end(scan.text, end))
            break


def _past_number_sign(scan: Scan, pos: int) -> int:
    """Past a short number sign written with a full stop right after `pos` ("nr.", "no.",
    "núm.": the house words of the privacy files that end in one), or `pos`."""
    text = scan.text
    start = pos
    while start < len(text) and text[start] in " \t":
        start += 1
    end = start
    while end < len(text) and end - start < _SIGN_LONGEST and text[end] not in " \t":
        end += 1
    signs = scan.vocab.derived("number signs", lambda v: frozenset(
        w for w in v.folded("house") if w.endswith(".") and len(w) <= _SIGN_LONGEST and w[:-1].isalpha()))
    return end if end > start and text[start:end].casefold() in signs else pos


#: the longest number sign skipped after an order word ("núm.")
_SIGN_LONGEST = 5


def keeps(scan: Scan) -> None:
    """What looks like personal data but is not: hashes, amounts, years, public people's names
    (`public_names`: "Elon Musk tweeted ...")."""
    for s, e in scan.cues("public_names"):
        scan.claim(KEEP, s, e)
    for s, e, _ in scan.matches(scan.p.hash_number, group=""):
        scan.claim(KEEP, s, e)
    for s, e, m in scan.matches(scan.p.amount, group=""):
        value = scan.text[s:e].strip()
        while value and not value[-1].isalnum() and value[-1] not in "$€£¥₹₦₽₺₫":
            value = value[:-1]  # the character after the amount the pattern took ("45872319K,")
        if value[-1:].isalpha() and len(value.rstrip("kKuU")) == len(value) - 1 and sum(
            ch.isdigit() for ch in value
        ) >= 7:
            continue  # "45872319K" is a DNI, not 45 billion in thousands
        if _glued_to_letters(scan, s, e, value, m):  # type: ignore[arg-type]
            continue
        scan.claim(KEEP, s, e)


def _glued_to_letters(scan: Scan, s: int, e: int, value: str, m: Match) -> bool:
    """Is an "amount" really part of an ID? "ABCDE1234K" (letters before "1234K") is a PAN, and
    "TR4829173" (a two-letter currency in capitals glued to seven plain digits) a passport number."""
    if m.has("b"):
        start = s + len(scan.text[s:e]) - len(scan.text[s:e].lstrip())
        return scan.before_char(start).isalpha()
    head = value.rstrip("0123456789")
    return (len(head) <= 2 and head.isalpha() and head.isupper() and len(value) - len(head) >= 7
            and value[len(head):].isdigit())
    for s, e, _ in scan.matches(scan.p.year_range, group=""):
        scan.claim(KEEP, s, e)


def uids(scan: Scan) -> None:
    if not scan.has_digit:
        return
    for _, e in scan.cues("uid"):
        for s, end, gap in scan.chunks_after(e, 30):
            if _short_gap(gap) and scan.text[s:end].isdigit() and 5 <= end - s <= 12:
                scan.claim("uid", s, end)
            break


def id_after_cue(scan: Scan) -> None:
    """The number after "passport", "NIN", "CPF", "серия"...: 5+ digits (4 after a series word)."""
    if not scan.has_digit:
        return
    for key, least in (("id_series", 4), ("id_numbers", 5)):
        for _, e in scan.cues(key, digits_after=True):  # "серия4608номер..."
            for s, end, gap in scan.chunks_after(e, 40):
                value = scan.text[s:end]
                digits = sum(ch.isdigit() for ch in value)
                if len(gap) > 28 or "[" in gap or any(ch.isdigit() for ch in gap) or gap.endswith("+"):
                    break  # (after "+" a phone number: "номер +375 29 ...")
                if key == "id_series" and not value.replace(" ", "").isdigit():
                    break  # a series is plain digits ("4608", "45 12"), not "2.91.0"
                if digits >= least and not (digits == 4 and year_like(value)):
                    scan.claim("id_number", s, end)
                    break
                if key == "id_numbers" and _mixed_code(value, digits):
                    scan.claim("id_number", s, end)  # "FİN kodum 5ZK8R2T": letters and digits mixed
                    break


def _mixed_code(value: str, digits: int) -> bool:
    """A short code of capitals and digits mixed, 6 to 12 long with 3 digits or more and 2
    letters or more, opening with a digit ("5ZK8R2T", Azerbaijan's FIN): after an
    ID word it is the number, though it has fewer than 5 digits."""
    letters = sum(ch.isalpha() for ch in value)
    return (6 <= len(value) <= 12 and value.isalnum() and value.isascii() and value == value.upper()
            and digits >= 3 and letters >= 2 and value[0].isdigit())


def ni_numbers(scan: Scan) -> None:
    """A UK National Insurance number ("JT 48 27 91 D"): a shape so specific it goes before
    amounts and dates ("JT 48" is not 48 million rupiah)."""
    for s, e, _ in scan.matches(scan.p.ni, group=""):
        scan.claim("id_number", s, e)
    for s, e, _ in scan.matches(scan.p.hkid):
        scan.claim("id_number", s, e)


def id_shapes(scan: Scan) -> None:
    """ID-like tokens without a cue: AB1234567, PAN GQIPS4526V, TG954Y9FL."""
    for s, e, _ in scan.matches(scan.p.id_token):
        token = scan.text[s:e].strip("-")
        if is_wordchar_at(scan, e):
            continue
        letters = sum(ch.isalpha() for ch in token)
        digits = sum(ch.isdigit() for ch in token)
        head = len(token) - len(token.lstrip("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz-"))
        prefixed = 1 <= head <= 4 and digits >= 5 and token[head:head + 5].replace("-", "").isdigit()
        upper = token.replace("-", "").isalnum() and token == token.upper() and len(token) >= 7
        if letters and (prefixed or (upper and digits >= 4)):
            scan.claim("id_number", s, e)


def phones(scan: Scan) -> None:
    for s, e, _ in scan.matches(scan.p.phone):
        number = scan.text[s:e]
        digits = sum(ch.isdigit() for ch in number)
        if ". " in number or "  " in number or not 7 <= digits <= 15:
            continue
        years = number.replace("–", "-").replace("—", "-").split("-")
        if len(years) == 2 and all(year_like(y.strip()) for y in years):
            continue  # "© 2017 - 2026 Binance.com": a span of years, no number to call
        if number.startswith("(") and ")" not in number:
            s += 1
        scan.claim("phone", s, e)


def _digit_groups(window: str) -> list[tuple[int, int]]:
    """The runs of digits (single spaces and a leading "+" inside) in `window`, in order."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(window)
    while i < n:
        if window[i].isdigit() or (window[i] == "+" and i + 1 < n and window[i + 1].isdigit()):
            start = i
            i += 1
            while i < n and (window[i].isdigit() or (
                    window[i] == " " and i + 1 < n and window[i + 1].isdigit())):
                i += 1
            out.append((start, i))
        else:
            i += 1
    return out


def phones_in_parts(scan: Scan) -> None:
    """A phone number said in groups with words between ("my mobile is 0412, then 555, then
    019", "номер +7 912, потом 345, потом 67 89"): after a phone word, digit groups joined by a
    comma and a word or two make one number when together they have a phone's 7-15 digits."""
    for _, ce in scan.cues("phone_labels"):
        window = scan.window(ce, 90)
        groups = _digit_groups(window)
        if len(groups) < 2 or not _short_gap(window[: groups[0][0]], 3):
            continue
        taken = [groups[0]]
        for s, e in groups[1:]:
            gap = window[taken[-1][1]: s]
            if not (gap.strip(" ,") and _short_gap(gap)) and gap.strip() not in ("", ",", "-"):
                break
            taken.append((s, e))
        digits = sum(ch.isdigit() for s, e in taken for ch in window[s:e])
        if len(taken) >= 2 and 7 <= digits <= 15:
            scan.claim("phone", ce + taken[0][0], ce + taken[-1][1])


#: what a question in a pasted chat asks for, by the cue list that names it, and its mask
_ASKED = (("security", "secret"), ("address", "address"), ("birth", "date_of_birth"),
          ("id_numbers", "id_number"), ("phone_labels", "phone"), ("password", "password"),
          ("name", "name"), ("name_labels", "name"))


def transcript_answers(scan: Scan) -> None:
    """A support chat pasted in: the user's own line ("Me: ...", "我：...", "Я: ...",
    `self_labels`) right after a line that asks for personal data (one of the `_ASKED` cue
    lists) is that data, whatever its shape ("Me: St. Bridget's", "Èmi: Adéwálé Ògúnlẹ́yẹ")."""
    text = scan.text
    if "\n" not in text:
        return
    labels = scan.vocab.folded("self_labels")
    if not labels:
        return
    asked = [(sorted(s for s, _ in scan.cues(key)), kind) for key, kind in _ASKED]
    prev: tuple[int, int] | None = None
    pos = 0
    for line in text.split("\n"):
        start, end = pos, pos + len(line)
        pos = end + 1
        if not line.strip():
            continue
        colon = min((i for i in (line.find(":"), line.find("：")) if i > 0), default=-1)
        if prev is not None and 0 < colon <= 16 and line[:colon].strip().casefold() in labels:
            kind = next((k for starts, k in asked
                         if any(prev[0] <= c < prev[1] for c in starts)), None)
            if kind is not None:
                _claim_free(scan, kind, start + colon + 1, end)
        prev = (start, end)


def security_answers(scan: Scan) -> None:
    """The answer to a security question told in a sentence: after the question's words
    (`security`) and its "?" or ":", past a few linking words (`security_links`: "and I
    answered"), up to the end of the sentence ("...your first school?' and I answered St.
    Bridget's National School, Drogheda."). Text that asks ("...: your first school?") or has
    no capital or other script ("I never set one") is no answer."""
    text = scan.text
    links = scan.vocab.folded("security_links")
    verbs = scan.vocab.folded("security_verbs")
    for _, ce in scan.cues("security"):
        window = text[ce: ce + 120]
        # (or a dash close after it, as a colon: "кодовое слово для поддержки — Мурзик")
        dash = min((i + 1 for i in (window.find(" — "), window.find(" – "), window.find(" - "))
                    if 0 <= i < 30), default=-1)
        if dash >= 0 and any(w in verbs for w in _letter_words(window[dash:].split(".")[0])):
            dash = -1  # "контрольный вопрос — кличка питомца, ответ Тузик": the answer is told
        mark = min((i for i in (window.find("?"), window.find(":"), window.find("："), dash)
                    if i >= 0), default=-1)
        # no "?" or ":": the question told in a sentence, its answer after a verb of answering
        # ("...first school" and I answered X, "кличка первого питомца, ответ X"); the question
        # may be quoted ("security question ko 'pangalan ng unang alaga' sagot ko po X")
        # ... also when the answer comes before a later "?" ("...I put X, maybe I spelled it
        # wrong?")
        told = mark < 0 or any(w in verbs for w in _letter_words(window[:mark]))
        s = ce + mark + 1 if not told else _after_quote(text, ce, window)
        answered = False
        linked = False  # a word of `security_links` or `security_verbs` stood after it
        while True:
            while s < len(text) and text[s] in " \t'\"“”‘’«»:：?？,，—–-)）":
                s += 1
            # a verb of answering in a script without spaces opens the words after it
            # ("……“你的小学叫什么”，我答的是育才实验小学")
            glued = max((v for v in verbs if v[:1] and is_han(v[0]) and text.startswith(v, s)),
                        key=len, default="")
            if glued:
                s += len(glued)
                linked = True
                # ("我答的是什么我也忘了": a question word or forgetting is no answer)
                answered = not any(text.startswith(n, s) for n in scan.vocab.folded("not_answers"))
                break
            w = s
            while w < len(text) and (text[w].isalpha() or (w > s and text[w] in "’'")):
                w += 1
            word = text[s:w].casefold()
            if w > s and (word in links or word in verbs):
                answered = answered or word in verbs
                linked = True
                s = w
                continue
            break
        if not told or answered:
            _answer_after(scan, s, told)
        elif not linked:
            _bare_answer(scan, s)
        # (with no verb of answering after it, what follows may still be a quoted answer)
        # answers given in quotes in the same sentence ("강아지 이름 '콩이', 초등학교 '한빛초등학교'")
        end = len(text)
        for stop in "\n.!?。！？":
            at = text.find(stop, ce, ce + 160)
            if at >= 0:
                end = min(end, at)
        # (after a verb of answering or the question's mark: the question may be quoted too)
        lowered = text[ce : min(end, ce + 160)].casefold()
        said = [lowered.find(v) for v in verbs if lowered.find(v) >= 0]
        after = ce + (min(said) if told and said else mark if not told else len(lowered))
        for qs, qe in _quoted(text, ce, min(end, ce + 160)):
            if qs > after and text[qe - 1] not in "?？":
                _claim_free(scan, "secret", qs, qe)


#: what may end a one-word answer right after a security question's words
_BARE_ENDS = ".,;!)\n"


def _bare_answer(scan: Scan, s: int) -> None:
    """One word right after the question's words, with no verb of answering, that closes its
    clause is the answer ("..., а кодовое слово барсик"). A word that says it is forgotten or
    wrong (`not_passwords`, `not_answers`: "кодовое слово забыл"), a common word (`not_names`)
    or a linking word is no answer."""
    text = scan.text
    w = s
    while w < len(text) and w - s < 30 and (text[w].isalnum() or (w > s and text[w] in "’'-_")):
        w += 1
    rest = text[w : w + 3].lstrip(" \t")
    if w == s or not (not rest or rest[0] in _BARE_ENDS):
        return
    word = text[s:w].casefold()
    v = scan.vocab
    if any(word in v.folded(key) for key in ("not_passwords", "not_answers", "not_names",
                                              "security_links", "security_verbs")):
        return
    _claim_free(scan, "secret", s, w)


def _letter_words(text: str) -> list[str]:
    """The words of `text`, folded, anything but letters a break ("? and I answered" ->
    ["and", "i", "answered"])."""
    return "".join(ch if ch.isalpha() else " " for ch in text.casefold()).split()


def _answer_after(scan: Scan, s: int, told: bool) -> None:
    """The answer from `s` to the end of its sentence (or its comma, when told in a sentence)."""
    text = scan.text
    e = s
    while e < min(len(text), s + 80) and text[e] not in "\n?!。？！" and not (
            text[e] == "." and (e + 1 >= len(text) or text[e + 1] in " \n")
            and len(text[s:e].split()[-1:] and text[s:e].split()[-1]) > 3) and not (
            told and text[e] in ",，;"):  # told in a sentence: the answer ends at a comma
        e += 1
    value = text[s:e]
    asks = e < len(text) and text[e] in "?？"
    shaped = any(ch.isupper() or (ch.isalpha() and not ch.isascii()) for ch in value)
    if value.strip() and not asks and shaped:
        _claim_free(scan, "secret", s, e)


_OPENING = "'\"«“‘「『"
_CLOSING = "'\"»”’」』"


def _quoted(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The spans inside short quotes ('x', "x", «x», “x”, 「x」) between `start` and `end`."""
    out: list[tuple[int, int]] = []
    i = start
    while i < end:
        if text[i] in _OPENING and not (i > 0 and text[i] == "'" and text[i - 1].isalpha()):
            j = i + 1
            while j < min(end, i + 42) and text[j] not in _CLOSING and text[j] not in _OPENING:
                j += 1
            if j < end and text[j] in _CLOSING and j > i + 1:
                out.append((i + 1, j))
                i = j + 1
                continue
        i += 1
    return out


def _after_quote(text: str, at: int, window: str) -> int:
    """Where the answer may start after a security question's words at `at`: past the question
    itself when it is quoted right there ("question 'name of your first pet' I put X")."""
    for i, ch in enumerate(window[:12]):
        if ch in "'\"“‘«":
            close = {"“": "”", "‘": "’", "«": "»"}.get(ch, ch)
            end = window.find(close, i + 1)
            return at + end + 1 if end > i else at
    return at


def _claim_free(scan: Scan, kind: str, start: int, end: int) -> None:
    """Claim the parts of text[start:end] no earlier claim holds (a value around data found)."""
    i = bisect_left(scan.starts, start)
    if i > 0 and scan.ends[i - 1] > start:
        start = scan.ends[i - 1]
    while start < end:
        i = bisect_left(scan.starts, start)
        cut = min(scan.starts[i], end) if i < len(scan.starts) else end
        piece = scan.text[start:cut]
        if any(ch.isalnum() for ch in piece):
            scan.claim(kind, start, cut)
        if cut >= end:
            break
        start = scan.ends[i]


#: words said one by one that make a number worth masking (a phone, an ID): fewer are an age,
#: an amount, a time
SPELLED_DIGITS = 7


def spelled_digits(scan: Scan) -> None:
    """Seven digits or more said one by one ("my number is zero eight zero three ..."), as voice
    typing writes them: a phone or ID number, unless a ticket or order word stands right before."""
    if scan.p.spelled_digits is None:
        return
    orders = [e for _, e in scan.cues("order")]
    for s, e, _ in scan.matches(scan.p.spelled_digits):
        said = scan.text[s:e].replace(",", " ").replace("-", " ").split()
        # (digits alone are a number for the other detectors: two words said make it spoken)
        if sum(not w.isdigit() for w in said) < 2:
            continue
        if len(said) < SPELLED_DIGITS:
            if len(said) >= SPELLED_CODE and _code_before(scan, s):
                scan.claim("code", s, e)
            continue
        if any(0 <= s - end <= 3 for end in orders):
            scan.claim(KEEP, s, e)
        else:
            scan.claim("number", s, e)


#: digits said one by one after a code's word ("код из смс: восемь два пять ...", "验证码是 六
#: 三 九 ..."): from this many a one-time code (6 is the usual length)
SPELLED_CODE = 4
#: the most characters between a code's word and its digits ("код из смс: ", "the code it sent me
#: is ", "der Code aus der App lautet ")
_CODE_GAP = 32


def _code_before(scan: Scan, start: int) -> bool:
    """Does a `code` cue end shortly before `start`, with no sentence's end in between?"""
    for _, end in scan.cues("code"):
        gap = scan.text[end:start]
        if 0 <= start - end <= _CODE_GAP and not any(ch in ".!?。！？\n" for ch in gap):
            return True
    return False


def cjk_digits(scan: Scan) -> None:
    """Seven digits or more written as Chinese numerals one by one ("手机号是幺三九 零二七一
    五八四六"): a phone or ID number, unless a ticket or order word stands right before."""
    text = scan.text
    if not any("\u3007" <= ch <= "\u9fff" for ch in text):
        return
    orders = [e for _, e in scan.cues("order")]
    for s, e, _ in scan.matches(scan.p.cjk_digits):
        said = sum(not ch.isspace() and ch != "-" for ch in text[s:e])
        if said < SPELLED_DIGITS:
            if said >= SPELLED_CODE and _code_before(scan, s):
                scan.claim("code", s, e)
            continue
        scan.claim(KEEP if any(0 <= s - end <= 3 for end in orders) else "number", s, e)


def digit_runs(scan: Scan) -> None:
    for s, e, _ in scan.matches(scan.p.digits):
        if not scan.after_char(e).isdigit():
            scan.claim("number", s, e)


def is_wordchar_at(scan: Scan, pos: int) -> bool:
    ch = scan.after_char(pos)
    return bool(ch) and (ch.isalnum() or ch == "_")


#: kinds of numbers whose end may be typed on the next line ("...2215\n020X, it split")
_SPLIT_KINDS = frozenset({"id_number", "card", "iban", "phone", "number", "uid"})
#: the most signs the rest of a number on the next line has
_SPLIT_MAX = 8


def number_continuations(scan: Scan) -> None:
    """The rest of a number that ends its line, typed at the start of the next one ("ID
    11010519900307\n020X sorry it split", "CPF 123.456.789\n-09"): 2 to 8 signs, digits
    with "-", "." or a check letter X, at least two digits. Only after a number already found."""
    text = scan.text
    for kind, end in [(k, e) for k, e in zip(scan.kinds, scan.ends, strict=True)
                      if k in _SPLIT_KINDS]:
        i = end
        while i < len(text) and text[i] in ".,;: \t":
            i += 1
        if i >= len(text) or text[i] != "\n":
            continue
        i += 1
        while i < len(text) and text[i] in " \t":
            i += 1
        j = i
        while j < len(text) and j - i <= _SPLIT_MAX and not text[j].isspace():
            j += 1
        piece = text[i:j].rstrip(".,;:)")
        digits = sum(ch.isdigit() for ch in piece)
        if (2 <= len(piece) <= _SPLIT_MAX and digits >= 2
                and all(ch.isdigit() or ch in "-.xX" for ch in piece)):
            scan.claim(kind, i, i + len(piece))
