"""What the LeVee et al. 2025 exhibit scripts share: the cohort, its subtypes and its landmarks.

The patient data come from :func:`survrepro.register.evaluate.load_study_data`, the loader the
report uses, so the figures, the tables and the report are computed from the same
patients with the same source label. Which file that is, which columns hold each
endpoint and the landmark rule (who is evaluable, whether a death on therapy counts as a
failure) are read from the ``[analysis]`` table of ``data/published/levee2025.toml``.
``--ipd`` points the scripts at another file with the same columns.
"""
from __future__ import annotations

import argparse
import re
from dataclasses import dataclass, replace
from pathlib import Path

from survrepro import io, paths
from survrepro._validation import InputError
from survrepro.register.evaluate import StudyData, load_study_data, study_data_from_frame
from survrepro.report.plotting import SYNTHETIC_NOTE
from survrepro.engine.proportion import ProportionResult, proportion_on_therapy
from survrepro.register.schema import Register, Target, load_register

STUDY = "levee2025"
REGISTER = paths.PUBLISHED / f"{STUDY}.toml"
FIGURES = paths.study_figures(STUDY)
BUILD = paths.BUILD / STUDY
SECTIONS = BUILD / "sections"

#: A landmark endpoint of the register: ``on_therapy_<months>m``.
_LANDMARK = re.compile(r"^(?P<base>[a-z][a-z0-9_]*?)_(?P<t>\d+(?:p\d+)?)m$")
#: Kaplan-Meier confidence transform of the estimate shown beside each proportion (R's default).
KM_CONF_TYPE = "log"


def add_input_arguments(ap: argparse.ArgumentParser) -> None:
    """``--register`` and ``--ipd``, the inputs every script takes."""
    ap.add_argument("--register", type=Path, default=REGISTER,
                    help=f"published-target register with an [analysis] table (default {REGISTER})")
    ap.add_argument("--ipd", type=Path, default=None,
                    help="patient-level CSV to use instead of the file the register names (same columns)")


@dataclass(frozen=True)
class Landmark:
    """A landmark endpoint: its register name, time and column/rule settings."""

    endpoint: str
    time: float
    evaluable: str
    death_is_failure: bool


@dataclass(frozen=True)
class Cohort:
    """The study's register and patient data, with subtype labels in the register's order."""

    register: Register
    data: StudyData

    @property
    def source(self) -> str:
        """Where the patients come from (``"SYNTHETIC IPD (levee2025/...csv)"``)."""
        return self.data.source

    @property
    def synthetic(self) -> bool:
        return self.data.kind == "synthetic"

    @property
    def labels(self) -> dict:
        """Arm id -> display label (``"hr_pos_her2_neg"`` -> ``"HR+/HER2-"``), register order."""
        return {a.id: a.label for a in self.register.study.arms}

    @property
    def time_unit(self) -> str:
        return self.register.study.time_unit

    def footnotes(self, *extra: str) -> list[str]:
        """The synthetic-data note (when the data are synthetic), the data source, then ``extra``."""
        notes = [SYNTHETIC_NOTE] if self.synthetic else []
        return notes + [f"Data: {self.source}.", *extra]

    def endpoint(self, name: str):
        """Frame (``time``, ``event``, ``arm``[, ``death``]) of an endpoint mapped in ``[analysis]``."""
        ep = self.data.endpoints.get(name)
        if ep is None:
            have = ", ".join(sorted(self.data.endpoints)) or "none"
            raise InputError(
                f"{self.register.path}: [analysis.endpoints] has no {name!r}; expected it to name the "
                f"columns of that endpoint (mapped: {have})."
            )
        return ep.frame

    def landmarks(self) -> list[Landmark]:
        """The landmark endpoints that the register counts patients at, by increasing time."""
        names = sorted({t.endpoint for t in self.register.targets
                        if t.quantity == "count" and t.count_of in ("evaluable", "on_same_therapy")})
        cols = self.register.analysis.endpoint_map
        out = []
        for name in names:
            c = cols.get(name)
            m = _LANDMARK.match(name)
            if c is not None and c.landmark is not None:
                time = float(c.landmark)
            elif m:
                time = float(m.group("t").replace("p", "."))
            else:
                raise InputError(
                    f"{self.register.path}: endpoint {name!r} has no landmark; give landmark = ... in "
                    f"[analysis.endpoints.{name}] or name it <name>_<months>m."
                )
            out.append(Landmark(name, time, c.evaluable if c else "followed",
                                c.death_is_failure if c else True))
        if not out:
            raise InputError(f"{self.register.path}: no target counts patients at a landmark.")
        return sorted(out, key=lambda x: x.time)

    def proportion(self, lm: Landmark) -> ProportionResult:
        """Proportion remaining at ``lm`` overall and by subtype (labels as displayed)."""
        f = self.endpoint(lm.endpoint)
        return proportion_on_therapy(
            f["time"].to_numpy(), f["event"].to_numpy(), lm.time,
            death=f["death"].to_numpy() if "death" in f.columns else None,
            group=f["arm"].map(self.labels).to_numpy(), by="subtype",
            evaluable=lm.evaluable, death_is_failure=lm.death_is_failure,
            conf_type=KM_CONF_TYPE, where=self.source,
        )

    def target(self, **criteria) -> Target:
        """The single register target matching ``criteria`` (see :meth:`Register.select`)."""
        found = self.register.select(**criteria)
        if len(found) != 1:
            raise InputError(f"{self.register.path}: expected one target with {criteria}; found {len(found)}.")
        return found[0]


def rule_text(lm: Landmark) -> str:
    """The evaluability rule of a landmark in words (two short lines), for footnotes and sections."""
    who = ("therapy ended before the landmark, or followed on it up to the landmark"
           if lm.evaluable == "followed" else "every patient (status unknown counted as not remaining)")
    death = ("death before the landmark counts as not remaining" if lm.death_is_failure
             else "death on therapy before the landmark: not evaluable")
    return f"{who};\n{death}"


def load(args) -> Cohort:
    """The register named by ``args.register`` and its patients (``args.ipd`` when given)."""
    register = load_register(args.register)
    if args.ipd is None:
        data = load_study_data(register)
    else:
        data = study_data_from_frame(register, io.read_csv(args.ipd, what="patient-level data file"),
                                     where=str(args.ipd))
        # the source label names the file actually read
        data = replace(data, source=data.source.replace(register.analysis.ipd, str(args.ipd)))
    return Cohort(register, data)


def ordered_groups(res: ProportionResult, cohort: Cohort) -> list:
    """The per-subtype estimates of ``res`` in the register's order of the subtypes present."""
    present = {g.label for g in res.groups}
    return [res.group(lab) for lab in cohort.labels.values() if lab in present]
