"""Checks on the text a pattern found: checksums (Luhn, IBAN) and what a password looks like."""

from __future__ import annotations

B58 = frozenset("123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz")
_SYMBOLS = frozenset("!@#$%^&*_+=?~.-/\\|<>[]{}()'\"`,;:")
_DIGITS = frozenset("0123456789")
_CJK_PUNCT = frozenset("，。；！？、：")
#: trailing characters that end a sentence rather than a password ("is hunter2, then")
_TRAILING = ",.;:)]}»\"'…"


def luhn_ok(number: str) -> bool:
    """Does `number` (spaces and dashes allowed) pass the Luhn check of card numbers?"""
    digits = [int(ch) for ch in number if ch.isdigit()]
    if not 13 <= len(digits) <= 19:
        return False
    total = 0
    for i, d in enumerate(reversed(digits)):
        if i % 2:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


#: the length of each country's IBAN (ISO 13616 registry): a string of that length after the
#: country's code is an IBAN even with a mistyped check digit
IBAN_LENGTHS = {
    "AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22, "BH": 22,
    "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24, "DE": 22, "DJ": 27,
    "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18, "FK": 18, "FO": 18, "FR": 27,
    "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27, "GT": 28, "HN": 28, "HR": 21, "HU": 28,
    "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27, "JO": 30, "KW": 30, "KZ": 20, "LB": 28,
    "LC": 32, "LI": 21, "LT": 20, "LU": 20, "LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22,
    "MK": 19, "MN": 20, "MR": 27, "MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23,
    "PK": 24, "PL": 28, "PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24,
    "SC": 31, "SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
    "TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20, "YE": 30,
}


def iban_ok(text: str) -> bool:
    """Does `text` pass the IBAN check (ISO 13616, mod 97)?"""
    compact = text.replace(" ", "").upper()
    if not 15 <= len(compact) <= 34 or not compact.isalnum():
        return False
    moved = compact[4:] + compact[:4]
    number = "".join(str(int(ch, 36)) for ch in moved)
    return int(number) % 97 == 1


def wallet_ok(token: str) -> bool:
    """Is a base58/hex/bech32-shaped token a wallet address rather than a long word?"""
    low = token.lower()
    if low.startswith("0x") or low[:3] in ("bc1", "tb1") or low.startswith("ltc1"):
        return True
    if not set(token) <= B58:
        return False
    has_digit = any(ch.isdigit() for ch in token)
    has_upper = any(ch.isupper() for ch in token)
    has_lower = any(ch.islower() for ch in token)
    return has_digit and has_upper and has_lower


def looks_like_password(token: str) -> bool:
    """A token that reads as a password even without "is"/":": letters with digits or symbols,
    a lowercase letter, six characters or more ("Tiger2024!", "qwerty123"), not an address."""
    if not 6 <= len(token) <= 64 or token.isalpha() or token.isdigit():
        return False
    if token[0] == "]" and token[1:].isalpha():
        return False  # "pass]password": the end of a mask's bracket and a word, not a password
    chars = set(token)
    if chars & _CJK_PUNCT or any(is_cjk_char(ch) for ch in chars):
        return False
    if "@" in chars and "." in token.rpartition("@")[2]:
        return False  # an e-mail address
    if token[:4].lower() in ("http", "www."):
        return False
    lower = any(ch.islower() for ch in chars)
    other = not chars.isdisjoint(_DIGITS) or not chars.isdisjoint(_SYMBOLS)
    return lower and other and any(ch.isalpha() for ch in chars)


def strip_token(text: str, start: int, end: int) -> tuple[int, int]:
    """The span of a token without the punctuation that ends the sentence around it."""
    while end > start and text[end - 1] in _TRAILING:
        end -= 1
    while start < end and text[start] in "([{«\"'":
        start += 1
    return start, end


def year_like(value: str) -> bool:
    return len(value) == 4 and value[:2] in ("19", "20")


def is_cjk_char(ch: str) -> bool:
    return "\u2e80" <= ch <= "\u9fff" or "\uf900" <= ch <= "\ufaff" or "\u3000" <= ch <= "\u303f" or "\uff00" <= ch <= "\uffef"
