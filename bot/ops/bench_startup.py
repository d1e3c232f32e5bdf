"""Bench sections: first-seen match latency, and start-up at 1x, 10x and 50x the knowledge.

Every figure comes from a fresh process. "Cold" runs get empty cache places (HOME,
XDG_CACHE_HOME, the working directory, Python's bytecode folder and a fresh copy of the knowledge
folder, so a cache kept in any of them starts empty); "warm" runs repeat the same command in the same places, so they
find whatever the cold run left. Where the bot keeps no cache, cold and warm are the same thing
measured twice.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bot.ops.bench_corpus import Sample
from bot.ops.bench_report import (
    Section,
    Target,
    load_average,
    median,
    percentile,
    progress,
    run_worker,
    spread,
    worker_env,
)

CONSOLE_MESSAGE = "my selfie does not match the photo in my passport\n"


class Place:
    """Fresh cache places for one cold/warm sequence, and the knowledge copied into them."""

    def __init__(self, root: Path, name: str, knowledge: Path) -> None:
        self.dir = root / name
        for sub in ("home", "cache", "cwd"):
            (self.dir / sub).mkdir(parents=True)
        self.knowledge = self.dir / "knowledge"
        shutil.copytree(knowledge, self.knowledge)
        # the bytecode too: a cold run compiles the sources, a warm one reads what it wrote
        self.env = worker_env({"HOME": str(self.dir / "home"),
                               "XDG_CACHE_HOME": str(self.dir / "cache"),
                               "PYTHONPYCACHEPREFIX": str(self.dir / "cache" / "pycache")})

    def snapshot(self) -> set[tuple[str, int, int]]:
        """Every file in the cache places (not the console's databases): a cache leaves one."""
        return {(str(p), p.stat().st_mtime_ns, p.stat().st_size) for p in self.dir.rglob("*")
                if p.is_file() and ".sqlite3" not in p.name and p.suffix != ".err"}

    def worker(self, *args: str, timeout: float = 3600) -> dict[str, Any]:
        progress(f"{self.dir.name}: bench_match {args[0]} ...")
        result = run_worker(["-m", "bot.ops.bench_match", *args], env=self.env,
                            cwd=self.dir / "cwd", timeout=timeout)
        progress(f"{self.dir.name}: bench_match {args[0]} took {result.get('_wall_s', 0):.1f} s"
                 + (f" ({result['error']})" if "error" in result else ""))
        return result

    def console(self, timeout: float = 3600) -> dict[str, Any]:
        """Seconds from starting `python -m bot console` to its first reply, and its exit."""
        db = self.dir / "cwd" / f"console-{time.monotonic_ns()}.sqlite3"
        cmd = [sys.executable, "-m", "bot", "console", "--knowledge", str(self.knowledge),
               "--db", str(db), "--user", "bench"]
        err_file = self.dir / "console.err"
        start = time.perf_counter()
        with err_file.open("w") as err:
            proc = subprocess.Popen(cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                    stderr=err, text=True, env=self.env, cwd=self.dir / "cwd")
        assert proc.stdin is not None and proc.stdout is not None
        proc.stdin.write(CONSOLE_MESSAGE)
        proc.stdin.flush()
        first = None
        for line in proc.stdout:
            if line.strip() and not line.startswith("you>"):
                first = time.perf_counter() - start
                break
        proc.stdin.close()
        proc.stdout.read()
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        if first is None:
            tail = err_file.read_text(errors="replace").strip()[-200:]
            return {"error": f"no reply (exit {proc.returncode}): {tail}"}
        return {"first_reply_s": first, "exit_s": time.perf_counter() - start}


def _digest(knowledge: Path) -> str:
    """The knowledge folder's content and the generator's code (not the matcher's: a base made
    for an older matcher is made again when the loader refuses it, see `sections`)."""
    h = hashlib.sha256()
    files = sorted(p for p in knowledge.rglob("*") if p.is_file())
    for p in [*files, Path(__file__).with_name("bench_scale.py")]:
        h.update(str(p.relative_to(p.parent.parent)).encode())
        h.update(p.read_bytes())
    return h.hexdigest()[:16]


def scaled_knowledge(knowledge: Path, scale: int, *, fresh: bool = False
                     ) -> tuple[Path, dict[str, Any]]:
    """A `scale`x base that passes validate: made once per knowledge and generator version,
    then kept under the user's cache folder (making one runs the validator until it passes,
    which takes a while when the checks are slow)."""
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kyc-helper-bench"
    target = cache / f"knowledge-{scale}x-{_digest(knowledge)}"
    info_file = target.with_suffix(".json")
    if info_file.is_file() and target.is_dir() and not fresh:
        return target, json.loads(info_file.read_text())
    shutil.rmtree(target, ignore_errors=True)
    info_file.unlink(missing_ok=True)
    cache.mkdir(parents=True, exist_ok=True)
    info = run_worker(["-m", "bot.ops.bench_scale", str(knowledge), str(target), str(scale)],
                      timeout=4 * 3600)
    if "error" not in info:
        info_file.write_text(json.dumps(info))
    return target, info


def _times(result: dict[str, Any], lang: str | None = None) -> list[float]:
    return [t for lg, _, t in result.get("times", []) if lang is None or lg == lang]


def realistic(result: dict[str, Any], langs: list[str], samples: int) -> Section:
    sec = Section("Matching realistic messages, each seen for the first time (bundled knowledge)")
    sec.notes.append(
        f"{samples} generated messages (notices framed as forwarded mail or app text, own-words "
        "descriptions, typos, several reasons, off-topic) in each of: " + ", ".join(langs)
        + "; after start-up (which matches every knowledge example) and a warm-up on 200 "
        "knowledge examples; none is a knowledge example")
    for lang in [None, *langs]:
        times = _times(result, lang)
        key = "match.realistic" + (f".{lang}" if lang else "")
        what = "one Matcher.match call" + (f", {lang} messages" if lang else ", all languages")
        ok = bool(times)
        sec.add(f"{key}.p50", percentile(times, 50) if ok else None, "ms", what)
        sec.add(f"{key}.p99", percentile(times, 99) if ok else None, "ms", "99th percentile")
        sec.add(f"{key}.max", max(times) if ok else None, "ms", "the slowest message")
    if "error" in result:
        sec.fail(f"the run: {result['error']}")
    return sec


def _val(run: dict[str, Any], key: str) -> Any:
    return None if "error" in run else run.get(key)


def _console(pairs: list[tuple[dict[str, Any], dict[str, Any]]]) -> dict[str, dict[str, Any]]:
    """Medians of cold and warm console runs, and the warm/cold ratio pair by pair."""
    good = [(c, w) for c, w in pairs if "error" not in c and "error" not in w]
    if not good:
        bad = next(r for pair in pairs for r in pair if "error" in r)
        return {"console_cold": bad, "console_warm": bad, "console_ratio": {"pairs": 0}}
    ratios = [w["first_reply_s"] / c["first_reply_s"] for c, w in good]
    return {
        "console_cold": {"first_reply_s": median([c["first_reply_s"] for c, _ in good])},
        "console_warm": {"first_reply_s": median([w["first_reply_s"] for _, w in good])},
        "console_ratio": {"median": median(ratios), "spread": spread(ratios), "pairs": len(good)},
    }


def _scale_rows(sec: Section, label: str, runs: dict[str, dict[str, Any]], info: dict[str, Any],
                quick: bool) -> None:
    key = f"knowledge.{label}"
    start_cold, start_warm = runs["start_cold"], runs["start_warm"]
    size = (f"{start_cold.get('entries', '?')} reasons+topics, {start_cold.get('examples', '?')} "
            "examples")
    if info.get("dropped"):
        size += f"; {info['dropped']} generated examples dropped to pass validate"
    sec.add(f"{key}.examples", _val(start_cold, "examples"), "", size)
    sec.add(f"{key}.validate_problems", info.get("problems", 0), "",
            "problems `validate` finds in this base", Target("<=", 0, "bench"))
    sec.add(f"{key}.start_cold", _val(start_cold, "load_s"), "s",
            "the knowledge loaded as the bot starts (every check) + Matcher.build, fresh process, empty caches")
    sec.add(f"{key}.start_warm", _val(start_warm, "load_s"), "s", "the same, caches as left")
    sec.add(f"{key}.build_cold", _val(runs["build_cold"], "build_s"), "s",
            "Matcher.build alone (the files loaded without checks), empty caches")
    sec.add(f"{key}.build_warm", _val(runs["build_warm"], "build_s"), "s", "the same, caches as left")
    times = _times(start_warm)
    big = label == "50x"
    sec.add(f"{key}.match_p50", percentile(times, 50) if times else None, "ms",
            f"Matcher.match on {len(times)} first-seen realistic messages")
    sec.add(f"{key}.match_p99", percentile(times, 99) if times else None, "ms",
            "the same, 99th percentile", Target("<=", 20, "#13") if big else None)
    sec.add(f"{key}.rss", _val(start_warm, "rss_mb"), "MB",
            "peak RSS (VmHWM) of that process: loaded, checked, built, matched")
    c_cold, c_warm = runs["console_cold"], runs["console_warm"]
    n = runs["console_ratio"].get("pairs", 0)
    sec.add(f"console.{label}.first_reply_cold", _val(c_cold, "first_reply_s"), "s",
            "`python -m bot console` started in empty cache places, one message piped in, until "
            f"its reply is printed (median of {n})", Target("<", 30, "#13") if big else None)
    sec.add(f"console.{label}.first_reply_warm", _val(c_warm, "first_reply_s"), "s",
            "the same again, in the places the cold run left",
            Target("<", 5, "#13") if big else Target("<", 0.5, "#13") if label == "bundled" else None)
    ratio = runs["console_ratio"]
    sec.add(f"console.{label}.warm_vs_cold", _val(ratio, "median"), "x",
            f"warm / cold first reply, {n} pairs run in turn", spread=ratio.get("spread"))
    for name, r in runs.items():
        if "error" in r:
            sec.fail(f"{label} {name}: {r['error']}")


def realistic_only(knowledge: Path, samples: list[Sample], langs: list[str]) -> Section:
    """Realistic matching alone: one start-up on the bundled knowledge, its cache warmed first
    (what `--only realistic` runs: no scaled base is made, no console is started)."""
    with tempfile.TemporaryDirectory(prefix="kyc-bench-start-") as tmp:
        root = Path(tmp)
        corpus = root / "corpus.json"
        corpus.write_text(json.dumps([s.__dict__ for s in samples]), encoding="utf-8")
        place = Place(root, "bundled-a", knowledge)
        place.worker("start", str(place.knowledge))  # fills the caches, as the bot's last start did
        result = place.worker("start", str(place.knowledge), str(corpus))
    return realistic(result, langs, len(samples) // max(1, len(langs)))


def sections(knowledge: Path, samples: list[Sample], langs: list[str], *,
             quick: bool) -> list[Section]:
    """[realistic matching, knowledge scaling and start-up]."""
    sec = Section("Start-up and matching as the knowledge base grows (checks on)")
    scales = (("bundled", 1), ("10x", 1 if quick else 10), ("50x", 1 if quick else 50))
    if quick:
        sec.notes.append("--quick: no scaled base is made (the 10x and 50x rows repeat the "
                         "bundled run); cold and warm are one run")
    corpus_small = [s.__dict__ for s in samples[:: max(1, len(samples) // 600)]]
    result_realistic: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="kyc-bench-start-") as tmp:
        root = Path(tmp)
        full = root / "corpus.json"
        full.write_text(json.dumps([s.__dict__ for s in samples]), encoding="utf-8")
        small = root / "corpus-small.json"
        small.write_text(json.dumps(corpus_small), encoding="utf-8")
        done: dict[int, tuple[dict[str, dict[str, Any]], dict[str, Any]]] = {}
        for label, scale in scales:
            if scale in done:  # --quick: the bundled run stands for every row
                _scale_rows(sec, label, *done[scale], quick)
                continue
            if scale == 1:
                base, info = knowledge, {"problems": 0}
            else:
                progress(f"{label}: the scaled base (made once, then kept; making it takes "
                         "minutes) ...")
                base, info = scaled_knowledge(knowledge, scale)
                if "error" in info:
                    sec.fail(f"{label}: could not be made: {info['error']}")
                    continue
                if info.get("problems"):
                    sec.fail(f"{label}: validate still finds {info['problems']} problems, "
                             f"first: {info.get('first_problem', '')[:200]}")
            corpus = str(full if scale == 1 else small)
            a = Place(root, f"{label}-a", base)
            before = a.snapshot()
            runs = {"start_cold": a.worker("start", str(a.knowledge), corpus)}
            refused = runs["start_cold"].get("error", "")
            if scale > 1 and refused.startswith("KnowledgeError"):
                if info.get("confirmed"):  # made for an older matcher: make it again
                    base, info = scaled_knowledge(knowledge, scale, fresh=True)
                    a = Place(root, f"{label}-a2", base)
                    before = a.snapshot()
                    runs = {"start_cold": a.worker("start", str(a.knowledge), corpus)}
                else:
                    info = {**info, "problems": int(refused.split()[1])}
            cached = a.snapshot() != before
            if quick or not cached:  # nothing was cached: a warm run is the cold one again
                runs["start_warm"] = runs["start_cold"]
            else:
                runs["start_warm"] = a.worker("start", str(a.knowledge), corpus)
            c = a if quick else Place(root, f"{label}-c", base)
            runs["build_cold"] = c.worker("build", str(c.knowledge))
            runs["build_warm"] = runs["build_cold"]
            if not quick and (cached or scale == 1):
                runs["build_warm"] = c.worker("build", str(c.knowledge))
            pairs = []  # console cold then warm, in fresh places, in turn
            for i in range(3 if scale == 1 and not quick else 1):
                place = a if quick else Place(root, f"{label}-b{i}", base)
                progress(f"{label}: console cold and warm, pair {i + 1}")
                cold = place.console()
                again = scale == 1 or cached
                pairs.append((cold, place.console() if again and not quick else cold))
            runs.update(_console(pairs))
            if not cached:
                sec.notes.append(f"{label}: the cold runs left no file in the cache places"
                                 + ("; warm = cold, not run again" if scale > 1 else ""))
            _scale_rows(sec, label, runs, info, quick)
            done[scale] = (runs, info)
            if scale == 1:
                result_realistic = runs["start_warm"]
            sec.notes.append(f"{label} done; load average {load_average()}")
    return [realistic(result_realistic, langs, len(samples) // max(1, len(langs))), sec]
