"""Shared parts of `python -m bot bench`: figures, targets, the table, the machine, workers.

Every figure has a stable key (the quick smoke test checks that each key is printed), a value,
what it includes, and the target an issue set for it. Sections run their measurements in fresh
subprocesses ("workers") so memory and caches are their own; a worker prints one JSON object
as its last line of output.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Target:
    """A bound from an issue: `value op bound` must hold (op is one of < <= >= >)."""

    op: str
    bound: float
    issue: str

    def met(self, value: float) -> bool:
        return {
            "<": value < self.bound,
            "<=": value <= self.bound,
            ">": value > self.bound,
            ">=": value >= self.bound,
        }[self.op]

    def miss(self, value: float) -> str:
        """How far `value` is from the bound, as a factor ("3.2x over")."""
        if self.bound == 0 or value == 0:
            return ""
        if self.op in ("<", "<="):
            return f"{value / self.bound:.1f}x over"
        return f"{value / self.bound:.0%} of it"


@dataclass
class Figure:
    """One measured figure."""

    key: str
    value: float | None
    unit: str
    includes: str
    target: Target | None = None
    spread: tuple[float, float, float] | None = None  # min, median, max over runs or pairs
    note: str = ""

    def verdict(self) -> str:
        if self.target is None or self.value is None:
            return ""
        if self.target.met(self.value):
            return "ok"
        return f"MISSED ({self.target.miss(self.value)})".replace(" ()", "")

    def as_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "value": self.value,
            "unit": self.unit,
            "includes": self.includes,
            "target": None if self.target is None
            else f"{self.target.op} {self.target.bound:g} ({self.target.issue})",
            "verdict": self.verdict(),
            "spread": self.spread,
            "note": self.note,
        }


@dataclass
class Section:
    """A titled group of figures, with notes (setup, load average, what was skipped)."""

    title: str
    figures: list[Figure] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    def fail(self, what: str) -> None:
        """Note a run that failed (its figures are n/a); the smoke test looks for FAILED."""
        self.notes.append(f"FAILED: {what}")

    def add(self, *args: Any, **kwargs: Any) -> Figure:
        fig = Figure(*args, **kwargs)
        self.figures.append(fig)
        return fig


# -- statistics ------------------------------------------------------------------------------


def percentile(values: Sequence[float], pct: float) -> float:
    """Nearest-rank percentile (p99 of 100 values is the 99th smallest)."""
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    rank = max(1, min(len(ordered), -(-len(ordered) * pct // 100)))
    return ordered[int(rank) - 1]


def spread(values: Sequence[float]) -> tuple[float, float, float]:
    return (min(values), statistics.median(values), max(values))


def median(values: Sequence[float]) -> float:
    return statistics.median(values) if values else float("nan")


# -- the machine -----------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


def load_average() -> str:
    try:
        return " ".join(f"{x:.2f}" for x in os.getloadavg())
    except OSError:
        return "unknown"


def commit() -> str:
    try:
        out = subprocess.run(["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=10, check=False)
        dirty = subprocess.run(["git", "-C", str(ROOT), "status", "--porcelain", "--", "bot"],
                               capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    head = out.stdout.strip() or "unknown"
    return head + (" (bot/ modified)" if dirty.stdout.strip() else "")


def machine() -> dict[str, str]:
    cores = os.cpu_count() or 0
    try:
        usable = len(os.sched_getaffinity(0))
    except AttributeError:
        usable = cores
    mem = ""
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                mem = f"{int(line.split()[1]) / 1024 / 1024:.0f} GB RAM"
    except OSError:
        pass
    return {
        "cpu": cpu_model(),
        "cores": f"{cores} cores ({usable} usable)",
        "memory": mem,
        "python": platform.python_version(),
        "commit": commit(),
        "load_average_start": load_average(),
    }


# -- loading the knowledge, whatever the version --------------------------------------------


def load_as_bot(path: str) -> Any:
    """The knowledge base as the bot loads it at start, every check on."""
    try:
        from bot.app.knowledge import load_knowledge
    except ImportError:  # older versions: the loader ran every check itself
        from bot.knowledge.loader import load_knowledge
    return load_knowledge(path)


def load_files_only(path: str) -> Any:
    """The knowledge base read from its files, without the matcher's example checks."""
    from bot.knowledge.loader import load_knowledge

    try:
        import bot.app.knowledge  # noqa: F401  (since it exists, the loader alone checks files)
    except ImportError:
        return load_knowledge(path, check_matcher=False)
    return load_knowledge(path)


# -- processes -------------------------------------------------------------------------------


def vm_hwm_mb(pid: int | str = "self") -> float:
    """Peak resident memory of a process (VmHWM, reset by exec), in MB; nan if unknown."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return float("nan")


def cpu_seconds(pid: int) -> float:
    """User + system CPU seconds a process (all its threads) has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    ticks = os.sysconf("SC_CLK_TCK")
    return (int(fields[11]) + int(fields[12])) / ticks


def worker_env(extra: Mapping[str, str] | None = None, pythonpath: str | None = None) -> dict[str, str]:
    """The environment for a worker: this one, minus settings that would change what runs."""
    from bot.app.config import VARIABLES  # every setting the bot reads: the bench sets its own

    drop = {*VARIABLES, "TELEGRAM_BOT_TOKEN", "TELEGRAM_API_BASE_URL", "DATABASE_PATH",
            "KNOWLEDGE_DIR", "LOG_LEVEL", "PYTHONPATH", "KYC_HELPER_CACHE_DIR", "DATABASE_URL",
            "LOG_FORMAT",
            # a deployed bot keeps its bytecode: a shell that forbids writing it would make every
            # "warm" start compile the sources again (~0.15 s of a 0.4 s console start)
            "PYTHONDONTWRITEBYTECODE"}
    env = {k: v for k, v in os.environ.items() if k not in drop}
    env["PYTHONPATH"] = pythonpath or str(ROOT)
    env["PYTHONHASHSEED"] = "0"
    env.update(extra or {})
    return env


def run_worker(args: Sequence[str], *, env: Mapping[str, str] | None = None,
               cwd: str | os.PathLike[str] | None = None, timeout: float = 3600,
               stdin: str | None = None) -> dict[str, Any]:
    """Run `python ARGS`; return the JSON object it printed last, plus `_wall_s`.

    A worker that fails returns {"error": its last line of stderr}.
    """
    start = time.perf_counter()
    try:
        proc = subprocess.run([sys.executable, *args], input=stdin, capture_output=True,
                              text=True, env=dict(env or worker_env()), cwd=cwd,
                              timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    wall = time.perf_counter() - start
    lines = [ln for ln in proc.stdout.splitlines() if ln.startswith("{")]
    if proc.returncode != 0 or not lines:
        tail = (proc.stderr.strip().splitlines() or ["no output"])[-1]
        return {"error": f"exit {proc.returncode}: {tail[:300]}"}
    result = json.loads(lines[-1])
    result["_wall_s"] = wall
    return result


def progress(message: str) -> None:
    """Say on stderr what a long section is doing (the table comes only at the end)."""
    print(f"bench {time.strftime('%H:%M:%S')}: {message}", file=sys.stderr, flush=True)


def emit(result: Mapping[str, Any]) -> None:
    """Print a worker's result (its last line of output)."""
    print(json.dumps(result), flush=True)


# -- the table -------------------------------------------------------------------------------


def _value(fig: Figure) -> str:
    if fig.value is None:
        return "n/a"
    v = fig.value
    text = f"{v:,.0f}" if abs(v) >= 100 else f"{v:.3g}" if abs(v) < 1 else f"{v:.1f}"
    return f"{text} {fig.unit}".strip()


def _target(fig: Figure) -> str:
    t = fig.target
    return "" if t is None else f"{t.op} {t.bound:g} {fig.unit} {t.issue}".replace("  ", " ")


def format_table(info: Mapping[str, str], sections: Sequence[Section]) -> str:
    """The printed result: the machine, then each section's figures beside their targets."""
    out = [
        f"machine: {info['cpu']}, {info['cores']}, {info.get('memory', '')}, "
        f"Python {info['python']}; commit {info['commit']}",
        f"load average (1/5/15 min) at start: {info['load_average_start']}; "
        f"at end: {info.get('load_average_end', '?')}",
    ]
    width = max((len(f.key) for s in sections for f in s.figures), default=20)
    for section in sections:
        out.append("")
        out.append(f"== {section.title}")
        for note in section.notes:
            out.append(f"   {note}")
        for fig in section.figures:
            value = _value(fig)
            if fig.spread is not None:
                lo, _, hi = fig.spread
                value += f" [{lo:.3g}..{hi:.3g}]"
            line = (f"{fig.key:<{width}}  {value:>24}  {_target(fig):>22}  "
                    f"{fig.verdict():<18} {fig.includes}")
            if fig.note:
                line += f" ({fig.note})"
            out.append(line.rstrip())
    return "\n".join(out)


def as_json(info: Mapping[str, str], sections: Sequence[Section]) -> dict[str, Any]:
    return {"machine": dict(info),
            "sections": [{"title": s.title, "notes": s.notes,
                          "figures": [f.as_json() for f in s.figures]} for s in sections]}
