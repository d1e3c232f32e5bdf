"""Every pattern the redactor runs, compiled once per vocabulary (all under RE2: linear time).

Shapes that need no words (e-mail, wallet, IBAN, card, phone, ID-like tokens) are fixed here;
the rest are built from the word lists of `knowledge/privacy.yaml` and its language overlays.
"""

from __future__ import annotations

from bot.understanding.privacy.cues import CueFinder
from bot.understanding.privacy.rx import DIGITS, Pattern, is_cjk, lazy_rx, words_rx
from bot.understanding.privacy.vocab import Vocabulary
from bot.understanding.text import EMAIL_PATTERN
from bot.understanding.tokens import WORDS_FILE

_B58 = "1-9A-HJ-NP-Za-km-z"
# the start of the text or a character that cannot be part of a word: ASCII punctuation or a
# space. (Every non-ASCII character counts as a letter here: exact Unicode classes such as
# [^\p{L}\p{N}] make programs thousands of instructions long, and RE2's DFA then runs out of
# memory and falls back to its much slower NFA on every call.)
_LEFT = r"(?:^|[^A-Za-z0-9_\x{80}-\x{10FFFF}]|[\x{A0}\x{3000}\x{FF0C}\x{3001}\x{FF1A}\x{FF08}])"
CAP = r"\p{Lu}[^\s,;:()\[\]0-9]*"  # a capitalised word
#: a capitalised word, or a word of a script without capitals (Arabic, Hebrew, Korean):
#: "شارع التحرير 25", "테헤란로 152"
CAPX = r"(?:\p{Lu}|\p{Arabic}|\p{Hebrew}|\p{Hangul}|\p{Thai}|\p{Devanagari}|\p{Bengali}|\p{Sinhala}|\p{Tamil}|\p{Telugu}|\p{Kannada}|\p{Malayalam}|\p{Gujarati}|\p{Gurmukhi}|\p{Lao}|\p{Khmer}|\p{Myanmar}|\p{Ethiopic})[^\s,;:()\[\]0-9،]*"
NUM = r"\d{1,5}[A-Za-z]?(?:[/\-]\d{1,4}[A-Za-z]?)?"  # a house number: 12, 3B, 8/3
#: the first two digits of a year: Gregorian, Solar or lunar Hijri (Iran, Afghanistan, the Gulf:
#: 1370, 1445) and Buddhist (Thailand: 2535); dates.py turns them into Gregorian years
CENTURY = r"(?:19|20|13|14|25)"
#: Japanese eras and the Gregorian year before each one's first year (平成8年 is 1996)
ERAS = {"明治": 1867, "大正": 1911, "昭和": 1925, "平成": 1988, "令和": 2018}


#: a word of the Chinese segmenter's dictionary counted this often or more is a common word
#: ("孙子", "白金", "高龄"; a name there is rare: "李小龙" counts 15)
COMMON_HAN_COUNT = 40


def common_han_words(v: Vocabulary) -> frozenset[str]:
    """The common words of the Chinese segmenter's dictionary (`WORDS_FILE`, most frequent
    first, counted at least `COMMON_HAN_COUNT`) of two to four characters that open with a
    surname (`surnames`): "孙子", "常见", "白金" look like names and are none. Read when the
    patterns are built (they are kept in the disk cache with them)."""
    surnames = v.folded("surnames")
    words = set()
    try:
        with WORDS_FILE.open(encoding="utf-8") as f:
            for line in f:
                word, _, count = line.rstrip("\n").partition(" ")
                if not count.isdigit() or int(count) < COMMON_HAN_COUNT:
                    break
                if 2 <= len(word) <= 4 and (word[:1] in surnames or word[:2] in surnames):
                    words.add(word)
    except OSError:  # pragma: no cover - a tree without the segmenter's words
        return frozenset()
    return frozenset(words)


def ci(words: list[str]) -> str:
    """`words` as a case-insensitive alternation."""
    return f"(?i:{words_rx(words)})"


def cue_pattern(vocab: Vocabulary, *keys: str) -> Pattern:
    """Find the words of `keys`, case ignored. The pattern is the bare alternation: where a
    word must start and end (whole words, `*` words, Chinese words anywhere) is checked by
    `Scan.cues`, which keeps RE2's program small."""
    words = [w for k in keys for w in vocab.words(k)]
    return lazy_rx(f"(?i:{words_rx(words, stars=False)})")


#: the cue lists `Scan.cues` looks up
CUE_LISTS = ("name", "name_weak", "name_given", "name_titled", "name_opening", "name_labels",
             "public_names", "self_intro", "name_before", "documents", "password", "code", "cvv",
             "card", "seed", "uid", "id_numbers", "id_series", "birth", "address", "birthplace",
             "order", "signoffs", "username", "card_expiry", "iban", "contract", "name_lowercase",
             "phone_labels", "security", "salutations")


class Patterns:
    """The compiled patterns of one vocabulary."""

    def __init__(self, v: Vocabulary) -> None:
        self.vocab = v
        #: every cue list, searched together (see `cues`)
        self.cues = CueFinder({key: v.words(key) for key in CUE_LISTS})
        # masks this redactor writes: "[name]", "[seed phrase]"
        self.mask = lazy_rx(r"\[[a-z][a-z ]{1,20}\]")
        # a Telegram bot token (digits, ":", 35 characters), as in request URLs
        self.bot_token = lazy_rx(r"\d{6,12}:[A-Za-z0-9_\-]{30,}")  # also in ".../bot123:AA..."
        self.email = lazy_rx(EMAIL_PATTERN)
        at = ci(v.words("email_at"))
        dot = ci(v.words("email_dot"))
        label = r"[\p{Latin}\p{N}_%+\-]+"
        # the domain may be said in Cyrillic ("mail точка ру")
        domain = r"[\p{Latin}\p{Cyrillic}\p{N}_%+\-]+"
        # a Chinese word needs no spaces around it ("chenxiaoyu0612艾特qq点com")
        at_cjk = ci([w for w in v.words("email_at") if is_cjk(w)])
        dot_cjk = ci([w for w in v.words("email_dot") if is_cjk(w)])
        glued_at = rf"|\s*(?:{at_cjk})\s*" if at_cjk else ""
        glued_dot = rf"|\s*(?:{dot_cjk})\s*" if dot_cjk else ""
        sep_at = rf"(?:\s*[\[(<{{]\s*(?:{at}|@)\s*[\])>}}]\s*|\s+(?:{at}|@)\s+{glued_at})"
        # a bare "." joins with no space or with a space on both sides ("gmail . com"): "help at
        # all. This" is a sentence's end, not "all.this"
        sep_dot = rf"(?:\s*[\[(<{{]\s*(?:{dot}|\.)\s*[\])>}}]\s*|\s+(?:{dot})\s+|\.|\s+\.\s+{glued_dot})"
        joiners = v.words("email_joiners")
        join = rf"\.|\s+(?:{dot}|{ci(joiners)})\s+" if joiners else rf"\.|\s+{dot}\s+"
        said = v.words("digit_words") + v.words("year_words")
        numbers = rf"|\s+{ci(said)}" if said else ""  # "smith eighty eight at gmail dot com"
        self.email_obfuscated = lazy_rx(
            # (its last part in letters: "SEPA di 1.000 EUR" is no address)
            rf"{_LEFT}(?P<v>{label}(?:(?:{join}){label}{numbers})*{sep_at}{domain}(?:{sep_dot}{domain})*{sep_dot}[\p{{Latin}}\p{{Cyrillic}}]{{2,12}})(?:[^\p{{Latin}}\p{{Cyrillic}}\p{{N}}]|$)"
        )
        # an address percent-encoded in a link ("?email=sam.okafor%40outlook.com")
        self.email_encoded = lazy_rx(
            r"(?:^|[^\p{Latin}\p{N}._+\-])(?P<v>[\p{Latin}\p{N}._+\-]+%40[\p{Latin}\p{N}\-]+(?:\.[\p{Latin}\p{N}\-]+)+)",
            needs=("%40",))
        # a field written by a program: '"lastName":"Кузнецова"' (JSON), "name=赵丽娜", "&nom=Dubois"
        key = r"[\p{L}][\p{L}\p{N}_\-]{1,30}"
        self.field_json = lazy_rx(rf'["\'](?P<k>{key})["\']\s*:\s*["\'](?P<v>[^"\'\n]{{1,80}})["\']', needs=('"', "'"))
        # ... and a key as programs write it, then a colon: "full_name: Jonathan A. Whitfield",
        # "lastName: Kuznetsova" (the value up to the line's end or a comma)
        self.field_coded = lazy_rx(
            r"(?:^|[^A-Za-z0-9_\x{80}-\x{10FFFF}])(?P<k>\p{L}+(?:_\p{L}+)+|\p{Ll}+(?:\p{Lu}\p{Ll}+)+)[ \t]*[:=][ \t]*[\"']?"
            r"(?P<v>[^\s,;&\"'<>=:][^\n,;&\"'<>=:]{0,60})", needs=(":", "="))
        self.field_query = lazy_rx(
            rf"(?:^|[^A-Za-z0-9_\x{{80}}-\x{{10FFFF}}])(?P<k>{key})=(?P<v>[^&\s\"'<>,;#]{{1,80}})", needs=("=",))
        self.wallet = lazy_rx(
            rf"{_LEFT}(?P<v>0x[0-9a-fA-F]{{40}}|(?i:(?:bc|tb|ltc)1[02-9ac-hj-np-z]{{11,87}})"
            rf"|[{_B58}]{{25,64}})"
        )
        # a transaction hash (Bitcoin, Tron, and 0x-prefixed on Ethereum and BNB Chain): 64 hex
        # digits; the same shape after a private-key word is the key itself (detectors.hashes)
        self.tx_hash = lazy_rx(r"(?:^|[^0-9A-Za-z_])(?P<v>(?:0[xX])?[0-9a-fA-F]{64})(?:$|[^0-9A-Za-z_])")
        self.iban = lazy_rx(r"\b[A-Z]{2}\d{2}(?: ?[A-Z0-9]{4}){2,7}(?: ?[A-Z0-9]{1,4})?")
        # an API key or secret (Binance's: 64 letters and digits), a session or access token:
        # one long run of both cases and digits (detectors.long_secrets)
        self.long_token = lazy_rx(r"(?:^|[^0-9A-Za-z_+/=-])(?P<v>[0-9A-Za-z]{32,128})(?:$|[^0-9A-Za-z_+/=-])")
        # a messenger handle, not the end of an e-mail address ("@binance.com")
        self.handle = lazy_rx(r"(?:^|[\s(（,，:：])(?P<v>@[A-Za-z][A-Za-z0-9_]{3,31})(?:$|[^A-Za-z0-9_.@])")
        # an authenticator's setup key: base32, often in groups of four ("JBSW Y3DP EHPK 3PXP")
        # a backup code in groups of letters and digits ("7HQK-2MZP-9XWA")
        self.grouped_code = lazy_rx(
            r"(?:^|[^A-Za-z0-9\-])(?P<v>[A-Z0-9]{3,6}(?:-[A-Z0-9]{3,6}){2,5})(?:$|[^A-Za-z0-9\-])"
        )
        self.base32_key = lazy_rx(
            # (only after a code word: any digit, a key copied with a slip is still the key)
            r"(?:^|[^A-Za-z0-9])(?P<v>(?:[A-Z0-9]{4}(?:[ \-]?[A-Z0-9]{4}){3,15}|[a-z0-9]{4}(?:[ \-]?[a-z0-9]{4}){3,15}))(?:$|[^A-Za-z0-9])"
        )
        self.card = lazy_rx(r"(?:^|[^\d])(?P<v>\d(?:[ \-]?\d){12,18})")
        # a passport's machine-readable lines: "P<GBRSMITH<<JOHN<<<...", "1234567897GBR8501...<<04"
        self.mrz = lazy_rx(r"(?:^|[^A-Za-z0-9<])(?P<v>[A-Z0-9<]*<<[A-Z0-9<]*)")
        chunk = r"[A-Za-z]{0,3}\d[A-Za-z0-9]*"
        self.id_chunk = lazy_rx(rf"(?:^|[^A-Za-z0-9])(?P<v>{chunk}(?:[ .\-/]{chunk})*)")
        # a Hong Kong identity card number with its check digit: A123456(7)
        self.hkid = lazy_rx(r"(?:^|[^A-Za-z0-9])(?P<v>[A-Z]{1,2}\d{6}[(（][0-9A][)）])")
        self.ni = lazy_rx(
            r"(?i)\b[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\d{2} ?\d{2} ?\d{2} ?[A-D]\b"
        )
        self.id_token = lazy_rx(r"(?:^|[^A-Za-z0-9])(?P<v>[A-Za-z\-]{0,8}\d[A-Za-z0-9\-]{4,23})")
        self.phone = lazy_rx(r"(?:^|[^\p{L}\p{N}+])(?P<v>(?:\+|\()?\d[\d \t().\-]{5,28}\d)")
        self.digits = lazy_rx(r"(?:^|[^\d#])(?P<v>\d{6,})")
        self.hash_number = lazy_rx(r"#\s?\d+")
        self.year_range = lazy_rx(r"\b(?:19|20)\d\d\s?[-–]\s?(?:19|20)\d\d\b")
        cur = ci(v.words("currency"))
        # a one-letter currency ("5k", "500U") only after the number: "K1792963" is an ID
        cur_before = ci([w for w in v.words("currency") if len(w) > 1 or not w.isalpha()])
        amount = r"\d+(?:[.,]\d+)*(?: \d{3})*"
        self.amount = lazy_rx(
            # (the currency on the same line: "123456789\nTry again" is an ID and a button)
            rf"(?P<a>(?:^|[^\p{{L}}\p{{M}}])(?:{cur_before})[ \t]?{amount})|(?P<b>{amount}[ \t]?(?:{cur})(?:[^\p{{L}}\p{{M}}]|$))"
        )
        # dates
        months = ci(v.words("months"))
        joiner = ci(v.words("date_joiners") or ["of"])
        day = r"\d{1,2}(?:st|nd|rd|th|er|º|°)?\.?"
        year = rf"{CENTURY}?\d{{2}}"
        sep = r"(?:[./\-]|\. )"  # "14.03.1994", and Czech, Slovak, German "14. 3. 1994"
        self.date_numeric = lazy_rx(
            rf"(?:^|[^\d])(?P<v>\d{{1,2}}{sep}\d{{1,2}}{sep}{CENTURY}?\d{{2}}|{CENTURY}\d{{2}}[./\-]\d{{1,2}}[./\-]\d{{1,2}})"
        )
        self.date_words = lazy_rx(
            rf"{_LEFT}(?P<v>{day}\s*[\-/]?\s*(?:{joiner}\s+)*{months}\.?(?:[^A-Za-z\x{{80}}-\x{{10FFFF}}]|$)"
            rf"(?:,?\s*(?:{joiner}\s+)*(?P<y1>{year})(?:[^\d]|$))?"
            rf"|{months}(?:\.\s*|\s+){day}(?:,?\s*(?P<y2>{CENTURY}\d{{2}}))?"
            # the year first: Hungarian "1994. március 14.", Armenian "1994 թ. մարտի 14"
            rf"|(?P<y6>{CENTURY}\d{{2}})\.?\s+(?:{joiner}\s+)*{months}\s+\d{{1,2}})"
        )
        mw, yw = v.words("month_word"), v.words("year_word")
        self.date_month_word = lazy_rx(
            rf"(?P<v>\d{{1,2}}\s*{ci(mw or ['month'])}\s*\d{{1,2}}(?:\s*,?\s*{ci(yw or ['year'])}\s*(?P<y3>{CENTURY}\d{{2}}))?)"
        )
        # 1996年4月12日, 1996년 4월 12일, and a Japanese era year: 平成8年4月12日
        era = f"(?:{'|'.join(ERAS)})\\s*(?:\\d{{1,2}}|元)"
        self.date_cjk = lazy_rx(
            rf"(?P<v>(?:(?P<y4>(?:19|20)\d{{2}}|1[01]\d|\d{{2}}|{era})\s*[年년]\s*)?\d{{1,2}}\s*[月월]\s*\d{{1,2}}\s*[日号일]"
            rf"|(?:(?:19|20)\d{{2}}|(?P<y5>{era}))\s*年\s*\d{{1,2}}\s*月)"
        )
        # a date spelled out by voice typing: "the seventeenth of november two thousand and five"
        dw, yw2 = v.words("day_words"), v.words("year_words")
        spoken_year = rf"(?:{ci(yw2)})(?:[\s\-]+(?:and\s+)?(?:{ci(yw2)})){{1,5}}" if yw2 else ""
        self.date_spelled = lazy_rx(
            rf"{_LEFT}(?P<v>(?:{ci(dw)}|\d{{1,2}}(?i:st|nd|rd|th)?)\s+(?:of\s+)?{months}(?:,?\s+{spoken_year})?"
            rf"|{months}\s+(?:the\s+)?(?:{ci(dw)})(?:,?\s+{spoken_year})?)(?:[^A-Za-z]|$)"
        ) if dw and yw2 else None
        # a Hebrew-calendar date with its day and year in letters: "ט״ו באדר תשנ״ב"
        he_months = [w for w in v.words("months") if w[:1] and "\u05d0" <= w[0] <= "\u05ea"]
        self.date_hebrew_letters = lazy_rx(
            rf"(?P<v>(?:\x{{5D1}}-)?(?:[\x{{5D0}}-\x{{5EA}}]{{0,2}}[\x{{5F4}}\x{{22}}][\x{{5D0}}-\x{{5EA}}]|[\x{{5D0}}-\x{{5EA}}]{{1,3}}[\x{{5F3}}'])"
            rf"\s+(?:{words_rx(he_months)})"
            rf"(?:\s+[\x{{5D0}}-\x{{5EA}}]{{1,4}}[\x{{5F4}}\x{{22}}][\x{{5D0}}-\x{{5EA}}])?)(?:[^\x{{5D0}}-\x{{5EA}}]|$)"
        ) if he_months else None
        # digits said one by one: "zero eight zero three one two four five ...", or in groups
        # ("nine one six, fifty six, seventy eight"; Russian phones are said so), with groups
        # voice typing wrote as digits between them ("four four seven 48 two seven")
        # (two or more here, seven or more counted by the detector: RE2 writes out a counted
        # repetition, and {6,30} copies of this alternation took ~36 ms to compile)
        dg = v.words("digit_words") + v.words("number_words")
        self.spelled_digits = lazy_rx(
            rf"{_LEFT}(?P<v>(?:\d{{1,4}}[\s,\-]+)*{ci(dg)}(?:[\s,\-]+(?:{ci(dg)}|\d{{1,4}}))+)(?:[^\p{{L}}\p{{M}}\d]|$)"
        ) if dg else None
        # digits written as Chinese numerals one by one ("幺三九 零二七一 五八四六": 幺 and 洞 are
        # the spoken 1 and 0), seven or more counted by the detector
        self.cjk_digits = lazy_rx(r"(?P<v>[〇零一二三四五六七八九幺洞](?:[ \t\-]?[〇零一二三四五六七八九幺洞])+)")
        # a date in Chinese numerals: 一九九五年一月三十日, 二〇〇一年十二月五号, 农历一九八八年八月十五
        self.date_cjk_numerals = lazy_rx(
            r"(?P<v>(?P<y>[〇零一二三四五六七八九]{4})\s*年\s*[一二三四五六七八九十]{1,3}\s*月\s*[一二三四五六七八九十]{1,3}\s*[日号號]?)"
        )
        # ... and in the Republic of China's calendar (Taiwan): 民國八十五年三月十二日
        self.date_roc = lazy_rx(
            r"(?P<v>(?:民國|民国)\s*[一二三四五六七八九十百〇零\d]{1,4}\s*年\s*[一二三四五六七八九十\d]{1,3}\s*月"
            r"\s*[一二三四五六七八九十\d]{1,3}\s*[日号號]?)"
        )
        self.date_word = cue_pattern(v, "birth")
        self.sentence_break = lazy_rx(r"[\n。！？；]|[!?;](?:\s|$)|\.\s")  # "Qwerty!2023" is one word
        # addresses
        after = v.spaced("street_after")
        before = v.spaced("street_before")
        house = ci(v.spaced("house"))
        parts = ci(v.spaced("name_particles") or ["de"])
        self.street_after_last = lazy_rx(rf"(?:^|[\s,])(?i:{words_rx(after)})\.?$") if after else None
        shapes = [
            # 12 Baker Street, 1453 Sok. No: 8/3
            rf"{NUM},?\s+(?:{CAP}\s+){{0,3}}{ci(after)}(?:[^A-Za-z0-9\x{{80}}-\x{{10FFFF}}]|$)(?:\s*,?\s*{house}\s*:?\s*{NUM})?",
            # Atatürk Cad. No: 12
            rf"(?:{CAP}\s+){{1,3}}{ci(after)}(?:[^A-Za-z0-9\x{{80}}-\x{{10FFFF}}]|$)\s*,?\s*{house}\s*:?\s*{NUM}",
            # H.No. 23, Gandhi Nagar; số 12 Nguyễn Trãi
            rf"{house}\s*:?\s*\d{{1,5}}[A-Za-z]?,?\s+{CAP}(?:\s+{CAP}){{0,3}}",
            # flat 4, apt 3B
            rf"{ci(v.spaced('units'))}\s*:?\s*{NUM}",
        ]
        numbered = v.spaced("street_numbered")
        if numbered:  # Абай көшесі 10, Nizami küçəsi 25, Atatürk Caddesi 12, 34 пәтер: the
            # street's name (capitalised words, or Georgian ones: no capitals), the street word,
            # the house number with no house word, then flats and houses numbered either way
            unit = ci(v.spaced("units") + v.spaced("house"))
            named = rf"(?:{CAPX}|\p{{Georgian}}[^\s,;:()\[\]0-9]*)"
            shapes.append(
                rf"(?:{named}\s+){{1,3}}{ci(numbered)}\s*,?\s*(?:{house}\s*:?\s*)?{NUM}(?:\s*-?\s*{unit})?(?:[^\p{{L}}0-9]|$)"
                rf"(?:\s*,?\s*(?:{unit}\s*:?\s*{NUM}|{NUM}\s*-?\s*{unit}(?:[^\p{{L}}0-9]|$)))*"
            )
        if before:  # Calle Mayor 45, Rua das Flores 123, ул. Ленина, д. 5
            shapes.append(
                rf"{ci(before)}\s*(?:{CAPX}|{parts})(?:[\s,]+(?:{CAPX}|{parts})){{0,4}}?[\s,]*(?:{house}\s*:?\s*)?{NUM}"
                rf"(?:\s*,?\s*(?:{ci(v.spaced('units'))}|{house})\s*:?\s*{NUM})*"
            )
            # 8 rue des Lilas, 12 avenue Victor Hugo: the number before the street word
            shapes.append(rf"{NUM},?\s+{ci(before)}\s+(?:{CAPX}|{parts})(?:\s+(?:{CAPX}|{parts})){{0,4}}")
            # typed on a phone in lower case ("calle mayor 5 madrid"): a street word of four
            # letters or more or an abbreviation with its full stop ("вул. городоцька 112"), one
            # to three words of letters, the house number
            long_before = [w for w in before if len(w.strip(".")) >= 4 and w.isalpha()
                           or w.endswith(".") and len(w) >= 3 and w[:-1].isalpha()]
            if long_before:
                shapes.append(rf"{ci(long_before)}\s+(?:\p{{Ll}}{{2,}}\s+){{1,3}}\d{{1,5}}(?:[/\-]\d{{1,4}})?(?:[^\p{{L}}0-9]|$)")
        # a house and a street (or flat) each with its number: "বাড়ি ২৭, রোড ৪", "Plot 12,
        # Sector 5", "मकान नं 12, गली 5" (house and unit words of three letters or more: not
        # "no", "#", nor a word that only numbers things, "número 1, número 2", nor a street
        # word that is an ordinary one too, "way 2, way 3")
        marked = [w for w in v.spaced("house") + v.spaced("units")
                  if len(w.strip(".:#№ ")) >= 3
                  and not w.casefold().startswith(("num", "núm", "nom", "ном", "no."))]
        if marked:
            shapes.append(rf"{ci(marked)}\.?\s*:?\s*{NUM}\s*,\s*{ci(marked)}\.?\s*:?\s*{NUM}(?:[^\p{{L}}\p{{M}}0-9]|$)")
        endings = v.spaced("street_endings")
        if endings:  # Schillerstraße 27, Kerkstraat 12, Goethestr. 5: the street word glued on
            shapes.append(rf"\p{{Lu}}\p{{L}}{{2,}}(?i:{words_rx(endings, stars=False)})(?:[^\p{{L}}0-9]|$)\s*,?\s*(?:{house}\s*:?\s*)?{NUM}")
        area, street = v.words("area_glued"), v.words("street_glued")
        if area and street:  # 서울시 강남구 테헤란로 152, 12층 1204호: the words end in these
            unit = words_rx(v.words("unit_glued") or ["-"], stars=False)
            shapes.append(
                rf"(?:\p{{L}}+{words_rx(area, stars=False)}\s+){{1,3}}\p{{L}}+{words_rx(street, stars=False)}"
                rf"\s*\d{{1,5}}(?:-\d{{1,5}})?(?:[\s,]+\d{{1,5}}(?:-\d{{1,5}})?\s*{unit})*"
            )
        self.address = lazy_rx(f"{_LEFT}(?P<v>{'|'.join(shapes)})")
        # the next part of a sentence after an address ("... NW1 6XE and it says ...")
        self.address_ends = lazy_rx(rf"\s(?P<v>{ci(v.spaced('address_ends'))})\s") \
            if v.spaced("address_ends") else None
        # a post-office box: "P.O. Box 12345-00100", "Caixa Postal 1234", "а/я 15"
        box = v.words("po_box")
        self.po_box = lazy_rx(
            rf"{_LEFT}(?P<v>{ci(box)}\.?\s*(?:(?i:no\.?|n[º°]|#)\s*)?:?\s*\d{{1,7}}(?:\s?[-–]\s?\d{{3,6}})?)(?:[^\d]|$)"
        ) if box else None
        zh_street = words_rx(v.cjk("street_after") or ["路"])
        zh_units = words_rx(v.cjk("units") or ["室"])
        # 张杨路1288号602室, and with a lane between: 张杨路1288弄16号
        self.address_cjk = lazy_rx(
            rf"\p{{Han}}{{1,6}}?{zh_street}\s*\d{{1,5}}\s*(?:[弄巷]\s*\d{{1,5}}\s*)?[号號](?:[\p{{Han}}A-Za-z]{{0,8}}?\d{{1,5}}\s*{zh_units})*"
        )
        markers = ci(v.spaced("house") + v.spaced("units") + after + before)
        # a number before a word (Uzbek "14-uy", "27-xonadon") is a house number too
        near = [rf"{NUM},?\s+{CAPX}", rf"{CAPX},?\s+{NUM}\b", rf"{_LEFT}{markers}\s*:?\s*\d",
                rf"{_LEFT}\d{{1,5}}-{markers}(?:[^A-Za-z\x{{80}}-\x{{10FFFF}}]|$)"]
        if before:
            near.append(rf"{NUM},?\s+{ci(before)}\s")
        # typed in small letters after the cue: a word, the house number, a comma and more
        # ("via giuseppe garibaldi 27, 20121 milano", "краља петра 12, београд")
        near.append(rf"\p{{L}}{{2,}}\s+{NUM},\s*[\p{{L}}\d]")
        self.address_near = lazy_rx("|".join(near))
        # names
        endings = v.words("name_endings")
        # a patronymic: a capitalised word with one of `name_endings` ("Игоревич", "Petrovna")
        self.patronymic = lazy_rx(
            rf"(?:^|[^\p{{L}}\p{{M}}])(?P<v>\p{{Lu}}\p{{L}}{{2,}}(?i:{words_rx(endings, stars=False)}))(?:$|[^\p{{L}}\p{{M}}])"
        ) if endings else None
        # the same in small letters ("я кузнецов павел игоревич"): a name only right after a cue
        self.patronymic_lower = lazy_rx(
            rf"(?:^|[^\p{{L}}\p{{M}}])(?P<v>\p{{Ll}}\p{{L}}{{2,}}(?i:{words_rx(endings, stars=False)}))(?:$|[^\p{{L}}\p{{M}}])"
        ) if endings else None
        # ... after the mark of a forwarded mail ("Fwd: Dear Marcus T. Whitfield,")
        forwarded = v.spaced("forwarded")
        fwd = rf"(?:(?:{ci(forwarded)})\s*[:：]\s*)?" if forwarded else ""
        # (a quoted line's marks first: "> Hello Daniel Okafor,", "« Madame Léa Moreau, ...")
        self.greeting = lazy_rx(rf"^[\s>«“„\"]*{fwd}(?:{ci(v.spaced('greetings'))}(?:[\s,!.]+|$))?")
        # a later line that opens with one ("...⏎⏎Dear Callum Hay,")
        self.greeted_line = lazy_rx(rf"\n[ \t>«“„\"]*(?P<v>{fwd}{ci(v.spaced('greetings'))})")
        self.han_run = lazy_rx(r"^[\s:：]*(?P<v>\p{Han}{2,8})")
        #: common Chinese words that open like a name (names.py `_chinese_owner`)
        self.common_han = common_han_words(v)
        # every match of these has an ASCII digit (`\d` in each alternative), of these an "@" or
        # a "[": a message without one is not searched (most messages have no digit at all)
        for pattern in (self.bot_token, self.tx_hash, self.iban, self.card, self.id_chunk, self.hkid, self.ni,
                        self.id_token, self.phone, self.digits, self.hash_number, self.year_range,
                        self.amount, self.date_numeric, self.date_words, self.date_month_word,
                        self.date_cjk, self.address, self.address_cjk, self.address_near,
                        *([self.po_box] if self.po_box else [])):
            pattern.needs = DIGITS
        self.date_cjk_numerals.needs = ("年",)
        if self.date_hebrew_letters is not None:
            self.date_hebrew_letters.needs = ("\u05f4", '"', "\u05f3", "'")
        self.email.needs = self.handle.needs = ("@",)
        self.mrz.needs = ("<<",)
        self.mask.needs = ("[",)

    def all(self) -> list[Pattern]:
        """Every pattern this vocabulary made (the cue lists are `cues`)."""
        return [v for v in vars(self).values() if isinstance(v, Pattern)]
