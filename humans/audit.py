"""Audit a folder of MakeHuman files: what each human *is* versus what its file name claims.

The paper's files show why this matters: ``man3_mix`` is 100 % Caucasian, ``women1_Mix`` wears
an old Caucasian *male* skin, ``Women1_Afr`` is mostly Asian by weight. A dataset balanced by
file names would be silently unbalanced; this table makes such contradictions visible before
any clip is rendered. The file contents are what hrisim uses; flags are for a person to judge.
"""
from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Sequence

from humans.mhm import ETHNICITY_GROUP, content_group, import_mhm, mhm_files
from humans.spec import HumanSpecError, skin_material_traits

GROUP_ETHNICITY = {group: ethnicity for ethnicity, group in ETHNICITY_GROUP.items()}
_TIE = 0.02  # weights closer than this count as equal


@dataclass(frozen=True)
class AuditRow:
    """One file's facts and the contradictions found in it."""

    file: str
    filename_label: str | None
    filename_sex: str | None
    gender: float
    age_years: float
    african: float
    asian: float
    caucasian: float
    skin_material: str | None
    hair: str | None
    content_group: str
    skin_tone: int
    flags: tuple[str, ...]

    @property
    def sex(self) -> str:
        return "male" if self.gender >= 0.5 else "female"

    @property
    def flagged(self) -> bool:
        return bool(self.flags)


def filename_sex(path: str | os.PathLike) -> str | None:
    """Sex a file name claims: ``man3_mix`` -> male, ``Women1_Afr`` / ``woman2_mix`` -> female."""
    stem = Path(path).stem.lower()
    if re.match(r"(wom[ae]n|female|girl)", stem):
        return "female"
    if re.match(r"(m[ae]n|male|boy)(?![a-z])|m[ae]n\d", stem):
        return "male"
    return None


def _weights_text(weights: dict[str, float]) -> str:
    return ", ".join(f"{name} {value:.2f}" for name, value in
                     sorted(weights.items(), key=lambda kv: kv[1], reverse=True) if value > 0)


def find_flags(label: str | None, claimed_sex: str | None, gender: float,
               weights: dict[str, float], skin_material: str | None, group: str) -> tuple[str, ...]:
    """Contradictions between a file's name, its macros and its skin, as readable sentences."""
    flags = []
    top_weight = max(weights.values())
    leaders = [name for name, value in weights.items() if top_weight - value < _TIE]
    sex = "male" if gender >= 0.5 else "female"
    if label in GROUP_ETHNICITY:
        wanted = GROUP_ETHNICITY[label]
        if wanted not in leaders or len(leaders) > 1:
            flags.append(f"name says {label} but {wanted} is not the dominant ethnicity "
                         f"({_weights_text(weights)})")
    elif label == "Mixed" and group != "Mixed":
        flags.append(f"name says Mixed but the content is {group} ({_weights_text(weights)})")
    if claimed_sex is not None and claimed_sex != sex:
        flags.append(f"name says {claimed_sex} but Gender is {gender:.2f} ({sex})")
    traits = skin_material_traits(skin_material)
    if traits is not None:
        skin_age, skin_ethnicity, skin_sex = traits
        skin_name = Path(skin_material).stem
        if skin_sex != sex:
            flags.append(f"{sex} body (Gender {gender:.2f}) wears a {skin_sex} skin ({skin_name})")
        if skin_ethnicity not in leaders:
            flags.append(f"{skin_ethnicity} skin ({skin_name}) but {skin_ethnicity} weight is "
                         f"{weights[skin_ethnicity]:.2f} ({_weights_text(weights)})")
    return tuple(flags)


def audit_mhm_file(path: str | os.PathLike) -> AuditRow:
    imported = import_mhm(path)
    spec = imported.spec
    group = content_group(spec)
    claimed_sex = filename_sex(path)
    return AuditRow(
        file=Path(path).name,
        filename_label=imported.filename_label,
        filename_sex=claimed_sex,
        gender=spec.gender,
        age_years=spec.age_years,
        african=spec.african,
        asian=spec.asian,
        caucasian=spec.caucasian,
        skin_material=spec.skin_material,
        hair=spec.hair,
        content_group=group,
        skin_tone=spec.effective_skin_tone,
        flags=find_flags(imported.filename_label, claimed_sex, spec.gender, spec.ethnicity,
                         spec.skin_material, group),
    )


def audit_mhm_folder(directory: str | os.PathLike) -> list[AuditRow]:
    """One row per ``.mhm`` file in ``directory``, sorted by file name (case-insensitive)."""
    return [audit_mhm_file(path) for path in mhm_files(directory)]


def format_audit_table(rows: Sequence[AuditRow]) -> str:
    """Plain-text table, one line per file; flags in the last column, ``-`` when clean."""
    header = ("file", "label", "gender", "age", "afr/asi/cau", "skin", "hair", "content",
              "MST", "flags")
    body = []
    for row in rows:
        skin = Path(row.skin_material).stem if row.skin_material else "-"
        body.append((
            row.file,
            row.filename_label or "-",
            f"{row.sex[0].upper()} {row.gender:.2f}",
            f"{row.age_years:.1f}",
            f"{row.african:.2f}/{row.asian:.2f}/{row.caucasian:.2f}",
            skin,
            row.hair or "-",
            row.content_group,
            str(row.skin_tone),
            "; ".join(row.flags) or "-",
        ))
    widths = [max(len(line[i]) for line in [header, *body]) for i in range(len(header) - 1)]
    lines = []
    for line in [header, *body]:
        cells = [cell.ljust(width) for cell, width in zip(line, widths)]
        lines.append("  ".join(cells + [line[-1]]).rstrip())
    lines.insert(1, "  ".join("-" * w for w in widths) + "  -----")
    return "\n".join(lines)


def run_audit(directory: str | os.PathLike, stream: IO[str] | None = None) -> int:
    """Print the audit table and ``"N files, K flagged"``.

    Exit status: 0 = no contradiction, 1 = some file flagged, 2 = the folder or a file could
    not be read (the reason is printed).
    """
    stream = stream or sys.stdout
    try:
        rows = audit_mhm_folder(directory)
    except (HumanSpecError, FileNotFoundError) as err:
        print(f"error: {err}", file=stream)
        return 2
    print(format_audit_table(rows), file=stream)
    flagged = sum(row.flagged for row in rows)
    print(f"{len(rows)} files, {flagged} flagged", file=stream)
    return 1 if flagged else 0
