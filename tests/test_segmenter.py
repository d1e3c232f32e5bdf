"""The Chinese segmenter: jieba's most frequent words and the knowledge base's, without the
32 MB of rjieba's whole dictionary."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from bot.ops import zh_words
from bot.understanding import tokens


def test_words_the_knowledge_base_uses_stay_whole() -> None:
    # 自拍照 and 身份验证 are rare in jieba's corpus (counts of 3): kept because knowledge/ uses them
    assert tokens.words("自拍照和证件照片不是同一人")[:1] == ["自拍照"]
    assert "身份验证" in tokens.words("您提交的身份验证资料未获通过")
    assert "身份证" in tokens.words("我的身份证审核失败了")  # (other words as the knowledge base adds them)


def test_the_bot_never_loads_rjiebas_whole_dictionary() -> None:
    code = ("import sys; from bot.understanding import tokens; tokens.warm(); "
            "print('rjieba' in sys.modules, tokens.words('证件过期'))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                         cwd=Path(__file__).resolve().parents[1]).stdout
    assert out.strip() == "False ['证件', '过期']", out


def test_the_word_file_is_made_from_jiebas_dictionary_and_the_knowledge(tmp_path: Path) -> None:
    dictionary = tmp_path / "dict.txt"
    dictionary.write_text("的 318825 uj\n证件 3000 n\n过期 800 v\n自拍照 3 l\n冷僻词 2 n\n", encoding="utf-8")
    knowledge = tmp_path / "knowledge"
    knowledge.mkdir()
    (knowledge / "a.yaml").write_text("examples:\n- 自拍照和证件对不上\n", encoding="utf-8")
    out = tmp_path / "words.txt"
    assert zh_words.main([str(dictionary), "--top", "2", "--knowledge", str(knowledge), "--out", str(out)]) == 0
    # the two most frequent, and the rare word the knowledge base uses; not the rare one it doesn't
    assert out.read_text(encoding="utf-8").splitlines() == ["的 318825", "证件 3000", "自拍照 3"]
