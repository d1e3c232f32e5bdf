"""Make `bot/understanding/zh_words.txt`, the words the Chinese segmenter knows (a developer's
tool; the bot only reads the file).

    python -m bot.ops.zh_words path/to/jieba/dict.txt [--top 100000] [--knowledge knowledge]

`dict.txt` is jieba's dictionary ("word count tag" a line; in the `jieba` package on PyPI, MIT
licence). The file written holds its `--top` most frequent words and every other word of it that
the knowledge base's Chinese texts are cut into by rjieba's full dictionary (words such as 自拍照
or 身份验证 are rare in jieba's corpus and common here). Words the knowledge base lists under
`segmenter_words`, synonyms and keywords are added by the bot at load, so an operator's new word
needs no new file; run this after adding many Chinese examples.
"""

from __future__ import annotations

import argparse
import re
from pathlib import Path
from typing import Any

import yaml

from bot.understanding.text import clean, is_han
from bot.understanding.tokens import WORDS_FILE

_RUN = re.compile(r"[\u3400-\u9fff\uf900-\ufaffa-z0-9]+")


def _texts(value: Any, out: list[str]) -> None:
    if isinstance(value, str):
        if any(is_han(c) for c in value):
            out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            _texts(k, out)
            _texts(v, out)
    elif isinstance(value, list):
        for v in value:
            _texts(v, out)


def words(dictionary: Path, knowledge: Path, top: int) -> list[tuple[str, int]]:
    """The words to keep with their counts, most frequent first."""
    import rjieba  # the full dictionary, to cut the knowledge base's texts as jieba would

    counts: dict[str, int] = {}
    for line in dictionary.read_text(encoding="utf-8").splitlines():
        parts = line.split()
        if len(parts) >= 2 and parts[1].isdigit():
            counts[parts[0]] = int(parts[1])
    ranked = sorted(counts.items(), key=lambda wc: (-wc[1], wc[0]))
    keep = dict(ranked[:top])
    texts: list[str] = []
    for path in sorted(knowledge.rglob("*.yaml")):
        _texts(yaml.safe_load(path.read_text(encoding="utf-8")), texts)
    for text in texts:
        for run in _RUN.findall(clean(text, 100_000)):
            for word in rjieba.cut(run, False):
                if len(word) > 1 and word in counts:
                    keep[word] = counts[word]
    return sorted(keep.items(), key=lambda wc: (-wc[1], wc[0]))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bot.ops.zh_words", description=__doc__.split("\n")[0])
    parser.add_argument("dictionary", type=Path, help="jieba's dict.txt")
    parser.add_argument("--top", type=int, default=100_000, help="most frequent words kept (default 100000)")
    parser.add_argument("--knowledge", type=Path, default=Path("knowledge"))
    parser.add_argument("--out", type=Path, default=WORDS_FILE)
    args = parser.parse_args(argv)
    kept = words(args.dictionary, args.knowledge, args.top)
    args.out.write_text("".join(f"{w} {c}\n" for w, c in kept), encoding="utf-8")
    print(f"{args.out}: {len(kept)} words")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
