"""Note screening benchmark: precision and recall per kind on the labelled corpus, Waypoint beside a peer.

    .venv/bin/python -m bench.bench_screening                 # Waypoint alone
    .venv/bin/python -m bench.bench_screening --peer          # and Presidio, from .venv-peer (made if missing)

The corpus is tests/data/screening-corpus.jsonl: made-up advocate notes, each identifying span labelled with
its kind, split into the part the screening was tuned on ("tune") and a held-out part ("held"). A labelled
span is caught when a finding of the same kind overlaps it; a finding is right when it overlaps a labelled span
of its kind. Targets: recall of names >= 95%, of every other kind >= 98%; at most 2% of the notes with no
identifier get any finding; a 4,000-character note screened in under 20 ms.

The peer is Microsoft Presidio's analyzer (pattern recognizers and spaCy's small English model for PERSON and
LOCATION), installed into its own venv from bench/requirements-peer.txt, never into the app's or the tests'.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from bench.common import machine, median, p, timings
from models.base.settings import Settings
from models.content.loader import load_content
from models.rules.screening import KINDS, screen_note
from models.services.checkins import screening_allowances

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "screening-corpus.jsonl"
PEER_VENV = ROOT / ".venv-peer"
PEER_REQUIREMENTS = ROOT / "bench" / "requirements-peer.txt"
TODAY = "2026-11-24"  # the corpus's dates are written as of this day (birth-date rule)
LONG_NOTE_CHARS = 4000


@dataclass(frozen=True)
class Span:
    start: int
    end: int
    kind: str


@dataclass
class Score:
    """Counts for one kind: labelled spans caught / labelled, findings right / found."""

    labelled: int = 0
    caught: int = 0
    found: int = 0
    right: int = 0
    missed: list[str] = field(default_factory=list)
    wrong: list[str] = field(default_factory=list)

    @property
    def recall(self) -> float | None:
        return self.caught / self.labelled if self.labelled else None

    @property
    def precision(self) -> float | None:
        return self.right / self.found if self.found else None


@dataclass
class Result:
    scores: dict[str, Score]
    clean_notes: int
    clean_flagged: int
    flagged_ids: list[str]

    @property
    def false_alarm_rate(self) -> float:
        return self.clean_flagged / self.clean_notes if self.clean_notes else 0.0


def load_corpus(path: Path = CORPUS) -> list[dict]:  # type: ignore[type-arg]
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _overlaps(a: Span, b: Span) -> bool:
    return a.start < b.end and b.start < a.end


def evaluate(notes: Iterable[dict], found: Callable[[dict], list[Span]],  # type: ignore[type-arg]
             kinds: Iterable[str] = KINDS) -> Result:
    scores = {k: Score() for k in kinds}
    clean = flagged = 0
    flagged_ids: list[str] = []
    for note in notes:
        labelled = [Span(s["start"], s["end"], s["kind"]) for s in note["spans"]]
        findings = found(note)
        if not labelled:
            clean += 1
            if findings:
                flagged += 1
                flagged_ids.append(note["id"])
        for span in labelled:
            score = scores[span.kind]
            score.labelled += 1
            if any(f.kind == span.kind and _overlaps(f, span) for f in findings):
                score.caught += 1
            else:
                score.missed.append(f"{note['id']}: {note['text'][span.start:span.end]!r}")
        for f in findings:
            if f.kind not in scores:
                continue
            score = scores[f.kind]
            score.found += 1
            if any(s.kind == f.kind and _overlaps(f, s) for s in labelled):
                score.right += 1
            else:
                score.wrong.append(f"{note['id']}: {note['text'][f.start:f.end]!r}")
    return Result(scores, clean, flagged, flagged_ids)


def waypoint_screen(content=None):  # type: ignore[no-untyped-def]
    """The screening as the check-in service runs it, with the resource packs' numbers and names allowed."""
    from datetime import date

    content = content or load_content(Settings().content_dir, ("us-national",))
    allowances = screening_allowances(content)
    today = date.fromisoformat(TODAY)

    def run(note: dict) -> list[Span]:  # type: ignore[type-arg]
        return [Span(f.start, f.end, f.kind) for f in screen_note(note["text"], today=today, **allowances)]

    return run


def long_note(notes: list[dict]) -> str:  # type: ignore[type-arg]
    """A 4,000-character note made of corpus notes, the longest a check-in may hold."""
    text = ""
    for note in notes:
        if len(text) + len(note["text"]) + 1 > LONG_NOTE_CHARS:
            break
        text += note["text"] + "\n"
    return (text + "Slept 6 hrs. " * 400)[:LONG_NOTE_CHARS]


def cpu_timings(fn: Callable[[], object], runs: int) -> list[float]:
    """CPU time of each run in ms: on a shared machine, wall time also counts the time spent waiting for a core."""
    out = []
    for _ in range(runs):
        start = time.thread_time()
        fn()
        out.append((time.thread_time() - start) * 1000)
    return out


def _pct(value: float | None) -> str:
    return "   -  " if value is None else f"{value * 100:5.1f}%"


def table(results: dict[str, dict[str, Result]]) -> str:
    """One row per kind and split: labelled count, then precision and recall for each system."""
    systems = list(results)
    head = "| kind | split | spans | " + " | ".join(f"{s} P | {s} R" for s in systems) + " |"
    rule = "|" + "---|" * (3 + 2 * len(systems))
    lines = [head, rule]
    for split in ("all", "tune", "held"):
        for kind in KINDS:
            first = results[systems[0]][split].scores[kind]
            cells = []
            for s in systems:
                score = results[s][split].scores[kind]
                cells += [_pct(score.precision), _pct(score.recall)]
            lines.append(f"| {kind} | {split} | {first.labelled} | " + " | ".join(cells) + " |")
        cells = []
        for s in systems:
            r = results[s][split]
            cells += ["", f"{r.clean_flagged}/{r.clean_notes} ({r.false_alarm_rate * 100:.1f}%)"]
        lines.append(f"| notes with no identifier that got a finding | {split} | "
                     f"{results[systems[0]][split].clean_notes} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def _peer(notes: list[dict], text: str) -> tuple[str, dict[str, list[Span]], list[float], list[float]]:  # type: ignore[type-arg]
    python = PEER_VENV / "bin" / "python"
    if not python.exists():
        print(f"making the peer's venv in {PEER_VENV} from {PEER_REQUIREMENTS.name} ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
                        "--require-hashes", "-r", str(PEER_REQUIREMENTS)], check=True)
    with tempfile.TemporaryDirectory() as tmp:
        corpus = Path(tmp) / "corpus.jsonl"
        corpus.write_text("".join(json.dumps(n) + "\n" for n in notes), encoding="utf-8")
        note = Path(tmp) / "long.txt"
        note.write_text(text, encoding="utf-8")
        out = subprocess.run([str(python), str(ROOT / "bench" / "peer_presidio.py"), str(corpus), str(note)],
                             check=True, capture_output=True, text=True).stdout
    data = json.loads(out)
    found = {nid: [Span(f["start"], f["end"], f["kind"]) for f in fs] for nid, fs in data["findings"].items()}
    return data["setup"], found, data["timings_ms"], data["cpu_ms"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--peer", action="store_true", help="also run Presidio (its own venv, .venv-peer)")
    parser.add_argument("--runs", type=int, default=200, help="timed runs of the 4,000-character note")
    parser.add_argument("--show", choices=("missed", "wrong", "flagged"), action="append", default=[],
                        help="list missed spans, wrong findings or flagged clean notes (tune split only)")
    args = parser.parse_args()

    notes = load_corpus()
    splits = {"all": notes, "tune": [n for n in notes if n["split"] == "tune"],
              "held": [n for n in notes if n["split"] == "held"]}
    screen = waypoint_screen()
    results = {"Waypoint": {name: evaluate(part, screen) for name, part in splits.items()}}
    text = long_note(notes)
    ours = timings(lambda: screen({"text": text}), args.runs, warmup=5)
    ours_cpu = cpu_timings(lambda: screen({"text": text}), args.runs)
    lines = [f"Machine: {machine()}", f"Corpus: {len(notes)} notes ({len(splits['tune'])} tune, "
             f"{len(splits['held'])} held out), {sum(1 for n in notes if not n['spans'])} with no identifier",
             f"Waypoint: 4,000-character note screened in {median(ours):.1f} ms median, {p(ours, 0.95):.1f} ms p95 "
             f"(CPU time {median(ours_cpu):.1f} ms median, {p(ours_cpu, 0.95):.1f} ms p95)"]
    if args.peer:
        setup, found, peer_ms, peer_cpu = _peer(notes, text)
        results["Presidio"] = {name: evaluate(part, lambda n: found[n["id"]]) for name, part in splits.items()}
        lines.append(f"Presidio ({setup}): {median(peer_ms):.1f} ms median, {p(peer_ms, 0.95):.1f} ms p95 "
                     f"(CPU time {median(peer_cpu):.1f} ms median, {p(peer_cpu, 0.95):.1f} ms p95)")
        no_dates = {name: evaluate(part, lambda n: [f for f in found[n["id"]] if f.kind != "date_of_birth"])
                    for name, part in splits.items()}
        lines.append("Presidio without DATE_TIME: notes with no identifier that got a finding: " + ", ".join(
            f"{name} {r.clean_flagged}/{r.clean_notes}" for name, r in no_dates.items()))
    print("\n".join(lines))
    print()
    print(table(results))
    tune = results["Waypoint"]["tune"]
    for what in args.show:
        print(f"\n{what} (Waypoint, tune):")
        if what == "flagged":
            by_id = {n["id"]: n for n in splits["tune"]}
            for nid in tune.flagged_ids:
                shown = [(f.kind, by_id[nid]["text"][f.start:f.end]) for f in screen(by_id[nid])]
                print(f"  {nid}: {shown}  <- {by_id[nid]['text'][:90]!r}")
            continue
        for kind, score in tune.scores.items():
            for item in getattr(score, what):
                print(f"  {kind}: {item}")


if __name__ == "__main__":
    main()
