"""Street addresses: a house number next to a street word ("12 Baker Street", "Calle Mayor 45",
"ул. Ленина, д. 5", "Atatürk Cad. No: 12", "建国路88号"), and the address clause after a cue
("my address is ...", "moro na ...", "địa chỉ: ...") when it has a house number in it.
"""

from __future__ import annotations

import unicodedata

from bot.understanding.privacy.scan import Scan
from bot.understanding.privacy.shapes import is_cjk_char, year_like

_CLAUSE = 90  # the longest address clause masked after a cue
_STOPS = ("\n", " — ", " – ", " - ", "—", "!", "?", ";", "(")
_CJK_STOPS = "，。；！？、,;\n"


def addresses(scan: Scan) -> None:
    house = scan.vocab.folded("house")
    contracts = scan.cues("contract")
    for s, e in scan.cues("address"):  # the whole clause after a cue first, then the shapes
        if any(cs <= s and e <= ce for cs, ce in contracts):
            continue  # "合约地址", "contract address": a token's public address, not a home
        if is_cjk_char(scan.text[e - 1]):
            _cjk_clause(scan, e)
        else:
            _clause(scan, e, house_cue=scan.text[s:e].casefold() in house)
    for _, e in scan.cues("birthplace"):
        _birthplace(scan, e)
    if scan.p.po_box is not None:
        for s, e, _ in scan.matches(scan.p.po_box):
            scan.claim("address", s, e, over_keep=True)
    for s, e, _ in scan.matches(scan.p.address):
        number = scan.text[max(s, e - 3) : e]
        if number[-1:].isdigit() and not number.isdigit() and "\uac00" <= scan.after_char(e) <= "\ud7a3":
            continue  # "사무실로 3번": a count ("3 times"), not a house number ("판교역로 235에")
        scan.claim("address", s, e, over_keep=True)
    for s, e, _ in scan.matches(scan.p.address_cjk, group=""):
        s = _after_cue_chars(scan.text, s, e)
        scan.claim("address", s, e, over_keep=True)
    for s, e, k in list(zip(scan.starts, scan.ends, scan.kinds, strict=True)):
        if k == "address" and not is_cjk_char(scan.text[e - 1]):
            end = _tail(scan, e)
            if end > e:
                scan.extend(s, end)


#: the longest place of birth masked after its label
_PLACE = 60


def _birthplace(scan: Scan, pos: int) -> None:
    """A form's place of birth ("Место рождения: ГОР. ТУЛА", "Place of birth: Lagos, Nigeria",
    "出生地：湖南省长沙市"): the field up to its line's end, a ";" or the end of a sentence (a
    full stop after a word of four letters or fewer abbreviates: "гор.", "St.")."""
    text = scan.text
    limit = min(len(text), pos + _PLACE)
    while pos < limit and text[pos] in " \t:：-–—=":
        pos += 1
    end = pos
    while end < limit and text[end] not in "\n;；。!?！？":
        if text[end] == "." and (end + 1 == limit or text[end + 1] in " \t\n"):
            words = text[pos:end].split()
            if words and len(words[-1]) > 4:
                break
        end += 1
    end = len(text[:end].rstrip(" \t,，."))
    if end > pos and any(ch.isalpha() for ch in text[pos:end]):
        scan.claim("address", pos, end, over_keep=True)


_TAIL_WORDS = 6  # the most words of a town, region and postcode after an address
_TAIL_CHARS = 70


def _postcode(token: str) -> bool:
    """60657, 60657-1234, 1100-053, 10625, 47300: a postcode's shape."""
    head, _, rest = token.partition("-")
    return head.isdigit() and 3 <= len(head) <= 6 and (not rest or (rest.isdigit() and 3 <= len(rest) <= 4))


def _tail(scan: Scan, pos: int) -> int:
    """Where an address ends once the town, region and postcode after it are counted: "1187 W
    Belmont Ave Apt 3, Chicago, IL 60657", "Jalan SS 2/24,\n47300 Petaling Jaya, Selangor",
    "9 Elm Street, Springfield OR 97477". Capitalised words (not `not_names`, but a code of two
    or three capitals before a postcode is a state: "IL", "OR") and postcodes, joined by spaces
    and commas; a new line only before a postcode; a small number only after an address word
    ("Sector 14"). Anything else ends it (a small word, a full stop, a year on its own)."""
    v = scan.vocab
    text = scan.text
    not_names = v.folded("not_names")
    marks = v.folded_union("address_words", "units", "house", "street_after", "street_before")
    limit = min(len(text), pos + _TAIL_CHARS)
    end, i, count, previous = pos, pos, 0, ""
    while count < _TAIL_WORDS:
        j = i
        newline = False
        while j < limit and text[j] in " \t,\n":
            newline |= text[j] == "\n"
            j += 1
        k = j
        while k < limit and not text[k].isspace() and text[k] not in ",;()[]":
            k += 1
        token = text[j:k].rstrip(".")  # a full stop after it stays outside the address
        if not token or (j == i and count):
            break
        if newline and not (_postcode(token) and text.find("\n", i, j) == text.rfind("\n", i, j)):
            break  # a new line goes on the address only when it starts with a postcode
        folded = token.casefold()
        if _postcode(token):
            if year_like(token) and previous != "word":
                break  # "9 Elm Street, 2019": a year, not a postcode
            kind = "code"
        elif token.isalpha() and token.isupper() and 2 <= len(token) <= 3 and _postcode(_next_token(text, k, limit)):
            kind = "state"
        elif token.isdigit() and len(token) <= 5 and previous == "mark":
            kind = "number"
        elif token.isdigit() and len(token) == 2 and previous == "code" and text[i - 4 : i - 3] in " ,\n":
            kind = "code"  # the second half of a Swedish, Czech or Greek postcode: "111 22", "120 00"
        elif token[:1].isupper() and all(ch.isalpha() or ch in "-'’" for ch in token) and (
                folded not in not_names or folded in marks):  # "Quezon City" ("city" is no name)
            kind = "mark" if folded in marks or folded + "." in marks else "word"
        elif (_caseless_part(text, j, k) and ("," in text[i:j] or previous == "caseless")
              and folded not in not_names):
            kind = "caseless"  # ", ধানমন্ডি, ঢাকা ১২০৫": a script without capitals
        else:
            break
        end, i, count, previous = j + len(token), j + len(token), count + 1, kind
    return end


#: the most words of one part of an address in a script without capitals ("लक्ष्मी नगर")
_CASELESS_PART = 3


def _caseless_part(text: str, j: int, k: int) -> bool:
    """Is text[j:k] a word of one part of an address written in a script without capitals:
    the part it stands in, up to the next comma, the line's end or a postcode, is one to three
    words of that script ("..., ধানমন্ডি, ঢাকা ১২০৫", "..., लक्ष्मी नगर, दिल्ली 110092")?"""
    if not _caseless_word(text[j:k]):
        return False
    stop = min(len(text), k + 40)
    cut = min((c for c in (text.find(",", k, stop), text.find("\n", k, stop)) if c >= 0), default=stop)
    rest = text[k:cut].split()
    if rest and _postcode(rest[-1]):
        rest = rest[:-1]
    return (cut < stop or cut == len(text)) and len(rest) < _CASELESS_PART and all(map(_caseless_word, rest))


def _caseless_word(token: str) -> bool:
    """A word of letters (and their marks) in a script without capitals (Bengali, Devanagari)."""
    return bool(token) and all(unicodedata.category(ch)[0] in "LM" and not (ch.isupper() or ch.islower())
                               for ch in token)


def _next_token(text: str, pos: int, limit: int) -> str:
    while pos < limit and text[pos] == " ":
        pos += 1
    end = pos
    while end < limit and not text[end].isspace() and text[end] not in ",;.()":
        end += 1
    return text[pos:end]


def _after_cue_chars(text: str, s: int, e: int) -> int:
    """Start a Chinese address after the verb before it: 我住在上海市... -> 上海市..."""
    for marker in ("住在", "地址", "在", "是", "：", ":"):
        i = text.rfind(marker, s, e)
        if i >= 0 and i + len(marker) < e:
            return i + len(marker)
    return s


#: divisions named in a Chinese address without a house number: province, county, town,
#: village and the village's group ("河南省某县某镇某村三组") make it one
_CJK_DIVISIONS = 3


def _cjk_clause(scan: Scan, pos: int) -> None:
    """The clause after a Chinese address cue, when it has a house number, or (a village has
    none) names `_CJK_DIVISIONS` or more administrative divisions (`address_words`: 省, 县,
    镇, 村...)."""
    text = scan.text
    while pos < len(text) and text[pos] in " ：:是为":
        pos += 1
    end = pos
    while end < len(text) and end - pos < 60 and text[end] not in _CJK_STOPS:
        end += 1
    if any(ch.isdigit() for ch in text[pos:end]) or _divisions(scan, pos, end) >= _CJK_DIVISIONS:
        scan.claim("address", pos, end, over_keep=True)


def _divisions(scan: Scan, pos: int, end: int) -> int:
    """How many Chinese division words (`address_words`) end a name in text[pos:end]: each
    after a Han character, longest first, not overlapping."""
    words = sorted(scan.vocab.cjk("address_words"), key=len, reverse=True)
    text, count, i = scan.text, 0, pos + 1
    while i < end:
        word = next((w for w in words if text.startswith(w, i) and i + len(w) <= end), None)
        if word is not None and is_cjk_char(text[i - 1]):
            count += 1
            i += len(word)
        else:
            i += 1
    return count


def _clause(scan: Scan, pos: int, *, house_cue: bool = False) -> None:
    """Mask the address after a cue, up to the end of its sentence or the first part of the
    sentence that is about something else (", but the bill is ..."); only if it has a house
    number next to a street word or a capitalised word, or the cue is a house word itself and
    the number follows it ("House no 118, Block C, Gulberg III, Lahore")."""
    v = scan.vocab
    text = scan.text
    limit = min(len(text), pos + _CLAUSE)
    while pos < limit and (text[pos] in " \t:" or _starts_with_link(text, pos)):
        pos += len(_starts_with_link(text, pos)) or 1
    if text[pos : pos + 1] in (",", "،", ";", "，"):
        # the cue closed its clause, the place came before it ("میں لاہور میں رہتا ہوں، عمر ..."),
        # unless an address's shape follows ("My address, 221B Baker Street, ...", "Адрес, ул. ...")
        pos += 1
        while pos < limit and text[pos] in " \t":
            pos += 1
        first = text[pos:limit].split(maxsplit=1)[0].casefold() if text[pos:limit].split() else ""
        if not (first[:1].isdigit() or first in v.folded_union("street_before", "house", "units", "address_words")):
            return
    end = _clause_end(scan, pos, limit, v.folded_union("address_words", "units", "house", "street_before", "street_after"))
    clause = text[pos:end]
    numbered = house_cue and clause[:1].isdigit() and not year_like(clause.split()[0].strip(",،."))
    near = numbered or scan.p.address_near.search(clause)
    if not near or (not scan.p.address.search(clause) and _only_years(clause, v.folded("currency"))):
        return
    scan.claim("address", pos, end, over_keep=True)


def _starts_with_link(text: str, pos: int) -> str:
    for link in ("is ", "es ", "é ", "là ", "hai ", "saya ", "di ", "na ", "no ", "em "):
        if text.startswith(link, pos) and not text[pos + len(link) : pos + len(link) + 1].isspace():
            return link
    return ""


def _clause_end(scan: Scan, pos: int, limit: int, address_words: frozenset[str]) -> int:
    text = scan.text
    glued = tuple(w[:-1].casefold() for w in scan.vocab.spaced("street_endings") if w.endswith(".")) or ("\0",)
    orders = scan.vocab.folded("order")
    house = scan.vocab.folded("house")
    end = limit
    for stop in _STOPS:
        i = text.find(stop, pos, limit)
        if i >= 0:
            end = min(end, i)
    ends = scan.p.address_ends
    if ends is not None:  # "..., London NW1 6XE and it says ..." (case-blind, on the text itself)
        m = ends.search(text[pos:limit])
        if m is not None:
            end = min(end, pos + m.start())
    i = pos
    while i < end:  # ". " ends the clause unless it ends an abbreviation (Jl., No., St., ул.)
        j = text.find(". ", i, end)
        if j < 0:
            break
        word = text[max(pos, j - 6) : j].split()[-1] if text[max(pos, j - 6) : j].split() else ""
        abbreviation = word.isalpha() and len(word) <= 4 and word.lower() != word.upper()  # not Arabic
        abbreviation |= word.casefold().endswith(glued)  # "Goethestr. 12"
        if not abbreviation and word.casefold() + "." not in address_words:
            end = j
            break
        i = j + 2
    i = pos
    while i < end:  # ", word" ends it when the word is lowercase and not an address word
        j = text.find(",", i, end)
        if j < 0:
            break
        rest = text[j + 1 : end].lstrip()
        word = rest.split()[0].rstrip(",") if rest.split() else ""
        folded = word.casefold()
        after_word = rest[len(word):].split(maxsplit=1)[0].casefold() if rest[len(word):].split() else ""
        if folded in orders and (after_word[:1].isdigit() or after_word in house):
            end = j  # "j'habite à Lyon, ticket n° 58120447", "..., Ticket 2024-55813": a ticket's
            break  # number, not a house's ("Case postale 3456, 1211 Genève" goes on: no number next)
        listed = folded in address_words or folded.rstrip(".") in address_words
        # ... unless that part is a street and its number, typed in small letters ("алматы, абай
        # даңғылы 150, 34 пәтер"): at most four words, the last a number
        part = rest.split(",", 1)[0].split()
        listed = listed or (1 < len(part) <= 4 and part[-1][:1].isdigit())
        if word and word[0].islower() and not listed and not "\u10d0" <= word[0] <= "\u10ff":  # Georgian: no capitals
            end = j
            break
        i = j + 1
    return end


def _only_years(clause: str, currencies: frozenset[str] = frozenset()) -> bool:
    """Is every number in the clause a year or an amount ("I live in Spain since 2019", "moro em
    Recife, 1.500 USDT travados")?"""
    words = clause.split()
    for i, t in enumerate(words):
        if not any(ch.isdigit() for ch in t):
            continue
        after = words[i + 1].strip(".,;:!?").casefold() if i + 1 < len(words) else ""
        before = words[i - 1].strip(".,;:!?").casefold() if i > 0 else ""
        if not year_like(t.strip(".,")) and after not in currencies and before not in currencies:
            return False
    return True
