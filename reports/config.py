"""Report configuration: names of bodies, signers and places (YAML), never code.

Resolution order: an explicit path, then the env var CFC_REPORT_CONFIG, then the demo file
reports/config/ia-hdrai-2022.yaml.

Per period and unit (`config_for`): every file of the configuration folder (reports/config/, or the folder
CFC_REPORT_CONFIG names) may say which reviewing units and years it serves (`applies_to`); the file of the
nearest unit above the commune, for that year, is chosen. Since 01/07/2025 there are no districts: a province
reviews, and its file names its bodies. The bodies after the reform could not be confirmed from any text, so
the shipped 2026 file is marked `demo: true`.
"""

from __future__ import annotations

import os
from pathlib import Path

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

ENV_VAR = "CFC_REPORT_CONFIG"
DEFAULT_CONFIG = Path(__file__).parent / "config" / "ia-hdrai-2022.yaml"


class ConfigError(ValueError):
    """The report configuration file is missing or invalid (message in Vietnamese)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class Signer(_Model):
    authority: str = ""          # "TM. ỦY BAN NHÂN DÂN", "KT. TRƯỞNG PHÒNG", or empty
    title: str                   # "TRƯỞNG PHÒNG", "CHỦ TỊCH"
    name: str


class ReviewingBody(_Model):
    parent: str = ""
    name: str
    full_name: str
    abbrev: str
    place: str
    signer: Signer


class RecognisingAuthority(_Model):
    addressee: str
    body: str


class Member(_Model):
    name: str
    title: str
    role: str = "Thành viên"


class ReviewTeam(_Model):
    name: str = "Tổ thẩm định"
    members: list[Member] = Field(default_factory=list)


class CommuneConfig(_Model):
    place: str | None = None
    chairman: str | None = None


class Recipients(_Model):
    proposal: list[str] = Field(default_factory=lambda: ["Như trên;", "Lưu: VT."])
    summary: list[str] = Field(default_factory=lambda: ["Lưu: VT."])
    self_assessment: list[str] = Field(default_factory=lambda: ["Lưu: VT."])


class AppliesTo(_Model):
    units: list[str] = Field(default_factory=list)   # codes of the reviewing units (tỉnh, huyện)
    from_period: int | None = None
    to_period: int | None = None

    def serves(self, code: str, period: int) -> bool:
        return (code in self.units and (self.from_period is None or self.from_period <= period)
                and (self.to_period is None or period <= self.to_period))


class ReportConfig(_Model):
    demo: bool = False
    applies_to: AppliesTo | None = None
    reviewing_body: ReviewingBody
    recognising_authority: RecognisingAuthority
    guidance: list[str] = Field(default_factory=list)
    legal_basis_omit: list[str] = Field(default_factory=list)  # refs of the criteria set not cited here
    review_team: ReviewTeam = Field(default_factory=ReviewTeam)
    communes: dict[str, CommuneConfig] = Field(default_factory=dict)
    recipients: Recipients = Field(default_factory=Recipients)
    source: str = ""             # the file it was loaded from (set by load_config)

    def commune(self, code: str | None) -> CommuneConfig:
        return self.communes.get(str(code or ""), self.communes.get("default", CommuneConfig()))


def config_path(path: str | os.PathLike | None = None) -> Path:
    if path:
        return Path(path)
    env = os.environ.get(ENV_VAR, "").strip()
    return Path(env) if env else DEFAULT_CONFIG


def load_config(path: str | os.PathLike | None = None) -> ReportConfig:
    """Load and validate the report configuration (see module docstring for the resolution order)."""
    p = config_path(path)
    try:
        data = yaml.safe_load(p.read_text(encoding="utf-8")) or {}
    except FileNotFoundError as exc:
        raise ConfigError(f"Không tìm thấy tệp cấu hình văn bản: {p}") from exc
    except yaml.YAMLError as exc:
        raise ConfigError(f"Tệp cấu hình văn bản {p} không đúng định dạng YAML: {exc}") from exc
    if not isinstance(data, dict):
        raise ConfigError(f"Tệp cấu hình văn bản {p} phải là một bảng (mapping) YAML.")
    data = {k: v for k, v in data.items() if k != "source"}
    # YAML keys like 23538 may load as ints.
    if isinstance(data.get("communes"), dict):
        data["communes"] = {str(k): (v or {}) for k, v in data["communes"].items()}
    try:
        cfg = ReportConfig.model_validate(data)
    except ValidationError as exc:
        fields = "; ".join(".".join(str(x) for x in e["loc"]) + ": " + e["msg"] for e in exc.errors())
        raise ConfigError(f"Tệp cấu hình văn bản {p} không hợp lệ — {fields}") from exc
    cfg.source = str(p)
    return cfg


CONFIG_DIR = Path(__file__).parent / "config"


def config_for(unit_codes: list[str], period: int,
               directory: str | os.PathLike | None = None) -> ReportConfig:
    """The configuration for a commune's records in `period`: `unit_codes` are the commune's units on the
    period's date, nearest first (commune, district, province). CFC_REPORT_CONFIG naming a file wins (one
    configuration for everything); naming a folder, that folder is searched instead of reports/config/.
    Without a matching file, the default configuration."""
    env = os.environ.get(ENV_VAR, "").strip()
    if directory is None and env and not Path(env).is_dir():
        return load_config(env)
    folder = Path(directory or env or CONFIG_DIR)
    configs = [load_config(p) for p in sorted(folder.glob("*.yaml"))]
    for code in unit_codes:
        for cfg in configs:
            if cfg.applies_to is not None and cfg.applies_to.serves(str(code), period):
                return cfg
    if directory is None and not env:
        return load_config(DEFAULT_CONFIG)  # the demo folder: the 2022 demo file as before
    raise ConfigError(f"Chưa có tệp cấu hình văn bản cho đơn vị {', '.join(map(str, unit_codes))} "
                      f"năm {period} trong {folder} (khóa applies_to).")
