"""How often the verifier agrees with the labels of the verifier set, per split and kind.

    .venv/bin/python scripts/measure_verifier.py            # MiniLM; --embedder e5 for the multilingual one

The thresholds in assistant/verify.py were chosen on the "dev" split; the "test" split is what docs report.
"""

from __future__ import annotations

import argparse
import json
from collections import Counter
from pathlib import Path


def measure(embedder: str = "minilm", path: Path | None = None) -> dict[str, dict[str, float]]:
    """The figures over ``path`` (default: the set scripts/build_verifier_set.py builds, built now if missing)."""
    from assistant.embeddings import get_embedder
    from assistant.verify import Verifier
    from scripts.build_verifier_set import OUT, main

    path = path or (OUT if OUT.exists() else main())

    pairs = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    verdicts = Verifier(get_embedder(embedder)).check_many([(p["sentence"], p["passage"]) for p in pairs])
    out: dict[str, dict[str, float]] = {}
    for split in ("dev", "test"):
        right, total = Counter(), Counter()
        for p, v in zip(pairs, verdicts):
            if p["split"] == split:
                ok = v.supported == (p["label"] == "supported")
                for key in (p["label"], p["kind"]):
                    total[key] += 1
                    right[key] += ok
        out[split] = {f"{k} ({total[k]})": round(right[k] / total[k], 4) for k in sorted(total)}
        out[split]["supported_passed"] = round(right["supported"] / max(1, total["supported"]), 4)
        out[split]["unsupported_rejected"] = round(right["unsupported"] / max(1, total["unsupported"]), 4)
    return out


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--embedder", default="minilm", choices=("minilm", "e5"))
    print(json.dumps(measure(parser.parse_args().embedder), indent=1))
