"""Records the expected `cfc score` outputs. Run once, with the code whose output is the reference:
    python tests/data/score_golden/record.py"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from tests.golden import GOLDEN, TEXT_CHUNK, digest_lines, property_files  # noqa: E402


def cfc(cwd: Path, *args: str) -> str:
    out = subprocess.run([sys.executable, "-m", "engine", *args], cwd=cwd, capture_output=True, text=True)
    return out.stdout


def main() -> None:
    examples = sorted(str(p.relative_to(ROOT)) for p in (ROOT / "examples").glob("*.yaml"))
    (GOLDEN / "examples.json.txt").write_text(cfc(ROOT, "score", "--json", *examples), encoding="utf-8")
    (GOLDEN / "examples.text.txt").write_text(cfc(ROOT, "score", *examples), encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        names = property_files(Path(tmp))
        for fmt, args in (("json", ["--json"]), ("text", [])):
            out = cfc(Path(tmp), "score", *args, *names)
            per = 1 if fmt == "json" else TEXT_CHUNK
            (GOLDEN / f"property.{fmt}.sha256").write_text("\n".join(digest_lines(out, per)) + "\n")
            # The first results in full, to show what differs when a digest does not match.
            head = "\n".join(out.split("\n")[: 4 if fmt == "json" else 400])
            (GOLDEN / f"property-head.{fmt}.txt").write_text(head, encoding="utf-8")


if __name__ == "__main__":
    main()
