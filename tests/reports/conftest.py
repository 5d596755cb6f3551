"""Fixtures for the PDF tests: the real engine and criteria set, the example assessments, rendered PDFs."""

from __future__ import annotations

import copy
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import yaml
from pypdf import PdfReader

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"
DATA = Path(__file__).parent / "data"
OUT = ROOT / "test-output" / "reports"
OUT.mkdir(parents=True, exist_ok=True)  # a fresh clone has no test-output/: every test here may write first


def norm(text: str) -> str:
    """NFC, every run of whitespace (incl. no-break spaces and line breaks) as one space."""
    return " ".join(unicodedata.normalize("NFC", text).split())


def pdf_pages(pdf: bytes, name: str) -> list[str]:
    """Write the PDF to test-output/reports/NAME.pdf and return the normalised text of each page."""
    OUT.mkdir(parents=True, exist_ok=True)
    path = OUT / f"{name}.pdf"
    path.write_bytes(pdf)
    reader = PdfReader(str(path))
    return [norm(page.extract_text() or "") for page in reader.pages]


def pdf_page_lines(path: Path) -> list[list[str]]:
    reader = PdfReader(str(path))
    return [[norm(line) for line in (p.extract_text() or "").splitlines()] for p in reader.pages]


def pdffonts(path: Path) -> list[dict]:
    """Rows of `pdffonts` (poppler-utils): name, type, embedded."""
    out = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    rows = []
    for line in out.splitlines()[2:]:
        parts = line.split()
        if not parts:
            continue
        # name type... encoding emb sub uni object ID: emb is the 5th field from the end
        rows.append({"name": parts[0], "emb": parts[-5], "line": line})
    return rows


def require_tool(name: str) -> None:
    if shutil.which(name) is None:
        pytest.fail(f"{name} (poppler-utils) is required: run `make system-deps`")


@pytest.fixture(scope="session")
def cs(criteria_set):
    """The criteria set the engine scores with (tests/conftest.py), named as the reports call it."""
    return criteria_set


def load_example(name: str) -> dict:
    return yaml.safe_load((EXAMPLES / name).read_text(encoding="utf-8"))


@pytest.fixture(scope="session")
def toi_doc() -> dict:
    return load_example("ia-toi-2022.yaml")


@pytest.fixture(scope="session")
def review() -> dict:
    return yaml.safe_load((DATA / "review-ia-toi-2022.yaml").read_text(encoding="utf-8"))


def apply_review(doc: dict, review: dict) -> dict:
    verified = copy.deepcopy(doc)
    for c in review.get("corrections", []):
        verified["values"][c["field"]] = c["value"]
    return verified


@pytest.fixture(scope="session")
def toi_results(engine, toi_doc, review):
    return engine.score(toi_doc), engine.score(apply_review(toi_doc, review))


@pytest.fixture(scope="session")
def proposal_file(tmp_path_factory, review) -> Path:
    """examples/ia-toi-2022.yaml with the team's review appended: the CLI's proposal file."""
    path = tmp_path_factory.mktemp("proposal") / "ia-toi-2022-proposal.yaml"
    text = (EXAMPLES / "ia-toi-2022.yaml").read_text(encoding="utf-8")
    text += "\n" + yaml.safe_dump({"review": review}, allow_unicode=True, sort_keys=False)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="session")
def proposal_pdf(cs, toi_doc, review, toi_results) -> bytes:
    import reports

    rs, rv = toi_results
    corrections = [{"field": c["field"], "verified_value": c["value"], "reason": c["reason"],
                    "evidence": c["evidence"]} for c in review["corrections"]]
    return reports.render_proposal(rs, rv, corrections, None, criteria_set=cs, assessment=toi_doc,
                                   review_date=review["date"], document_date=review["document_date"])


@pytest.fixture(scope="session")
def proposal_pages(proposal_pdf) -> list[str]:
    return pdf_pages(proposal_pdf, "proposal-ia-toi")
