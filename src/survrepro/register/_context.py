"""What a quantity's evaluator works with: the study's data, method settings and cached fits.

Every quantity of :mod:`survrepro.register.quantities` is evaluated by a function
``evaluate(context, target) -> Computed``. The :class:`Context` gives it the register,
the patient data of the target's endpoint and a cache shared by the targets of one
register (one Kaplan–Meier, Cox or landmark fit serves an estimate and its limits);
the helpers below read a target's method settings (R's defaults when a setting is not
stated, marked as assumed) and fit the engine's models on the target's arms. An
evaluator that cannot compute its number raises :class:`NotAttempted` with the reason.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from survrepro.engine.cox import cox_ph
from survrepro.engine.km import kaplan_meier
from survrepro.engine.proportion import proportion_on_therapy

if TYPE_CHECKING:  # pragma: no cover
    import pandas as pd

    from survrepro.register.schema import Register, Target

__all__ = [
    "NO_DATA",
    "LANDMARK_NAME",
    "NotAttempted",
    "Computed",
    "Context",
    "setting",
    "conf_level",
    "scaled",
    "km",
    "cox",
    "stratification",
    "two_arms",
    "landmark",
    "is_landmark_endpoint",
    "landmark_proportion",
]

#: Reason given when the register names no patient-level data.
NO_DATA = "the register has no [analysis] table: no patient-level data to evaluate"
#: An endpoint counted at a landmark: ``<name>_<L><u>``, ``L`` in the register's time unit and
#: ``u`` its initial (``on_therapy_6m`` in months, ``os_1p5y`` in years, ``os_180d`` in days).
LANDMARK_NAME = re.compile(r"^(?P<base>[a-z][a-z0-9_]*?)_(?P<t>\d+(?:p\d+)?)(?P<u>[dwmy])$")


class NotAttempted(Exception):
    """The target cannot be computed from the data; the message is the reason."""


@dataclass
class Computed:
    """What an evaluator computed.

    Attributes
    ----------
    value : float, int, str or None
        The reproduced value on the printed scale; None when nothing could be computed.
    source : str
        Where the numbers came from.
    settings : list of (name, value, assumed)
    details : list of (name, value)
    miss_reason : str
        A reason to miss even when the value prints right, or why nothing was computed.
    """

    value: object
    source: str
    settings: list = field(default_factory=list)
    details: list = field(default_factory=list)
    miss_reason: str = ""


class Context:
    """The register, its patient data (``StudyData`` or None) and a cache of fits.

    ``evaluate`` evaluates another target of the register (a proportion whose numerator
    and denominator name count targets is computed from their evaluations).
    """

    def __init__(self, register: Register, data, evaluate):
        self.register = register
        self.data = data
        self.cache: dict = {}
        self._evaluate = evaluate

    def evaluate(self, target: Target):
        """The :class:`~survrepro.register.evaluate.Evaluation` of another target."""
        return self._evaluate(target, self)

    def endpoint(self, t: Target):
        """The patients of the target's endpoint (``EndpointData``)."""
        if self.data is None:
            raise NotAttempted(NO_DATA)
        ep = self.data.endpoints.get(t.endpoint)
        if ep is None:
            mapped = ", ".join(sorted(self.data.endpoints)) or "none"
            named = [f"{t.endpoint}_time", f"{t.endpoint}_event"]  # the columns survrepro synthesize writes
            hint = ""
            if self.data.ipd is not None and all(c in self.data.ipd.columns for c in named):
                hint = (f"; the data have columns {named[0]} and {named[1]}: to use them, add "
                        f"[analysis.endpoints.{t.endpoint}] with time = \"{named[0]}\" and event = \"{named[1]}\"")
            raise NotAttempted(
                f"endpoint {t.endpoint!r} has no columns in [analysis.endpoints] (mapped: {mapped}){hint}"
            )
        return ep

    def columns(self, t: Target):
        """The ``[analysis.endpoints]`` columns of the target's endpoint, or None."""
        return self.register.analysis.endpoint_map.get(t.endpoint)

    def subset(self, frame: pd.DataFrame, arms) -> pd.DataFrame:
        """The rows of ``frame`` in ``arms`` (every row when ``arms`` is empty)."""
        if not arms:
            return frame
        return frame[frame["arm"].isin(list(arms))]


# --------------------------------------------------------------------------- method settings
def setting(t: Target, key: str, default, allowed=None):
    """(value, assumed) of a method setting; the default when absent or 'not reported'."""
    s = t.settings
    if key in s and s[key] != "not reported":
        value = s[key]
        if allowed is not None and value not in allowed:
            raise NotAttempted(f"method {key} = {value!r} is not implemented (available: {', '.join(allowed)})")
        return value, bool(s.get("assumed", False))
    return default, True


def conf_level(t: Target):
    """(confidence level, assumed): 0.95 unless the target states one."""
    return setting(t, "confidence_level", 0.95)


def scaled(t: Target, fraction):
    """A fraction on the target's printed scale (a percentage for ``scale = "percent"``)."""
    return None if fraction is None else float(fraction) * t.scale_factor


# --------------------------------------------------------------------------- fits
def km(ctx: Context, t: Target, arms, conf_type="log", conf_level=0.95):
    """Kaplan–Meier fit of the target's endpoint on ``arms``, and the data source."""
    ep = ctx.endpoint(t)
    sub = ctx.subset(ep.frame, arms)
    if len(sub) == 0:
        raise NotAttempted(f"no patients of arm {', '.join(arms)} in the data")
    return kaplan_meier(sub["time"].to_numpy(), sub["event"].to_numpy(), conf_type=conf_type,
                        conf_level=conf_level), ep.source


def two_arms(ctx: Context, t: Target):
    """The endpoint's data and its patients of the target's two arms (each must have some)."""
    ep = ctx.endpoint(t)
    sub = ctx.subset(ep.frame, t.arms)
    present = set(sub["arm"])
    for arm in t.arms:
        if arm not in present:
            raise NotAttempted(f"no patients of arm {arm!r} in the data")
    return ep, sub


def stratification(ctx: Context, t: Target, sub):
    """(strata or None, the ``stratified`` setting) of a comparison."""
    val, assumed = setting(t, "stratified", False)
    if val is True:
        if "strata" not in sub.columns:
            raise NotAttempted("the register says the analysis was stratified but [analysis] names no strata_column")
        return sub["strata"].to_numpy(), ("stratified", True, assumed)
    return None, ("stratified", False, assumed)


def cox(ctx: Context, endpoint, arms, sub, strata, ties, cl):
    """Cox fit of the arms (the last is the reference of a two-arm comparison), cached.

    ``strata`` is the stratum of each patient of ``sub`` (None: unstratified).
    """
    key = ("cox", endpoint, tuple(arms), ties, cl, strata is not None)
    if key not in ctx.cache:
        ctx.cache[key] = cox_ph(sub["time"].to_numpy(), sub["event"].to_numpy(), sub["arm"].to_numpy(),
                                strata=strata, ties=ties, reference=arms[-1] if len(arms) == 2 else None,
                                conf_level=cl)
    return ctx.cache[key]


# --------------------------------------------------------------------------- landmark endpoints
def landmark(ctx: Context, t: Target) -> float:
    """The landmark time of the target's endpoint (its columns' ``landmark``, else its name)."""
    cols = ctx.columns(t)
    if cols is not None and cols.landmark is not None:
        return float(cols.landmark)
    m = LANDMARK_NAME.match(t.endpoint)
    if m:
        return float(m.group("t").replace("p", "."))
    raise NotAttempted(
        f"endpoint {t.endpoint!r} has no landmark: give landmark = ... in [analysis.endpoints.{t.endpoint}] "
        "or name it <name>_<L><u> (L in the register's time unit, u its initial: on_therapy_6m)"
    )


def is_landmark_endpoint(ctx: Context, t: Target) -> bool:
    """Whether the target's endpoint is counted at a landmark."""
    cols = ctx.columns(t) if ctx.register.analysis is not None else None
    return (cols is not None and cols.landmark is not None) or bool(LANDMARK_NAME.match(t.endpoint))


def landmark_proportion(ctx: Context, t: Target, arms, *, by_arm=False):
    """proportion_on_therapy on the target's landmark endpoint (cached), its source and settings."""
    ep = ctx.endpoint(t)
    cols = ctx.columns(t)
    lm = landmark(ctx, t)
    key = ("prop", t.endpoint, tuple(arms), by_arm)
    if key not in ctx.cache:
        sub = ctx.subset(ep.frame, arms)
        if len(sub) == 0:
            raise NotAttempted(f"no patients of arm {', '.join(arms)} in the data")
        evaluable = cols.evaluable if cols is not None else "followed"
        dif = cols.death_is_failure if cols is not None else True
        ctx.cache[key] = proportion_on_therapy(
            sub["time"].to_numpy(), sub["event"].to_numpy(), lm,
            death=sub["death"].to_numpy() if "death" in sub.columns else None,
            group=sub["arm"].to_numpy() if by_arm else None, by="arm" if by_arm else None,
            evaluable=evaluable, death_is_failure=dif,
        )
    res = ctx.cache[key]
    settings = [
        ("landmark", lm, False),
        ("evaluable", res.evaluable, "evaluable" not in t.settings),
        ("death_is_failure", res.death_is_failure, True),
    ]
    return res, ep.source, settings
