"""People's names: after a cue ("my name is", "меня зовут", "我叫"), in mismatch descriptions
("the account says Jon Smith, the passport says John Smith"), and at the start of a message
("Rahul Kumar Sharma here, ...", "Ирина Волкова, 34 года").

A name is a run of capitalised words (with small particles such as "da", "van" between them)
that stops at a word of `not_names`. After a strong cue a lowercase name counts too ("my name
is john smith"); a Chinese name is a known surname and one or two more characters.
"""

from __future__ import annotations

import unicodedata
from bisect import bisect_right

from bot.understanding.privacy.masks import MASKS
from bot.understanding.privacy.scan import KEEP, Scan, _unspaced
from bot.understanding.privacy.shapes import is_cjk_char
from bot.understanding.privacy.vocab import Vocabulary
from bot.understanding.text import simplified

_MAX_WORDS = 5


def names(scan: Scan) -> None:
    v = scan.vocab
    for s, e in scan.cues("name"):
        if is_cjk_char(scan.text[e - 1]) and not _latin_follows(scan, e):
            if not _cjk_name_to_closer(scan, e):
                _chinese_name(scan, _past_link(scan, s, e), strict=False)
        else:  # after a Chinese cue the link word too: "英文名是 Mary Chen"
            links = _CJK_LINKS if is_cjk_char(scan.text[e - 1]) else ""
            _claim(scan, _given_after_comma(scan, _run(scan, e, least=1, lowercase=True,
                                                       skip=":-–—：," + QUOTES + links,
                                                       particle=True)))
    for _, e in scan.cues("name_weak"):
        if is_cjk_char(scan.text[e - 1]) and not _latin_follows(scan, e):
            _chinese_name(scan, e, strict=True, weak=True)
        else:
            # "my brother, Oleg Kovalchuk, ...": a comma may stand between the cue and the name;
            # in a script without capitals ("أخي يوسف") the words up to a common word count
            caseless = _caseless_follows(scan, e)
            _claim(scan, _run(scan, e, least=1 if caseless else 2, lowercase=caseless, skip=",：:" + QUOTES))
    _given_names(scan)
    _titled_names(scan)
    for _, e in scan.cues("salutations")[:_MOST_GREETINGS]:
        # a notice quoted anywhere in the message: "got this: 'Dear John Smith, your ...'",
        # «Уважаемый Иван Петров», 尊敬的王小明 (one word is enough: "Dear Amaka,")
        if is_cjk_char(scan.text[e - 1]) and not _latin_follows(scan, e):
            _chinese_name(scan, e, strict=True)
        else:
            _claim(scan, _run(scan, e, least=1, lowercase=_caseless_follows(scan, e), skip=" "))
    _labelled_names(scan)
    _framed_names(scan)
    _lowercase_opening_name(scan)
    _lowercase_typed_name(scan)
    _closing_name(scan)
    _signature_block(scan)
    _dashed_signature(scan)
    _name_in_brackets_after_mask(scan)
    _name_rewritten(scan)
    _name_under_its_label(scan)
    _name_on_its_own_line(scan)
    _chinese_owner(scan)  # (Chinese has no capitals: "...203X" is no shouting)
    if _shouting(scan.text):
        return  # IN A MESSAGE IN CAPITALS every word looks like a name: cues only
    _patronymic_names(scan)
    _lowercase_patronymic_names(scan)
    _names_before(scan)
    _glued_names(scan)
    says = v.folded("says")
    for s, e in scan.cues("documents"):
        if is_cjk_char(scan.text[e - 1]):
            continue  # Chinese mismatch descriptions go through name_weak ("账户上写的是...")
        pos = _skip_words(scan, e, says)
        span = _run(scan, pos, least=2, lowercase=False, skip=":-–—" + QUOTES)
        _claim(scan, span if span is not None else _after_colon(scan, pos))
        _claim(scan, _possessive_before(scan, s))
    _before_birth(scan)
    _name_between_data(scan)
    _opening_name(scan)
    _greeted_lines(scan)
    _name_variants(scan)
    _respelled_words(scan)
    _name_words_again(scan)


def _given_names(scan: Scan) -> None:
    """One capitalised word after a relative (`name_given`: "my husband Baraka", "namanya Bayu", "mi esposo
    Jesús", "mume wangu Baraka"): a given name, where `name_weak` wants two words. Not a short
    word in capitals ("my son ID card", "my wife KYC"), nor a common word (`not_names`)."""
    text = scan.text
    for _, e in scan.cues("name_given"):
        if is_cjk_char(text[e - 1]):
            continue  # Chinese relatives go through name_weak
        if _unspaced(text[e - 1]):
            _claim(scan, _glued_given_name(scan, e))
            continue
        span = _run(scan, e, least=1, lowercase=_caseless_follows(scan, e), skip=",")
        if span is None:
            continue
        word = text[span[0] : span[1]]
        if " " not in word and word.isupper() and len(word) <= 4:
            continue
        _claim(scan, span)


#: the longest given name read in a script written without spaces (Thai)
_GLUED_GIVEN = 12


def _glued_given_name(scan: Scan, pos: int) -> tuple[int, int] | None:
    """A given name or nickname after its cue in a script written without spaces (Thai
    "เรียกว่ามิวก็ได้ค่ะ", "call me Mew, that's fine"): the letters up to the first word of
    `not_names` glued after them ("ก็ได้", "ค่ะ"), or up to a space or a sign."""
    text = scan.text
    while pos < len(text) and text[pos] in " \t:：\"“'":
        pos += 1
    end = pos
    while end < len(text) and end - pos <= _GLUED_GIVEN and (text[end].isalpha() or unicodedata.category(text[end])[0] == "M"):
        end += 1
    if end - pos > _GLUED_GIVEN:
        end = pos + _GLUED_GIVEN
    closers = scan.vocab.derived("glued not_names", lambda v: frozenset(
        w for w in v.folded("not_names") if w and all(_unspaced(ch) or ch in " ." for ch in w)))
    if any(text.startswith(w, pos) for w in closers):
        return None  # "เรียกว่าอะไร", "ที่เรียกว่าใบขับขี่": what a thing is called, no name
    cut = min((i for i in range(pos + 2, end) for w in closers if text.startswith(w, i)), default=end)
    if cut == end and end < len(text) and (text[end].isalpha() or end - pos > _GLUED_GIVEN - 1):
        return None  # no word closes it: where the name ends is unknown
    return (pos, cut) if cut - pos >= 2 and text[pos:cut].casefold() not in closers else None


def _titled_names(scan: Scan) -> None:
    """Capitalised words after a title written with its capital (`name_titled`: "Account holder
    is Mr James O'Connor-Reid", "titulaire Mme Claire Dubois-Lefèvre", "Herr Jürgen Müller"):
    a title is said only before a name, so no other cue is needed."""
    text = scan.text
    for s, e in scan.cues("name_titled"):
        if text[s].isupper():
            _claim(scan, _run(scan, e, least=1, lowercase=False, skip="."))


#: what may follow a name written after a bare label ("이름 김민준, 생년월일 ...")
_LABEL_ENDS = ",，.。;；、()（）[]\n،۔।።"


def _labelled_names(scan: Scan) -> None:
    """A name after a form label with no colon (`name_labels`: "이름 김민준, 생년월일 ..."):
    only when a comma, full stop, bracket or the line's end follows it, since the same word
    opens ordinary sentences too ("이름 변경을 했어요"). In scripts without capitals one word is
    enough; otherwise the words must be capitalised."""
    text = scan.text
    labels, stems = _data_labels(scan.vocab)
    for _, e in scan.cues("name_labels"):
        if is_cjk_char(text[e - 1]):
            continue
        caseless = _caseless_follows(scan, e)
        # ("Full name [Nguyen Thi Mai Anh]": the name in the brackets after its label)
        span = _run(scan, e, least=1, lowercase=caseless, skip="[")
        if span is None:
            continue
        after = text[span[1] : span[1] + 1]
        # ... or the label of the next datum ("name John Smith dob 03.04.1990")
        if (not after or after in _LABEL_ENDS
                or _first_words(text[span[1] : span[1] + 30].casefold(), labels, stems)):
            scan.claim("name", *span)


#: what ends a name after "I am" in a script without capitals (with no closing word)
_INTRO_ENDS = ",،।.;"


def _framed_names(scan: Scan) -> None:
    """A name between "I am" and "from" (`self_intro` or `name_weak`, then `self_intro_close`):
    "this is Carlos from Bogotá" (one capitalised word is enough), "أنا فاطمة الزهراء بن علي من
    تونس", "میں احمد رضا ہوں". In scripts without capitals two to four words, none of them a
    common word (`not_names`): "میں پریشان ہوں" ("I am worried") is not a name."""
    text = scan.text
    closers = scan.vocab.folded("self_intro_close")
    if not closers:
        return
    not_names = scan.vocab.folded("not_names")
    for _, e in [*scan.cues("self_intro"), *scan.cues("name_weak")]:
        if is_cjk_char(text[e - 1]):
            continue
        run = words_at(text, e, min(len(text), e + 100), 6)
        close = next((i for i, (s, t) in enumerate(run) if text[s:t].casefold() in closers), 0)
        # in a script without capitals a comma or a full stop closes it too: "أنا عبدالله بن
        # فهد الحربي، رقم الهوية ...", "मैं राहुल शर्मा हूँ।", "მე ვარ ნინო ბერიძე, პირადი ..."
        if run and _caseless(text[run[0][0]]):
            ended = next((i for i in range(2, min(5, len(run) + 1)) if any(
                ch in _INTRO_ENDS for ch in
                text[run[i - 1][1]:run[i][0] if i < len(run) else run[i - 1][1] + 2])), 0)
            if ended and (close == 0 or ended < close):
                close = ended
        if close == 0:
            continue
        words = [text[s:t] for s, t in run[:close]]
        if any(w.casefold() in not_names for w in words):
            continue
        caseless = _caseless(words[0][0])
        if caseless and not 2 <= close <= 4:
            continue
        # in small letters two or three words, none a common English word or verb form:
        # "i am muhammad usman tariq from lahore", not "i am really worried from yesterday"
        lower = (2 <= close <= 3 and all(w[0].islower() for w in words)
                 and not any(w.casefold() in scan.vocab.bip39 or w.endswith(("ing", "ed")) for w in words))
        if not caseless and not lower and not (close <= 3 and all(w[0].isupper() for w in words)):
            continue
        if all(scan.free(s, t) for s, t in run[:close]):
            scan.claim("name", run[0][0], run[close - 1][1])


def _lowercase_opening_name(scan: Scan) -> None:
    """A name in small letters that opens the message after a weak cue (`name_weak`, or
    `name_opening`, which counts only there: Portuguese "é o"), closed by a word of
    `name_after`, maybe after a comma: "hey its james o'connell again, ...", "this is chinedu
    okonkwo here", "это дмитрий соколов, писал вчера ..."; right after a greeting without a cue
    ("hey, ana lima here again"), or at the very start ("kwame asante here"). A comma and then the label of another piece of personal data
    (an ID, birth, password, messenger word) closes it too, even with no cue at all: "é o joão
    pedro nascimento, zap ...", "john smith, passport ...". Two or three words, none of them a
    common English word (the BIP-39 list) or an English verb form ("-ing", "-ed"): "this is
    taking forever again" is not a name."""
    text = scan.text
    v = scan.vocab
    m = scan.p.greeting.match(text[:80])
    opening = m.end() if m else 0
    closers = v.folded("name_after")
    not_names = v.folded("not_names")
    labels, stems = _data_labels(v)
    # right after a greeting no cue is needed: "hey, ana lima here again"
    bare = [(opening, opening)]
    for s, e in sorted([*bare, *scan.cues("name_opening"), *scan.cues("name_weak")]):
        if s > opening or is_cjk_char(text[e - 1]):
            break
        if s < opening:
            continue
        span = _run(scan, e, least=2, lowercase=True, skip=",")
        if span is None or not text[span[0]].islower():
            continue
        cued = e > s  # after a cue word, not only a greeting or the start
        if cued:
            span = _before_label(scan, span, labels, stems)
        words = text[span[0] : span[1]].split()
        if len(words) > 3 or any(w.casefold() in v.bip39 for w in words):
            continue
        rest = text[span[1] : span[1] + 30].lstrip(" \t").casefold()
        comma = rest.startswith(",")
        if comma:  # "это дмитрий соколов, писал вчера ...": a comma may come first
            rest = rest[1:].lstrip(" \t")
        labelled = _first_words(rest, labels, stems)
        if comma and labelled:
            scan.claim("name", *span)  # a label is proof enough: "ahmed raza khan, cnic ..."
            continue
        if any(len(w) > 4 and w.endswith(("ing", "ed")) for w in words):
            continue
        # after a cue, without the comma the label still closes it, if no word is a common
        # one: "hallo hier ist jonas weber geb. 02.03.1990"
        labelled = cued and labelled and not any(w.casefold() in not_names for w in words)
        said = labelled or any(rest == w or rest.startswith((w + " ", w + ",", w + ".", w + "!")) for w in closers)
        if said:  # after a cue, a greeting, or at the very start: "kwame asante here, ..."
            scan.claim("name", *span)


def _before_label(scan: Scan, span: tuple[int, int], labels: frozenset[str], stems: tuple[str, ...]) -> tuple[int, int]:
    """A run of small words cut before the label of another datum it ran into ("jonas weber
    geb" of "jonas weber geb. 02.03.1990"), when two words or more stay before it."""
    text = scan.text
    run = words_at(text, span[0], span[1], _MAX_WORDS * 2)
    for i, (s, _) in enumerate(run[2:], start=2):
        if _first_words(text[s : s + 30].casefold(), labels, stems):
            return span[0], run[i - 1][1]
    return span


#: what may follow a name in small letters after a `name_lowercase` cue
_TYPED_CLOSERS = ("when", "but", "and", "instead", "on", "in", "at", "while", "as", "because", "so", "with")


def _lowercase_typed_name(scan: Scan) -> None:
    """A name in small letters after "i typed", "registered as" (`name_lowercase`), anywhere:
    "but i typed chidinma okonkwo when i signed up". Two or three Latin words of three letters
    or more, none a common English word (BIP-39), a `not_names` word or a verb form ("-ing",
    "-ed"); then a comma, a full stop, the end, or a small word such as "when", "but"."""
    for _, e in scan.cues("name_lowercase"):
        _lowercase_name_at(scan, e, frozenset())
    says = scan.vocab.folded("says")
    for _, e in scan.cues("documents"):  # "in de app staat sanne van den berg en op ..."
        if not is_cjk_char(scan.text[e - 1]):
            pos = _skip_words(scan, e, says)
            if scan.text[e:pos].strip(" \t:-–—"):  # a "says" word stood there
                _lowercase_name_at(scan, pos, scan.vocab.folded("not_names"))


def _lowercase_name_at(scan: Scan, pos: int, closers: frozenset[str]) -> None:
    """The name in small letters at `pos` (see `_lowercase_typed_name`); a word of `closers`
    may close it too (small words of `not_names`: Dutch "en")."""
    text = scan.text
    v = scan.vocab
    not_names = v.folded("not_names")
    particles = v.folded("name_particles")
    span = _run(scan, pos, least=2, lowercase=True, skip="")
    if span is None or not text[span[0]].islower():
        return
    words = [w.casefold() for w in text[span[0] : span[1]].split()]
    names = [w for w in words if w not in particles]
    if not 2 <= len(names) <= 3 or len(words) > 5:
        return
    if any(len(w) < 3 or not all("a" <= ch <= "z" or "\u00c0" <= ch <= "\u024f" for ch in w)
           or w in v.bip39 or w in not_names or (len(w) > 4 and w.endswith(("ing", "ed")))
           for w in names):
        return
    rest = text[span[1] : span[1] + 20].casefold()
    first = rest.split()[0] if rest.split() else ""
    if not rest.strip() or rest[:1] in ",.;!?)" or first in _TYPED_CLOSERS or first in closers:
        scan.claim("name", *span)


def _name_between_data(scan: Scan) -> None:
    """Capitalised words between two pieces of personal data, each after a comma: a form
    written in one line, "Personas kods 150392-14827, Ilze Bērziņa, tālr. +371 ...": after a
    datum found already, and before the label of another (an ID, birth, password, messenger,
    phone word), another datum, an address ("Hlavná 24") or the name again in brackets; or,
    after a number (not an address: a town follows one), two or three words in title case
    before a comma and a sentence that goes on in small letters ("codice fiscale ..., Rossi
    Giulia, mi hanno rifiutato di nuovo")."""
    text = scan.text
    v = scan.vocab
    labels, stems = _data_labels(v)
    not_names = v.folded("not_names")
    for e, kind in [(e, k) for e, k in zip(scan.ends, scan.kinds, strict=True) if k not in (KEEP, "name")]:
        if text[e : e + 1] not in (",", "，"):
            continue
        span = _run(scan, e + 1, least=2, lowercase=False, skip="")
        if span is None or len(text[span[0] : span[1]].split()) > 4:
            continue
        rest = text[span[1] : span[1] + 30]
        after = rest[1:].lstrip(" \t") if rest[:1] in (",", "，") else ""
        at = span[1] + len(rest) - len(after) if after else -1
        followed = after and (_first_words(after.casefold(), labels, stems)  # ", tel. ..."
                              or at in scan.starts  # another datum: ", [address]"
                              or any(c.isdigit() for c in after.split(",")[0]))  # ", Hlavná 24"
        words = text[span[0] : span[1]].split()
        titled = kind != "address" and 2 <= len(words) <= 3 and all(
            len(w) >= 2 and w[0].isupper() and w[1:].islower() and w.casefold() not in not_names for w in words)
        if followed or rest.lstrip(" ")[:1] in ("(", "（") or (titled and after[:1].islower()):
            scan.claim("name", *span)


def _pieces(text: str, start: int, end: int, sep: str) -> list[tuple[int, int]]:
    """Where the pieces of text[start:end] between `sep`s are (lines, a line's tab cells)."""
    spans, pos = [], start
    for piece in text[start:end].split(sep):
        spans.append((pos, pos + len(piece)))
        pos += len(piece) + 1
    return spans


def _label_words(scan: Scan) -> frozenset[str]:
    """A form's name labels as a line holds them: `name_labels`, and the `name` cues that end
    in a colon, without it ("given names:" is "given names")."""
    return scan.vocab.derived("label words", lambda v: v.folded("name_labels") | {
        w.rstrip(":：").strip() for w in v.folded("name") if w.endswith((":", "："))})


def _name_under_its_label(scan: Scan) -> None:
    """A name on the line under its label, as a form or a screenshot's text is pasted
    ("SURNAME\nMBEKI-JONES\nGIVEN NAMES\nTHANDIWE GRACE"), or in a table's column under its
    header ("姓名\t出生日期\n欧阳 娜娜\t..."): a label of `name_labels`, or a `name` cue that
    ends in a colon, with its colon or without; the cell under it when it holds one to five
    words of letters."""
    text = scan.text
    if "\n" not in text:
        return
    labels = _label_words(scan)
    not_names = scan.vocab.folded("not_names")
    surnames = scan.vocab.folded("surnames")
    rows = [_pieces(text, ls, le, "\t") for ls, le in _pieces(text, 0, len(text), "\n")]
    for above, below in zip(rows, rows[1:], strict=False):
        for i, (s, e) in enumerate(above):
            label = " ".join(text[s:e].casefold().rstrip(" :：").split())
            if label not in labels or i >= len(below) or (len(above) > 1) != (len(below) > 1):
                continue
            bs, be = below[i]
            cell = text[bs:be]
            value = cell.strip()
            words = value.split()
            if (1 <= len(words) <= _MAX_WORDS and len(value) <= 60
                    and all(ch.isalpha() or ch in " -'’." for ch in value)
                    and not any(w[0].islower() for w in words)  # "name\nwhat should I do"
                    and not any(w.casefold() in not_names for w in words)  # "Name\nID Card"
                    and (not is_cjk_char(value[0])  # "姓名\n不一致": a surname opens a name
                         or value[:2] in surnames or value[:1] in surnames)
                    and value.casefold() not in labels):
                start = bs + len(cell) - len(cell.lstrip())
                if scan.free(start, start + len(value)):
                    scan.claim("name", start, start + len(value))


def _name_on_its_own_line(scan: Scan) -> None:
    """A line that is only a name, in a block of lines with personal data found next to it:
    a form pasted without its labels ("Emily Carter\n12/03/1990\n+44 ...", "陈志强\n...").
    A name here is two to four capitalised words (or in capitals), none a `not_names` word, or
    two to four Chinese characters."""
    text = scan.text
    if "\n" not in text:
        return
    not_names = scan.vocab.folded("not_names")
    labels = _label_words(scan)
    lines = _pieces(text, 0, len(text), "\n")
    found = [False] * len(lines)  # lines holding personal data found already
    line_starts = [ls for ls, _ in lines]
    for st, en, k in zip(scan.starts, scan.ends, scan.kinds, strict=True):
        # (a mask of an earlier pass is kept as it is, and is data found all the same)
        if k != KEEP or text[st:en] in _MASK_TEXTS:
            found[bisect_right(line_starts, st) - 1] = True
    if sum(found) < 2:
        return
    for i, (ls, le) in enumerate(lines):
        line = text[ls:le].strip()
        if (not line or found[i] or not _looks_like_a_name_alone(line, not_names)
                or " ".join(line.casefold().rstrip(" :：").split()) in labels):
            continue  # (a form's label: "GIVEN NAMES")
        near = [j for j in (i - 1, i + 1) if 0 <= j < len(lines)]
        if any(found[j] for j in near):
            start = ls + len(text[ls:le]) - len(text[ls:le].lstrip())
            scan.claim("name", start, start + len(line))


_MASK_TEXTS = frozenset(MASKS.values())


def _looks_like_a_name_alone(line: str, not_names: frozenset[str]) -> bool:
    if 2 <= len(line) <= 4 and all(is_cjk_char(ch) for ch in line):
        return True
    words = line.split()
    if not 2 <= len(words) <= 4 or len(line) > 60:
        return False
    for w in words:
        core = w.replace("-", "").replace("'", "").replace(".", "")
        if not core.isalpha() or not w[0].isupper() or w.casefold().strip(".") in not_names:
            return False
        if not (w[1:].islower() or w.isupper() or w.endswith(".")):
            return False
    return True


#: cue lists whose words label another piece of personal data (an ID, birth, password,
#: messenger, phone word): one after a comma closes a name written before it
_DATA_LABELS = ("id_numbers", "birth", "username", "password", "uid", "phone_labels")


def _data_labels(v: Vocabulary) -> tuple[frozenset[str], tuple[str, ...]]:
    """The folded words of `_DATA_LABELS`, and the stems of their `*` words."""
    return v.folded_union(*_DATA_LABELS), tuple(v.folded_union(*("*" + k for k in _DATA_LABELS)))


def _first_words(rest: str, words: frozenset[str], stems: tuple[str, ...]) -> bool:
    """Does `rest` (folded) open with one of `words`, as one or two words ("cpf", "date of"),
    or with a word that starts with one of `stems` ("паспорт*": "паспорт", "паспорта")?"""
    parts = rest.replace(":", " ").split()
    return bool(parts) and (parts[0] in words or " ".join(parts[:2]) in words or parts[0].startswith(stems))


def _after_colon(scan: Scan, pos: int) -> tuple[int, int] | None:
    """After a document word, a few small words and a colon, then the name: "o nome tá
    certinho: Ana Beatriz Souza Lima", "the name on my account is correct: John Smith"."""
    text = scan.text
    colon = text.find(":", pos, min(len(text), pos + 30))
    if colon < 0:
        return None
    gap = text[pos:colon].split()
    if not 1 <= len(gap) <= 3 or not all(w.isalpha() and w.islower() for w in gap):
        return None
    return _run(scan, colon + 1, least=2, lowercase=False, skip=QUOTES)


#: quotation marks that may stand around a name ("the name on my card is 'Ana Lima'")
QUOTES = "\"'“”‘’«»„「」『』"


def _kana_or_han(ch: str) -> bool:
    """A character of a Japanese or Chinese name: Han, katakana (with its long-vowel mark and
    middle dot, "ジョン・スミス"), and the repeat mark "々" ("佐々木")."""
    return ("\u4e00" <= ch <= "\u9fff" or "\u30a0" <= ch <= "\u30ff" or "\u3400" <= ch <= "\u4dbf"
            or ch == "\u3005")


def _cjk_closers(scan: Scan) -> list[str]:
    return sorted(scan.vocab.cjk("name_after") + scan.vocab.cjk("name_before"), key=len, reverse=True)


def _cjk_name_to_closer(scan: Scan, pos: int) -> bool:
    """After a Japanese name cue, the name is whatever stands before the word that closes it:
    名前は佐藤健太です, 氏名：ジョン・スミスです (Japanese surnames are not in `surnames`)."""
    text = scan.text
    while pos < len(text) and text[pos] in " \t:：「『\"":
        pos += 1
    if pos >= len(text) or not _kana_or_han(text[pos]):
        return False  # "名前はまだ...": a name starts with Han or katakana
    closers = _cjk_closers(scan)
    # 氏名は佐藤 健太、...: in a Japanese message (it has kana), Han or katakana up to a comma
    # or full stop, a surname and a given name of up to three characters each
    end = pos
    while end < len(text) and end - pos < 8 and (_kana_or_han(text[end]) or (text[end] == " " and end > pos and text[end - 1] != " ")):
        end += 1
    parts = text[pos:end].split(" ")
    if (end - pos >= 2 and text[end - 1] != " " and (end == len(text) or text[end] in "、。，,.;；\n（(")
            and (len(parts) == 1 and (end - pos <= 6 or "・" in parts[0]) or len(parts) == 2 and max(map(len, parts)) <= 4)
            and any("\u3041" <= ch <= "\u30ff" for ch in text)):
        return scan.claim("name", pos, end)
    end = pos
    # hiragana too: 山本さくらです (the closer decides where the name ends)
    while end < len(text) and end - pos < 12 and (_kana_or_han(text[end]) or "\u3041" <= text[end] <= "\u309f" or text[end] == " "):
        end += 1
        rest = text[end : end + 8].lstrip("」』\"")
        if end - pos >= 2 and any(rest.startswith(w) for w in closers):
            return scan.claim("name", pos, end)
    return False


def _names_before(scan: Scan) -> None:
    """A name right before a word that follows names wherever they stand (`name_before`):
    "Mehmet Yılmaz adına kayıtlı", "佐藤健太と申します", "佐藤 美咲と申します"."""
    text = scan.text
    not_names = scan.vocab.folded("not_names")
    for s, _ in scan.cues("name_before"):
        if is_cjk_char(text[s]):
            start = s
            while start > 0 and s - start < 8 and _kana_or_han(text[start - 1]):
                start -= 1
            # a surname before it, one space apart: "佐藤 美咲と申します"
            if 1 <= s - start <= 4 and start >= 2 and text[start - 1] == " " and _kana_or_han(text[start - 2]):
                first = start - 1
                while first > 0 and start - 1 - first < 4 and _kana_or_han(text[first - 1]):
                    first -= 1
                start = first
            if s - start >= 2:
                scan.claim("name", start, s)
            continue
        start, count = s, 0
        word = _previous_word(text, s)
        while word is not None and count < _MAX_WORDS:
            j, i = word
            name = text[j:i]
            if not name or not name[0].isupper() or name.casefold() in not_names or not scan.free(j, i):
                break
            start, count = j, count + _weight(name)
            word = _previous_word(text, j)
        if count >= 2:
            scan.claim("name", start, s)


#: the most occurrences of one `name_glued` ending looked at in a message
_MOST_GLUED = 16


def _hangul(ch: str) -> bool:
    return "\uac00" <= ch <= "\ud7a3"


def _glued_names(scan: Scan) -> None:
    """A Korean name with the copula glued on (`name_glued`: "김민지입니다", "I am Kim Minji"):
    the word before the ending is a name when it has three syllables (most Korean full names;
    "고등학생이에요", "고객센터입니다" have four), opens with a
    surname (`surnames`: 김, 이, 박...), is no common word (`not_names`), and either opens the
    message (after a greeting: "안녕하세요, 박서준입니다") or stands right after other personal
    data ("주민등록번호 ... 김민지입니다"). Elsewhere "신분증입니다" ("it is my ID card") opens
    with a surname's syllable too."""
    text = scan.text
    endings = sorted(scan.vocab.words("name_glued"), key=len, reverse=True)
    if not endings or not any(_hangul(ch) for ch in text[:2000]):
        return
    surnames = scan.vocab.folded("surnames")
    not_names = scan.vocab.folded("not_names")
    m = scan.p.greeting.match(text[:80])
    opening = m.end() if m else 0
    data_ends = {e for s, e, k in zip(scan.starts, scan.ends, scan.kinds, strict=True)
                 if k not in (KEEP, "name") or text[s:e] in _MASK_TEXTS}
    for ending in endings:
        i, count = text.find(ending), 0
        while i >= 0 and count < _MOST_GLUED:
            count += 1
            end = i + len(ending)
            start = i
            while start > 0 and i - start <= 4 and _hangul(text[start - 1]):
                start -= 1
            stem = text[start:i]
            lead = start
            while lead > 0 and text[lead - 1] in " \t,，":
                lead -= 1
            if (len(stem) == 3 and (end == len(text) or not _hangul(text[end]))
                    and (stem[:1] in surnames or stem[:2] in surnames) and stem not in not_names
                    and (start == opening or lead in data_ends) and scan.free(start, i)):
                scan.claim("name", start, i)
            i = text.find(ending, end)


#: cue lists whose words, after "[name] /", label another datum, not the name again ("—— 刘芳芳
#: / 微信同号 ...")
_SLASHED_LABELS = ("phone_labels", "username", "address", "birth", "id_numbers", "password", "code")


def _name_in_brackets_after_mask(scan: Scan) -> None:
    """A name written again in brackets or after a slash: "[name] (Ivan Petrov)", "Иван Петров
    (latin: IVAN PETROV)", "Li Wei / 李伟": the capitalised words that fill the brackets (or two
    opening them), two to four Chinese characters, or two capitalised words after the slash."""
    text = scan.text
    # where each name ends, and where it starts (a mask of an earlier pass: the name unknown)
    named = {e: s for s, e, k in zip(scan.starts, scan.ends, scan.kinds, strict=True) if k == "name"}
    i = text.find("[name]")
    while i >= 0:
        named[i + len("[name]")] = -1
        i = text.find("[name]", i + 1)
    for pos in sorted(named):
        name = text[named[pos] : pos] if named[pos] >= 0 else ""
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if text.startswith("/", pos) or text.startswith("／", pos):
            # "[name] / 李伟": the same name in another script after a slash
            after = pos + 1
            while after < len(text) and text[after] in " \t":
                after += 1
            run = after
            while run < len(text) and _kana_or_han(text[run]) and run - after < 5:
                run += 1
            if 2 <= run - after <= 4 and (run == len(text) or not _kana_or_han(text[run])) and not any(
                    text.startswith(w, after) for key in _SLASHED_LABELS for w in scan.vocab.cjk(key)):
                scan.claim("name", after, run)
            else:
                _claim(scan, _run(scan, after, least=2, lowercase=False, skip=QUOTES))
            continue
        if pos >= len(text) or text[pos] not in "(（":
            continue
        close = min((j for j in (text.find(")", pos), text.find("）", pos)) if j > 0), default=-1)
        inner = text[pos + 1 : close] if 0 < close - pos <= 60 else ""
        if not inner:
            continue
        if ((all(_kana_or_han(ch) or ch in " 　" for ch in inner) and len(inner.strip()) >= 2
                and not _a_closer(scan, inner.strip())) or _a_reading(scan, inner, name)):
            # 佐藤 美咲（サトウ ミサキ）, 佐藤 美咲（さとう みさき）: the reading in kana
            scan.claim("name", pos + 1, close)
            continue
        if "/" in inner or "／" in inner:
            # 佐藤健太（サトウ ケンタ / SATO KENTA）: the reading and the Latin spelling
            parts = []
            at = pos + 1
            for piece in inner.replace("／", "/").split("/"):
                lead = len(piece) - len(piece.lstrip())
                parts.append((at + lead, at + len(piece.rstrip())))
                at += len(piece) + 1
            if len(parts) >= 2 and all(_written_name(text[s:e]) for s, e in parts):
                for s, e in parts:
                    scan.claim("name", s, e)
                continue
        colon = max(inner.rfind(":"), inner.rfind("："))
        led = colon < 0 and _other_script_lead(inner) >= 0
        if led:  # "محمد ... (بالإنجليزي Mohammed Al-Shammari)": "in English", then the name
            colon = _other_script_lead(inner)
        span = _run(scan, pos + 1 + colon + 1, least=1, lowercase=False, skip=QUOTES)
        fills = span is not None and not text[span[1] : close].strip(" \t" + QUOTES)
        if led and span is not None and not _latin_name_after_lead(scan, text[span[0] : span[1]]):
            continue  # "(уровень Verified Plus)": a tier, a status, in English words
        # "(Alexey Smirnov в паспорте)": two name words opening the brackets are enough
        if span is not None and (fills or len(text[span[0] : span[1]].split()) >= 2):
            scan.claim("name", *span)


def _hiragana(ch: str) -> bool:
    return "\u3041" <= ch <= "\u309f"


#: the most kana a reading takes for one character of the name before it (佐藤 美咲: さとう みさき)
_KANA_PER_CHAR = 4
#: the endings of a Japanese sentence in hiragana: a bracket that ends so says something
#: ("（まだ審査中です）", "（ちがいます）"), it is no name's reading
_SENTENCE_ENDS = ("です", "ます", "ません", "でした", "ました", "ない", "なかった", "たい", "だ",
                  "だった", "よ", "ね", "か", "けど", "から", "ので", "のに")


def _a_reading(scan: Scan, inner: str, name: str) -> bool:
    """Is a bracket with hiragana in it the reading of the name before it (佐藤 美咲（さとう
    みさき）)? It is kana alone (a kanji in it makes a sentence: "（まだ審査中です）"), no
    sentence's ending ("です", "ません"), no word that follows a name ("さん"), after a name
    found in this pass (not a mask), and, when the name is written in kanji or kana, about as
    long as it: one to `_KANA_PER_CHAR` kana a character ("山田太郎（たぶん）" is none)."""
    kana = inner.replace(" ", "").replace("　", "")
    if (len(kana) < 2 or not any(_hiragana(ch) for ch in kana)
            or not all(_hiragana(ch) or "\u30a0" <= ch <= "\u30ff" for ch in kana)
            or kana.endswith(_SENTENCE_ENDS) or _a_closer(scan, inner.strip())):
        return False
    written = name.replace(" ", "").replace("　", "")
    if not written:
        return False  # (a mask of an earlier pass: the reading was judged then)
    if all(_kana_or_han(ch) or _hiragana(ch) for ch in written):
        return len(written) <= len(kana) <= _KANA_PER_CHAR * len(written)
    return True


def _latin_name_after_lead(scan: Scan, words: str) -> bool:
    """Are the Latin words after another script's lead in brackets a name ("(латиницей Olha
    Sydorenko)")? Two capitalised words or more, none a common English word (the BIP-39 list)
    nor a `not_names` word (Binance's tiers and statuses: "(уровень Verified Plus)",
    "(статус Under Review)")."""
    v = scan.vocab
    parts = [w.casefold() for w in words.split()]
    return len(parts) >= 2 and not any(
        w in v.bip39 or (w in v.folded("not_names") and w not in v.folded("name_particles"))
        for w in parts)


def _a_closer(scan: Scan, inner: str) -> bool:
    """Is `inner` a word that follows a Japanese name ("さん", "です"), not its reading?"""
    return inner in scan.vocab.cjk("name_after") or inner in ("さま", "くん", "ちゃん")


#: the most characters of words in another script before a Latin name in brackets
_LEAD_MOST = 24


def _other_script_lead(inner: str) -> int:
    """Where the words before a name in Latin letters end inside brackets, when they are in
    another script ("بالإنجليزي", "латиницей", "英文": "in English"): the index of the last
    character before the name (as a colon's would be), or -1."""
    first = next((i for i, ch in enumerate(inner) if ch.isascii() and ch.isalpha()), -1)
    lead = inner[:first].strip()
    if first <= 0 or not lead or len(lead) > _LEAD_MOST or len(lead.split()) > 3:
        return -1
    if any(ch.isascii() and not ch.isspace() for ch in lead) or not all(ch.isalpha() or ch in " -" for ch in lead):
        return -1
    return first - 1


def _written_name(part: str) -> bool:
    """Is `part` a name written out on its own: two or more kana or Chinese characters, or two
    to four words of letters that each open with a capital ("SATO KENTA", "Sato Kenta")?"""
    if len(part) >= 2 and all(_kana_or_han(ch) or ch in " 　" for ch in part):
        return True
    words = part.split()  # (two words at least: "(English / Chinese)" names no one)
    return 2 <= len(words) <= 4 and all(w.isalpha() and w[0].isupper() for w in words)


def _name_rewritten(scan: Scan) -> None:
    """A name in another script written again in Latin letters right after it: "我叫张伟，Zhang
    Wei，", "Иван Петров / Ivan Petrov": two or more capitalised words (or capitals) after a
    comma or slash, up to punctuation or the end."""
    text = scan.text
    for s, e, k in list(zip(scan.starts, scan.ends, scan.kinds, strict=True)):
        if k != "name" or text[s].isascii():
            continue
        pos = e
        while pos < len(text) and text[pos] in " \t":
            pos += 1
        if pos >= len(text) or text[pos] not in ",，/、":
            continue
        span = _run(scan, pos + 1, least=2, lowercase=False, skip=QUOTES)
        if span is None or not text[span[0]].isascii():
            continue
        after = text[span[1] : span[1] + 1]
        if not after or after in ",，。.;；)）!?！？\n":
            scan.claim("name", *span)


def _name_variants(scan: Scan) -> None:
    """The same person spelled another way later in the message ("Emily Carter ... it shows
    Emily Cartor"): the first word of a name of two or more words found, followed by as many
    capitalised words again, is a name too."""
    text = scan.text
    not_names = scan.vocab.folded("not_names")
    firsts: dict[str, int] = {}
    for s, e, k in zip(scan.starts, scan.ends, scan.kinds, strict=True):
        words = text[s:e].split()
        if k == "name" and 2 <= len(words) <= _MAX_WORDS and words[0][:1].isupper() and len(words[0]) >= 3:
            firsts.setdefault(words[0], len(words))
    for first, count in list(firsts.items())[:8]:
        i = text.find(first)
        while i >= 0:
            end = i + len(first)
            alone = (i == 0 or not _is_letter(text[i - 1])) and (end == len(text) or text[end] == " ")
            if alone and scan.free(i, end):
                run = words_at(text, end, min(len(text), end + 60), count - 1)
                if len(run) == count - 1 and all(
                    text[ws].isupper() and text[ws:we].casefold() not in not_names for ws, we in run
                ):
                    scan.claim("name", i, run[-1][1])
            i = text.find(first, end)


#: the shortest word of a name looked for respelled, and the most letters its respelling may
#: differ in at the end ("Vasilevskaya" / "VASILEVSKAIA", "Dmitriy" / "Dmitry")
_RESPELLED_LEAST, _RESPELLED_TAIL = 5, 3


def _respelled_words(scan: Scan) -> None:
    """A word of a name found, written again another way elsewhere in the message (a passport's
    transliteration, a typo at the end): a capitalised or capital-letter word that opens with
    the same letters as the name's word but for the last few, about as long."""
    text = scan.text
    found = {
        w.casefold()
        for s, e, k in zip(scan.starts, scan.ends, scan.kinds, strict=True) if k == "name"
        for w in text[s:e].split() if len(w) >= _RESPELLED_LEAST and w.isalpha()
    }
    if not found:
        return
    found_list = sorted(found)[:8]
    not_names = scan.vocab.folded("not_names")
    for s, e in words_at_all(text):
        word = text[s:e]
        folded = word.casefold()
        if len(word) < _RESPELLED_LEAST or not word[0].isupper() or folded in found or folded in not_names:
            continue
        if any(_respelling(folded, name) for name in found_list) and scan.free(s, e):
            scan.claim("name", s, e)


def _respelling(word: str, name: str) -> bool:
    if abs(len(word) - len(name)) > 2:
        return False
    same = 0
    for a, b in zip(word, name, strict=False):
        if a != b:
            break
        same += 1
    return same >= max(_RESPELLED_LEAST, min(len(word), len(name)) - _RESPELLED_TAIL)


def _folded(word: str) -> str:
    """`word` without case or accents: "ΠΑΠΑΔΟΠΟΥΛΟΥ" and "Παπαδοπούλου", "Adébáyọ̀" and
    "Adebayo" are one word."""
    return "".join(ch for ch in unicodedata.normalize("NFD", word.casefold())
                   if unicodedata.category(ch) != "Mn")


def _name_words_again(scan: Scan) -> None:
    """A word of a name found, again elsewhere with other capitalised words around it: the
    same person written shorter or longer ("I'm Jonathan R. Whitfield but I signed up as Jon
    Whitfield", "pone María José Gutiérrez Ruiz ... quedó María José Gutiérrez"), in capitals
    or without accents. The word and the capitalised words next to it (a space apart) are a
    name too."""
    text = scan.text
    common = scan.vocab.bip39  # ("Grace Park" found: "Grace period", "Park Avenue" stay words)
    found = {
        _folded(w)
        for s, e, k in zip(scan.starts, scan.ends, scan.kinds, strict=True) if k == "name"
        for w in text[s:e].replace("-", " ").split()
        if len(w) >= 3 and _folded(w).isalpha() and w.casefold() not in common
    }
    if not found:
        return
    not_names = scan.vocab.folded("not_names")
    spans = words_at_all(text, len(text))

    def capital(i: int) -> bool:
        word = text[spans[i][0]:spans[i][1]]
        return word[0].isupper() and word.casefold() not in not_names and scan.free(*spans[i])

    for i, (s, e) in enumerate(spans):
        word = text[s:e]
        if _folded(word) not in found or word.casefold() in not_names or not scan.free(s, e) or not (
                word[0].isupper() or _caseless(word[0])):
            continue
        first = last = i
        while first > 0 and i - first < _MAX_WORDS - 1 and text[spans[first - 1][1]:spans[first][0]] == " " \
                and capital(first - 1):
            first -= 1
        while last + 1 < len(spans) and last - first < _MAX_WORDS - 1:
            gap = text[spans[last][1]:spans[last + 1][0]]
            # a double surname's second part goes with it, in any script ("ბერიძე-კაპანაძე")
            if not ((gap == " " and capital(last + 1)) or (gap == "-" and scan.free(*spans[last + 1]))):
                break
            last += 1
        scan.claim("name", spans[first][0], spans[last][1])


def words_at_all(text: str, most: int = 2000) -> list[tuple[int, int]]:
    """The spans of the runs of letters in `text` (at most the first `most` characters)."""
    out, pos, limit = [], 0, min(len(text), most)
    while pos < limit:
        while pos < limit and not _is_letter(text[pos]):
            pos += 1
        start = pos
        while pos < limit and _is_letter(text[pos]):
            pos += 1
        if pos > start:
            out.append((start, pos))
    return out


def _before_birth(scan: Scan) -> None:
    """A name right before a birth word: "Maria Cristina D. Santos, born 1990-...": two or more
    capitalised words (an initial such as "D." among them) and a comma or space."""
    text = scan.text
    not_names = scan.vocab.folded("not_names")
    for s, _ in scan.cues("birth"):
        stop = s
        while stop > 0 and text[stop - 1] == " ":
            stop -= 1
        if stop > 0 and text[stop - 1] == ",":
            stop -= 1
        if stop == s or not text[s].islower():
            continue
        start, count, pos = stop, 0, stop
        while count < _MAX_WORDS and pos > 0:
            if pos >= 3 and text[pos - 1] == "." and text[pos - 2].isupper() and text[pos - 3] == " " and count:
                j, i = pos - 2, pos  # an initial: "D."
            else:
                j, i = _word_start(text, pos), pos
            name = text[j:i]
            if not name or not name[0].isupper() or name.casefold().rstrip(".") in not_names or not scan.free(j, i):
                break
            start, count = j, count + (0 if name.endswith(".") else 1)
            if j == 0 or text[j - 1] != " ":
                break
            pos = j - 1
        if count >= 2:
            scan.claim("name", start, stop)


def _first_after(scan: Scan, pos: int, skip: str) -> str:
    """The first character from `pos` that is not in `skip` ("" at the end)."""
    text = scan.text
    while pos < len(text) and text[pos] in skip:
        pos += 1
    return text[pos] if pos < len(text) else ""


def _caseless_follows(scan: Scan, pos: int) -> bool:
    ch = _first_after(scan, pos, " \t,")
    return ch.isalpha() and _caseless(ch) and not is_cjk_char(ch)


def _caseless(ch: str) -> bool:
    """Is `ch` a letter of a script written without capitals? Arabic, Hebrew, Devanagari have no
    case at all; Georgian letters are "lowercase" for Unicode, but the capitals (Mtavruli) are not
    used to begin a name ("ნინო ბერიძე")."""
    return not (ch.isupper() or ch.islower()) or "\u10d0" <= ch <= "\u10ff"


def _latin_follows(scan: Scan, pos: int) -> bool:
    """After a Chinese cue, a name in Latin letters ("护照上是 LIU ZIHAN", "姓名拼音 ZHANG WEI")."""
    ch = _first_after(scan, pos, " \t:：" + _CJK_LINKS)
    return ch.isascii() and ch.isalpha()


#: words that link a Chinese cue to the name after it ("英文名是 Mary Chen")
_CJK_LINKS = "是為为"


def _closing_name(scan: Scan) -> None:
    """A name that signs the message off: "... Thanks, Adebayo Olumide", "С уважением, Анна
    Литвиненко.", "- Seun", "...谢谢。赵磊", or a last line / sentence that is only a name.

    After a sign-off word (`signoffs`) or a dash one word is enough; a last sentence of nothing
    but a name needs two."""
    text = scan.text
    end = len(text.rstrip(" \t\r\n.!)"))
    if end == 0:
        return
    tail_start = max(0, end - 80)
    cut = max(text.rfind(ch, tail_start, end) for ch in ".!?\n,，。;،")
    # the last dash with a space (or the line's start) before it: "- Seun", "— Mathieu
    # Tremblay-Roy", "——赵立军", not the hyphen inside "Jean-Luc"
    dash = max((i for i in range(tail_start, end) if text[i] in "-–—"
                and (i == 0 or text[i - 1].isspace() or text[i - 1] in "-–—")), default=-1)
    if dash > cut:
        cut = dash
    if cut < 0:
        return
    # (a sign-off, but not one a whole line above the last: "Best regards⏎Anna Lee⏎Accountant"
    # ends with a job title, its name line is `_signature_block`'s)
    signed = any(tail_start <= e <= cut + 1 and not (
        text[cut] == "\n" and "\n" in text[e:cut] and text[e:cut].split("\n", 1)[1].strip())
                 for _, e in scan.cues("signoffs")) or text[cut] in "-–—"
    pos = cut + 1
    while pos < end and text[pos] in " \t-–—":
        pos += 1
    if pos >= end:
        return
    if is_cjk_char(text[pos]):
        if end - pos <= 4 and not any(ch.isspace() for ch in text[pos:end]):
            _chinese_name(scan, pos, strict=True, weak=True)
        return
    # (signed, a name in small letters too: "Cheers, harriet", "— олег")
    span = _run(scan, pos, least=1 if signed else 2, lowercase=signed, skip="")
    if span is not None and span[1] == end:
        scan.claim("name", *span)


#: lines looked at for a signature after a dash, from the end of the message
_SIGNATURE_LINES = 3
#: what may follow the name on a signature line ("—— 刘芳芳 / 微信同号 ...", "— Ana Lima | tel ...")
_SIGNATURE_AFTER = "/|,，(（、;；"


def _filled_lines(text: str, pos: int) -> list[tuple[int, int]]:
    """The (start, end) of each line of text[pos:] that holds more than spaces, its trailing
    spaces left out."""
    lines: list[tuple[int, int]] = []
    for line in text[pos:].split("\n"):
        if line.strip():
            lines.append((pos, pos + len(line.rstrip())))
        pos += len(line) + 1
    return lines


#: lines looked at for a signature block from the end of the message
_BLOCK_LINES = 8


def _signature_block(scan: Scan) -> None:
    """A name on its own line just after a sign-off line ("Best regards," / "С уважением,") or
    the e-mail signature mark ("--"), with more lines after it (a job title, a phone number):
    "Thanks in advance.⏎⏎--⏎Samantha J. Ortiz⏎Senior Accountant | ...". Two capitalised words
    or more (one after a sign-off word)."""
    text = scan.text
    if text.count("\n") < 2:
        return
    lines = _filled_lines(text, 0)[-_BLOCK_LINES:]
    ends = {e for _, e in scan.cues("signoffs")}
    for (ls, le), (ns, ne) in zip(lines, lines[1:], strict=False):
        head = text[ls:le].strip()
        mark = head in ("--", "---", "—", "——", "–", "__", "___")
        # (a short line that ends with the sign-off, not a sentence that ends "... thanks")
        signed = not mark and any(ls <= e <= le and not text[e:le].strip(" \t,.!:;")
                                  and text[ls:e].strip().count(" ") <= 3 for e in ends)
        if not (mark or signed):
            continue
        span = _run(scan, ns, least=1 if signed else 2, lowercase=False, skip="")
        if span is not None and text[span[1]:ne].lstrip(" \t")[:1] == ",":
            # the surname first: "Schneider, Jonas"
            given = _run(scan, text.index(",", span[1]) + 1, least=1, lowercase=False, skip="")
            if given is not None and not text[given[1]:ne].strip(" \t,."):
                span = (span[0], given[1])
        if span is not None and not text[span[1]:ne].strip(" \t,."):
            scan.claim("name", *span)


def _dashed_signature(scan: Scan) -> None:
    """A signature line after a dash near the end of the message, with more after the name
    (`_closing_name` takes one that ends the message): "谢谢！⏎—— 刘芳芳 / 微信同号 ...", "— Ana
    Lima | +351 ...". A Chinese name after a long dash ("——", "—", "--": a "-" opens the items
    of a list, "- 金卡，不行"), a surname and one or two characters; in
    Latin letters two capitalised words or more after an em dash or "--" (a "-" opens the
    items of a list too: "- Utility Bill / Bank Statement"). Never on the message's first line."""
    text = scan.text
    if "\n" not in text:
        return
    lines = _filled_lines(text, text.find("\n") + 1)  # (the first line is no signature)
    for ls, le in lines[-_SIGNATURE_LINES:]:
        pos = ls
        while pos < le and text[pos] in " \t":
            pos += 1
        dash = pos
        while pos < le and pos - dash < 3 and text[pos] in "-–—":
            pos += 1
        if pos == dash:
            continue
        marks = text[dash:pos]
        while pos < le and text[pos] in " \t":
            pos += 1
        if pos >= le:
            continue
        if is_cjk_char(text[pos]):
            if marks == "-":
                continue
            run = scan.p.han_run.match(text[pos : pos + 8])
            after = text[pos + run.end("v") : le].lstrip(" \t")[:1] if run is not None else "x"
            if run is not None and (not after or after in _SIGNATURE_AFTER):
                _chinese_name(scan, pos, strict=True)
            continue
        if marks == "-":
            continue
        span = _run(scan, pos, least=2, lowercase=False, skip="")
        if span is None:
            continue
        rest = text[span[1] : le].lstrip(" \t")
        # (a way to reach the person after it: "— Ana Lima | +351 ...", "— Ana Lima, ana@...")
        if rest[:1] and rest[0] in _SIGNATURE_AFTER and any(ch.isdigit() or ch == "@" for ch in rest):
            scan.claim("name", *span)


def _possessive_before(scan: Scan, pos: int) -> tuple[int, int] | None:
    """ "rejected Grace Wanjiru Kamau's ID": a name of two or more words owns the document."""
    text = scan.text
    head = text[max(0, pos - 80) : pos].rstrip(" \t")
    if not head.endswith(("'s", "’s")):
        return None
    stop = pos - (len(text[max(0, pos - 80) : pos]) - len(head)) - 2
    not_names = scan.vocab.folded("not_names")
    start, count = stop, 0
    word: tuple[int, int] | None = (_word_start(text, stop), stop)
    while word is not None and count < _MAX_WORDS:
        j, i = word
        name = text[j:i]
        if not name or not name[0].isupper() or name.casefold() in not_names or not scan.free(j, i):
            break
        start, count = j, count + 1
        word = _previous_word(text, j)
    return (start, stop) if count >= 2 else None


def _patronymic_names(scan: Scan) -> None:
    """A name with a patronymic ("Кузнецов Павел Игоревич", "Павел Игоревич") is a name
    wherever it stands: the endings are `name_endings` of the privacy files."""
    if scan.p.patronymic is None:
        return
    text = scan.text
    for s, e, _ in scan.matches(scan.p.patronymic):
        start = s
        before = _previous_word(text, start)
        for _ in range(2):
            if before is None or not text[before[0]].isupper():
                break
            start = before[0]
            before = _previous_word(text, start)
        # a double surname's first half ("Кузнецова-Бельская Алина Игоревна")
        while start > 1 and text[start - 1] in "-\u2010\u2011" and text[start - 2].isalpha():
            first = start - 1
            while first > 0 and text[first - 1].isalpha():
                first -= 1
            if not text[first].isupper():
                break
            start = first
        after = words_at(text, e, min(len(text), e + 40), 1)
        end = after[0][1] if after and text[after[0][0]].isupper() else e
        if start < s or end > e:
            scan.claim("name", start, end)


def _lowercase_patronymic_names(scan: Scan) -> None:
    """A full name in small letters with a patronymic, right after a name cue: "я кузнецов
    павел игоревич", "фио: павел игоревич кузнецов". Without the cue "она была виновна" would
    look the same, so the cue is required."""
    if scan.p.patronymic_lower is None:
        return
    text = scan.text
    cue_ends: set[int] | None = None
    not_names = scan.vocab.folded("not_names")

    def plain(span: tuple[int, int] | None) -> bool:
        return span is not None and text[span[0]].islower() and text[span[0] : span[1]].casefold() not in not_names

    for s, e, _ in scan.matches(scan.p.patronymic_lower):
        words = [(s, e)]
        for _ in range(2):
            before = _previous_word(text, words[0][0])
            if not plain(before):
                break
            words.insert(0, before)  # type: ignore[arg-type]
        after = words_at(text, e, min(len(text), e + 40), 1)
        if len(words) == 2 and after and plain(after[0]):
            words.append(after[0])
        start = words[0][0]
        lead = start
        while lead > 0 and text[lead - 1] in " \t:,—-":
            lead -= 1
        if cue_ends is None and len(words) >= 3:
            cue_ends = {ce for key in ("name", "name_weak") for _, ce in scan.cues(key)}
        if len(words) >= 3 and cue_ends and lead in cue_ends:
            scan.claim("name", start, words[-1][1])
        else:
            _claim(scan, _transliterated(scan, (s, e)))


#: what may follow a transliterated name in small letters (see `_transliterated`)
_TRANSLIT_AFTER = ",.;:!?)"


def _transliterated(scan: Scan, patronymic: tuple[int, int]) -> tuple[int, int] | None:
    """A name with a patronymic in small Latin letters needs no cue ("в латинице пишется как
    sergey nikolaevich belov, а ...", "olena ivanivna kovalenko"): the patronymic ends in a
    Latin `name_endings` word of four letters or more ("-ovich", "-evna": no English word ends
    so), and the name is it and one or two Latin words of three letters or more around it, none
    a common English word (BIP-39) or a `not_names` word, closed by punctuation, the end, a word
    in another script or a small word such as "when", "but"."""
    text = scan.text
    endings = tuple(w.casefold() for w in scan.vocab.words("name_endings") if w.isascii() and len(w) >= 4)
    if not endings or not text[patronymic[0] : patronymic[1]].casefold().endswith(endings):
        return None
    not_names = scan.vocab.folded("not_names")

    def plain(span: tuple[int, int] | None) -> bool:
        if span is None:
            return False
        w = text[span[0] : span[1]]
        return (len(w) >= 3 and w.isascii() and w.isalpha() and w.islower()
                and w not in scan.vocab.bip39 and w not in not_names)

    if not plain(patronymic):
        return None
    words = [patronymic]
    for _ in range(2):
        before = _previous_word(text, words[0][0])
        if not plain(before):
            break
        words.insert(0, before)  # type: ignore[arg-type]
    if len(words) < 3:
        after = words_at(text, patronymic[1], min(len(text), patronymic[1] + 40), 1)
        if after and plain(after[0]) and text[patronymic[1]] == " ":
            words.append(after[0])
    if len(words) < 2:
        return None
    rest = text[words[-1][1] : words[-1][1] + 20].lstrip(" \t")
    first = rest.split()[0].casefold() if rest.split() else ""
    closed = (not rest or rest[0] in _TRANSLIT_AFTER or rest[0] == "\n" or not rest[0].isascii()
              or first in _TYPED_CLOSERS)
    return (words[0][0], words[-1][1]) if closed else None


def _word_start(text: str, end: int) -> int:
    """Where the run of letters that ends at `end` starts."""
    while end > 0 and _is_letter(text[end - 1]):
        end -= 1
    return end


def _previous_word(text: str, pos: int) -> tuple[int, int] | None:
    """The word just before `pos`, one space apart, if any."""
    if pos == 0 or text[pos - 1] != " ":
        return None
    start = _word_start(text, pos - 1)
    return (start, pos - 1) if start < pos - 1 else None


def _skip_words(scan: Scan, pos: int, words: frozenset[str]) -> int:
    """Skip up to three words of `words` (and the punctuation between them) after `pos`."""
    text = scan.text
    for _ in range(3):
        while pos < len(text) and text[pos] in " \t:-–—":
            pos += 1
        found = words_at(text, pos, min(len(text), pos + 40), 1)
        if not found or text[found[0][0] : found[0][1]].casefold() not in words:
            break
        pos = found[0][1]
    return pos


def _is_letter(ch: str) -> bool:
    return ch.isalpha() or unicodedata.category(ch)[0] == "M"  # "सुनील": vowel signs are marks


def words_at(text: str, pos: int, limit: int, most: int) -> list[tuple[int, int]]:
    """The words from `pos`, separated by spaces only, up to the first other character.

    A word is letters (with their accents), and may have ' or - inside ("O'Neil", "Jean-Luc"),
    or a zero-width non-joiner (Persian "محمدی‌نژاد");
    a capital and a full stop before another capitalised word is a middle initial ("M.").
    """
    out: list[tuple[int, int]] = []
    while pos < limit and len(out) < most:
        while pos < limit and text[pos] in " \t":
            pos += 1
        start = pos
        while pos < limit and (
            _is_letter(text[pos])
            or (text[pos] in "'’-\u200c" and pos > start and pos + 1 < limit and _is_letter(text[pos + 1]))
        ):
            pos += 1
        if pos == start:
            break
        if (pos + 2 < limit and text[pos] in "'’" and text[pos + 1] == " " and text[pos + 2].isupper()
                and pos - start >= 3):
            pos += 1  # a Luo name's closing apostrophe: "Achieng' Atieno Odhiambo"
        if (pos - start == 1 and text[start].isupper() and pos + 2 < limit and text[pos] == "."
                and text[pos + 1] == " " and (text[pos + 2].isupper()
                                              or _particles_then_capital(text, pos + 2, limit))):
            pos += 1  # a middle initial: "Thabo M. Mokoena", "J. de Vries"
        out.append((start, pos))
    return out


def _particles_then_capital(text: str, pos: int, limit: int) -> bool:
    """Do one or two short lowercase words ("de", "van der") and then a capitalised word start
    at `pos`?"""
    for _ in range(2):
        end = pos
        while end < limit and text[end].isalpha() and text[end].islower():
            end += 1
        if not 1 <= end - pos <= 3 or end >= limit or text[end] != " ":
            return False
        pos = end + 1
        if pos < limit and text[pos].isupper():
            return True
    return False


def _claim(scan: Scan, span: tuple[int, int] | None) -> None:
    if span is not None:
        scan.claim("name", *span)


def _run(scan: Scan, pos: int, *, least: int, lowercase: bool, skip: str,
         particle: bool = False) -> tuple[int, int] | None:
    """The name that starts at `pos` (after spaces and `skip` characters), if any; with
    `particle` (after a firm cue) it may open with a particle in small letters ("de Vries")."""
    v = scan.vocab
    not_names = v.folded("not_names")
    particles = v.folded("name_particles")
    text = scan.text
    limit = min(len(text), pos + 120)
    while pos < limit and (text[pos] in " \t" or text[pos] in skip):
        pos += 1
    title = words_at(text, pos, limit, 1)
    if title and text[title[0][0] : title[0][1]].casefold() in v.folded("name_titles"):
        after = title[0][1] + (text[title[0][1] : title[0][1] + 1] == ".")
        if after < limit and text[after] == " ":
            pos = after  # "my father Mr. John Smith": the name after the title
    run = words_at(text, pos, limit, 2 * _MAX_WORDS)
    words: list[tuple[int, int, bool]] = []  # start, end, is a particle
    mode_lower = None
    glued = sorted(v.words("name_glued"), key=len, reverse=True)
    for i, (s, e) in enumerate(run):
        if glued and _hangul(text[s]):  # "김민지입니다": the name without its glued copula
            e -= next((len(w) for w in glued if text.endswith(w, s, e) and e - len(w) - s >= 2), 0)
        word = text[s:e]
        folded = word.casefold()
        capital = word[0].isupper()
        if folded in particles and words:
            words.append((s, e, True))
            continue
        if folded in particles and not words and i + 1 < len(run) and (capital or particle):
            # a surname that opens with a particle: "Van den Berg, Sanne", "De Souza", and after
            # a label in small letters ("naam: de Vries, Sanne")
            following = text[run[i + 1][0] : run[i + 1][1]]
            if following.casefold() in particles or (following[:1].isupper() and following.casefold() not in not_names):
                words.append((s, e, not capital))
                continue
        if any(ch.isdigit() for ch in word) or not scan.free(s, e):
            break
        if folded in not_names:
            # "Emre Can Öztürk": a common word between two name words is a name too
            following = text[run[i + 1][0] : run[i + 1][1]] if i + 1 < len(run) else ""
            inside = words and capital and following[:1].isupper() and following.casefold() not in not_names
            # "założone na Jana Kowalskiego": before a surname in a case of its own, a given
            # name that is another language's common word ("jana", Swahili for "yesterday")
            inside = inside or (not words and capital and _declined_surname(v, following, not_names))
            # "my brother Nguyen Thanh Long used ...": a capitalised common word right after two
            # name words, in a sentence that goes on in small letters, ends the name
            last = (len(words) >= 2 and capital and not mode_lower and word[1:].islower()
                    and (not following or following[:1].islower()))
            if last:
                words.append((s, e, False))
                break
            if not inside:
                break
        if mode_lower is None:
            mode_lower = lowercase and not capital
            if not capital and not lowercase:
                break
        elif not capital and not mode_lower:
            break
        words.append((s, e, False))
        if sum(not p for *_, p in words) >= _MAX_WORDS or "\uac00" <= word[0] <= "\ud7a3":
            break  # a Korean name is written as one word ("이서연이고 생년월일은 ...")
        if "\u0e00" <= word[0] <= "\u0e7f" and sum(not p for *_, p in words) >= 2:
            break  # a Thai name is a given name and a surname; Thai writes no spaces between words
    while words and words[-1][2]:
        words.pop()
    if sum(_weight(text[s:e]) for s, e, p in words if not p) < least:
        return None
    end = words[-1][1]
    after = words_at(text, end, limit, 1)  # "Karimova Dilfuza Akmal qizi": a patronymic word
    if after and text[after[0][0] : after[0][1]].casefold() in v.folded("name_suffixes"):
        end = after[0][1]
    return words[0][0], end


def _declined_surname(v: Vocabulary, word: str, not_names: frozenset[str]) -> bool:
    """Is `word` a capitalised surname with an ending of a case of its own
    (`surname_endings`: "Kowalskiego", "Zielińską"), no common word?"""
    folded = word.casefold()
    return (word[:1].isupper() and folded not in not_names
            and any(folded.endswith(e) and len(folded) > len(e) + 1 for e in v.folded("surname_endings")))


def _given_after_comma(scan: Scan, span: tuple[int, int] | None) -> tuple[int, int] | None:
    """A surname, a comma, then the given names, as passports and forms print them ("CHAN,
    Tsz Ching", "IVANOVA, Anna", and "Müller, Jürgen" where the name ends the line): the whole."""
    if span is None:
        return None
    text = scan.text
    s, e = span
    if text[e : e + 2] != ", ":
        return span
    given = _run(scan, e + 2, least=1, lowercase=False, skip="")
    if given is None:
        return span
    particles = scan.vocab.folded("name_particles")
    surname = [w for w in text[s:e].split() if w.casefold() not in particles]
    if not text[s:e].isupper() and (
            len(surname) > 1 or text[given[1] : given[1] + 1] not in ("", "\n", ".", ",", ";", ")")):
        return span  # "Müller, Jürgen" as a whole: one surname word, and the name ends there
    return s, given[1]


def _weight(word: str) -> int:
    """How many name words a word counts for: "Smith-Jones" or "Anne-Marie" (capitalised
    parts joined by a hyphen) is two, as good as a first name and a surname."""
    parts = word.split("-")
    capitals = sum(1 for part in parts if len(part) >= 2 and part[0].isupper()
                   and any(ch.islower() for ch in part) and not any(ch.isupper() for ch in part[-2:]))
    return 2 if len(parts) >= 2 and capitals == len(parts) else 1


def _chinese_name(scan: Scan, pos: int, *, strict: bool, weak: bool = False) -> None:
    """A surname and one or two more characters: 我叫王伟，... / 身份证上是张小明，...

    After a `weak` link ("我是", "I am"; not a name label such as 我叫 or 姓名) a place or a
    person of one is no name: "我是韩国人", "我老公是温州的" (`places`)."""
    text = scan.text
    m = scan.p.han_run.match(text[pos : pos + 12])
    if m is None:
        return
    s, e = pos + m.start("v"), pos + m.end("v")
    # 我是刘洋的妈妈: a name of two or three characters, then the possessive 的
    cut = text.find("的", s + 2, min(e, s + 4))
    if cut != -1:
        e = cut
    run = simplified(text[s:e])  # Traditional writers: 陳美玲 is 陈美玲
    if len(run) != e - s:
        return
    surname = _chinese_surname(scan, run, places=weak)
    if not surname:
        if (not strict and run[:1] in _FAMILIAR and run[1:2] in scan.vocab.folded("surnames")
                and not _common_start(scan, run)):
            scan.claim("name", s, s + 2)  # 叫我老李就行, 小王, 阿陈: a surname called familiarly
        return
    if any(run.startswith(w, k) for k in (1, 2) for key in _OTHER_FIELDS for w in scan.vocab.cjk(key)):
        return  # "姓名和地址这两栏": 和 begins "and the address", not a name
    if len(run) <= surname + 2:
        scan.claim("name", s, e)
    elif not strict:
        scan.claim("name", s, s + surname + 2)


#: what a surname is called by among friends: "old", "little", and the Cantonese "a"
_FAMILIAR = "老小阿"
#: the cues of other fields of a form, which a name does not hold
_OTHER_FIELDS = ("address", "birth", "id_numbers", "phone_labels", "name")


def _common_start(scan: Scan, run: str) -> bool:
    """Does a Chinese run open with a common word that starts like a name (`not_names`)?"""
    return any(run.startswith(w) for w in scan.vocab.cjk("not_names"))


def _chinese_surname(scan: Scan, run: str, *, places: bool) -> int:
    """How many of a Chinese run's first characters are its surname (欧阳: 2, 王: 1) when the
    run may be a name (the surname alone too: "姓名 欧阳⏎晓峰"); else 0: it opens with a common
    word (`not_names`) or with no known surname (`surnames`), or, with `places`, it is a place
    or a person of one (`_a_place`). (The one test of `_chinese_name` and `_chinese_owner`.)"""
    if _common_start(scan, run) or (places and _a_place(scan, run)):
        return 0
    surnames = scan.vocab.folded("surnames")
    return 2 if run[:2] in surnames else 1 if run[:1] in surnames else 0


#: the longest place name looked up (`places`: "黑龙江", "马来西亚", "齐齐哈尔", "乌鲁木齐")
_PLACE_MOST = 5
#: what may follow a place's name in a run that is still the place or a person of one
#: ("温州市", "浙江省", "韩国人", "韩国籍")
_PLACE_AFTER = "人籍省市县縣区區"


def _a_place(scan: Scan, run: str) -> bool:
    """Is a run a place (`places`: "韩国", "温州", "高雄市") or a person of one ("韩国人",
    "温州籍"), rather than a name ("王国", "张国": no place)?"""
    places = scan.vocab.folded("places")
    for n in range(min(len(run), _PLACE_MOST), 1, -1):
        if run[:n] in places:
            return len(run) == n or run[n] in _PLACE_AFTER
    return False


def _past_link(scan: Scan, start: int, end: int) -> int:
    """Past a link word right after a Chinese label of a name ("开户名是刘芳", "持卡人为王伟":
    the cue ends in 名 or 人). A relative's link is left alone: "我老公是韩国人" says where he
    is from."""
    text = scan.text
    cue = text[start:end]
    if end < len(text) and text[end] in _CJK_LINKS and cue[-1:] in "名人" and cue != "本人":
        return end + 1
    return end


#: verbs that take a person, and small words that join owners, right before a name that owns
#: a document ("用了张伟的身份证", "拿他和李娜的护照"); 了 after one of the verbs ("借了")
_OWNER_VERBS = "用拿借给給帮幫替把让讓冒盗盜"
_OWNER_JOINS = "和跟与與或及"
#: what stands before 是 when it points at the owner ("這是黃美玲的護照"; a bare 是 is too weak:
#: "是常见的银行卡")
_OWNER_POINTERS = "这這那就"
#: the most owner-document pairs looked at in one message
_MOST_OWNERS = 8


def _owner_sign(text: str, start: int) -> int:
    """How strongly what stands before a run at `start` says a person owns the document after
    it: 2 after a verb that takes a person or a word that joins owners ("用了", "借", "和",
    "这是"), 1 when the run opens the text or follows a sign, a space or a letter of another
    script ("张伟的身份证..."), 0 after any other Chinese character ("是常见的", "全新的")."""
    before = text[start - 1] if start else ""
    if not before or not is_cjk_char(before):
        return 1
    if before in _OWNER_VERBS or before in _OWNER_JOINS:
        return 2
    two = text[start - 2] if start >= 2 else ""
    if (before == "了" and two in _OWNER_VERBS) or (before == "是" and two in _OWNER_POINTERS):
        return 2
    return 0


def _chinese_owner(scan: Scan) -> None:
    """A Chinese name that owns a document: the name, "的", then a document's word
    (`documents`, `id_numbers`, `card`: "张伟的身份证是我帮他拍的", "用了李小龙的护照"). The name
    is a surname and one or two characters (a surname of two and one or two) that a person's
    sign stands before (`_owner_sign`); no common word (`not_names`, or the segmenter's
    dictionary: "孙子", "白金", "常见") and no place (`places`: "韩国的护照", "高雄的身份证").
    Where only the text's start or a sign stands before it, a run whose first two characters
    are such a word is none either ("P2P付款用的银行卡")."""
    text = scan.text
    if "的" not in text:
        return
    owned = sorted({s for key in ("documents", "id_numbers", "card") for s, _ in scan.cues(key)
                    if s >= 3 and text[s - 1] == "的" and is_cjk_char(text[s])})
    for at in owned[:_MOST_OWNERS]:
        end = at - 1
        for length in (4, 3, 2):
            start = end - length
            if start < 0:
                continue
            run = simplified(text[start:end])
            if len(run) != length or not all(is_cjk_char(ch) for ch in run):
                continue
            sign = _owner_sign(text, start)
            if not sign:
                continue
            surname = _chinese_surname(scan, run, places=True)
            if not surname or not 1 <= length - surname <= 2:
                continue
            common = scan.p.common_han
            if run in common or (sign == 1 and surname == 1 and length == 3 and run[:2] in common):
                continue
            if scan.free(start, end):
                scan.claim("name", start, end)
            break


def _shouting(text: str) -> bool:
    """Is the text mostly in capital letters?"""
    head = text[:400]
    return sum(map(str.isupper, head)) > 2 * sum(map(str.islower, head))


def _greeted_lines(scan: Scan) -> None:
    """A line of a longer message that opens with a greeting ("Fwd: Binance Verification⏎⏎Dear
    Callum Hay,"): its name, as at the message's start."""
    text = scan.text
    if "\n" not in text:
        return
    for n, m in enumerate(scan.p.greeted_line.finditer(text[:3000])):
        if n >= _MOST_GREETINGS:
            break
        _opening_name(scan, m.start() + 1)


#: greetings and salutations read in one message (a real one has one or two; a flood of them
#: would cost a name search each)
_MOST_GREETINGS = 8


def _opening_name(scan: Scan, start: int = 0) -> None:
    """A name that opens the message (or the line at `start`), before a comma, a full stop or
    "here"."""
    text = scan.text
    m = scan.p.greeting.match(text[start : start + 80])
    pos = start + m.end() if m else start
    addressed = False
    if pos:  # "Hi Binance, Nomvula Dlamini here": whom the greeting is for, then the name
        comma = text.find(",", pos, pos + 30)
        not_names = scan.vocab.folded("not_names")
        addressee = words_at(text, pos, comma, 4) if comma > pos else []
        if addressee and addressee[-1][1] == comma and all(
            text[s:e].casefold() in not_names for s, e in addressee
        ):
            pos, addressed = comma + 1, True
    if pos < len(text) and is_cjk_char(text[pos]):
        run = scan.p.han_run.match(text[pos : pos + 6])
        if run is not None and len(run.group("v") or "") <= 3:
            after = scan.after_char(pos + run.end("v"))
            if after in "，,。 " or not after:
                _chinese_name(scan, pos, strict=True, weak=True)  # (no label: "韩国，...")
        return
    span = _run(scan, pos, least=2, lowercase=False, skip="")
    if span is None:
        return
    rest = text[span[1] : span[1] + 24].lstrip(" \t")
    folded = rest.casefold()
    # "Emily Carter [date] [phone] ...": personal data follows a name in title case
    words = text[span[0] : span[1]].split()
    mask = scan.p.mask.match(rest[:24]) is not None and len(words) >= 2 and all(
        part[:1].isupper() and part[1:].islower() for part in " ".join(words).replace("-", " ").split()
    )
    dash = rest[:2] in ("— ", "– ", "- ") and text[span[1]] == " "  # "Fatima Benali — CIN ..."
    said = any(
        folded == w or folded.startswith((w + " ", w + ",", w + "."))
        for w in scan.vocab.folded("name_after")
    )
    # after an addressee ("Dear Sir, Kindly Assist") only a word such as "here" closes a name
    closes = said or (not addressed and (not rest or rest[0] in ",.;!" or mask or dash))
    if closes:
        scan.claim("name", *span)
