"""Fidelity of a reconstruction and the result types :class:`ArmReconstruction`, :class:`Reconstruction`.

The fidelity of each arm is measured, as Guyot et al. (2012) recommend: the Kaplan–Meier
curve of the reconstructed patients against the cleaned digitized points (RMSE, mean and
largest absolute error at the clicks, and the largest vertical distance between the two
step curves, a Kolmogorov–Smirnov-type distance), the reconstructed numbers at risk and
events against the published ones, the median of the digitized curve against that of the
reconstruction, and the survival at the table times. Between arms, the hazard ratio of
each arm against the first (Cox, Efron ties, Wald limits) and the log-rank test of the
reconstruction. The cleaning actions and the assumptions of the method travel with them.

The digitized step curve keeps the level of a cleaned click until the next drop, a drop
dated as the methods date it (the mean time of its two corners when they lie within the
time noise of each other, else the later click); its median is the time of its first
drop to 0.5 or less (:func:`~survrepro.sources.reconstruct.median.digitized_median`).

References
----------
Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of survival
data: reconstructing the data from published Kaplan-Meier survival curves.
BMC Medical Research Methodology 2012;12:9. doi:10.1186/1471-2288-12-9.
Kaplan EL, Meier P. Nonparametric estimation from incomplete observations.
Journal of the American Statistical Association 1958;53:457-481.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from survrepro._validation import InputError
from survrepro.engine.cox import hazard_ratio
from survrepro.engine.logrank import logrank_test
from survrepro.sources.reconstruct.clean import TIME_TOLERANCE, CleanCurve
from survrepro.sources.reconstruct.median import digitized_median, km_steps, reconstructed_median, steps_at
from survrepro.sources.reconstruct.table import drop_times

__all__ = ["ArmReconstruction", "Reconstruction", "compare_arms"]


@dataclass(frozen=True, eq=False, repr=False)
class ArmReconstruction:
    """Reconstructed patients of one arm, with the fidelity of the reconstruction.

    Attributes
    ----------
    label : str or None
        Arm name.
    time, event : ndarray
        One entry per patient (event 1, censored 0), sorted by time.
    curve : CleanCurve
        The cleaned digitized curve used.
    at_risk_time, at_risk_published, at_risk_reconstructed : ndarray
        The risk table and the reconstructed numbers at risk at its times.
    events_published : int or None
        Total events given as input.
    rmse, mean_abs_error, max_abs_error : float
        Reconstructed Kaplan–Meier curve against the cleaned digitized points.
    method : str
    notes : tuple of str
        Assumptions made and constraints that could not be met.
    at_risk_given : bool
        A risk table was given (else only the number of patients constrains the arm).
    ks_distance : float
        Largest vertical distance between the digitized and the reconstructed step curves.
    median_digitized, median_reconstructed : float or None
        Median of the digitized step curve and of the reconstruction (``None``: not reached).
    median_tolerance : float
        Largest difference of the two medians taken as agreement (the time resolution).
    survival_table_digitized, survival_table_reconstructed : ndarray
        The two curves at the table times.
    """

    label: str | None
    time: np.ndarray
    event: np.ndarray
    curve: CleanCurve
    at_risk_time: np.ndarray
    at_risk_published: np.ndarray
    at_risk_reconstructed: np.ndarray
    events_published: int | None
    rmse: float
    mean_abs_error: float
    max_abs_error: float
    method: str = "exact"
    notes: tuple = ()
    at_risk_given: bool = True
    ks_distance: float = float("nan")
    median_digitized: float | None = None
    median_reconstructed: float | None = None
    median_tolerance: float = 0.0
    survival_table_digitized: np.ndarray = field(default_factory=lambda: np.empty(0))
    survival_table_reconstructed: np.ndarray = field(default_factory=lambda: np.empty(0))

    @property
    def n(self) -> int:
        """Number of reconstructed patients."""
        return int(self.time.size)

    @property
    def events(self) -> int:
        """Number of reconstructed events."""
        return int(self.event.sum())

    def to_frame(self) -> pd.DataFrame:
        """The reconstructed patients: ``time``, ``event`` (and ``arm`` when labelled)."""
        df = pd.DataFrame({"time": self.time, "event": self.event})
        if self.label is not None:
            df["arm"] = self.label
        return df

    def at_risk_frame(self) -> pd.DataFrame:
        """Published against reconstructed numbers at risk."""
        return pd.DataFrame(
            {
                "time": self.at_risk_time,
                "published": self.at_risk_published,
                "reconstructed": self.at_risk_reconstructed,
            }
        )

    def fidelity(self) -> dict:
        """Fidelity measures as a JSON-ready dictionary.

        Returns
        -------
        dict
            The arm, method, patients and events (reconstructed and published), points
            digitized and kept, the RMSE, mean and maximum absolute error of the
            reconstructed Kaplan-Meier curve at the cleaned points, the largest vertical
            distance between the digitized and reconstructed step curves
            (``ks_distance``), the estimated digitizing resolution, the medians
            (digitized, reconstructed, their difference and the tolerance), the numbers
            at risk (published and reconstructed, with their largest difference; ``None``
            without a risk table), the survival of both curves at the table times, the
            reason for every ``None`` (``not_computed``), the cleaning actions and notes.

        References
        ----------
        .. [1] Guyot P, Ades AE, Ouwens MJNM, Welton NJ. Enhanced secondary analysis of
           survival data: reconstructing the data from published Kaplan-Meier survival
           curves. BMC Med Res Methodol 2012;12:9.

        Examples
        --------
        >>> from survrepro.sources.reconstruct import reconstruct_arm
        >>> arm = reconstruct_arm([0, 2, 2, 5, 5, 8], [1, 1, 0.9, 0.9, 0.7, 0.7], [0, 4], [10, 9])
        >>> fit = arm.fidelity()
        >>> fit["n_patients"], fit["events_reconstructed"], fit["max_abs_error"] < 1e-12
        (10, 3, True)
        >>> fit["at_risk"]
        [{'time': 0.0, 'published': 10, 'reconstructed': 10}, {'time': 4.0, 'published': 9, 'reconstructed': 9}]
        >>> fit["median"]["digitized"], fit["median"]["reconstructed"], fit["ks_distance"] < 1e-12
        (None, None, True)
        >>> fit["not_computed"]["median.digitized"]
        'the digitized curve does not reach 0.5.'
        """
        not_computed = {}
        if self.events_published is None:
            not_computed["events_published"] = "no total of events was given."
        if not self.at_risk_given:
            not_computed["at_risk_max_abs_difference"] = (
                "no risk table: only the number of patients is constrained, so no numbers at risk are compared."
            )
        if self.median_digitized is None:
            not_computed["median.digitized"] = "the digitized curve does not reach 0.5."
        if self.median_reconstructed is None:
            not_computed["median.reconstructed"] = "the reconstructed curve does not reach 0.5."
        both = self.median_digitized is not None and self.median_reconstructed is not None
        return {
            "arm": self.label,
            "method": self.method,
            "n_patients": self.n,
            "events_reconstructed": self.events,
            "events_published": self.events_published,
            "n_points_digitized": self.curve.n_input,
            "n_points_cleaned": int(self.curve.time.size),
            "rmse": self.rmse,
            "mean_abs_error": self.mean_abs_error,
            "max_abs_error": self.max_abs_error,
            "ks_distance": self.ks_distance,
            "resolution": {"time": self.curve.time_resolution, "survival": self.curve.survival_resolution},
            "median": {
                "digitized": self.median_digitized,
                "reconstructed": self.median_reconstructed,
                "difference": (self.median_reconstructed - self.median_digitized) if both else None,
                "tolerance": self.median_tolerance,
            },
            "at_risk_source": "published" if self.at_risk_given else "n only",
            "at_risk": [
                {"time": float(t), "published": int(p), "reconstructed": int(r)}
                for t, p, r in zip(self.at_risk_time, self.at_risk_published, self.at_risk_reconstructed)
            ],
            "at_risk_max_abs_difference": int(
                np.max(np.abs(self.at_risk_published - self.at_risk_reconstructed), initial=0)
            ) if self.at_risk_given else None,
            "survival_at_table": [
                {"time": float(t), "digitized": float(d), "reconstructed": float(r)}
                for t, d, r in zip(self.at_risk_time, self.survival_table_digitized,
                                   self.survival_table_reconstructed)
            ],
            "not_computed": not_computed,
            "cleaning": list(self.curve.actions),
            "notes": list(self.notes),
        }

    def __repr__(self) -> str:
        name = f" {self.label!r}" if self.label is not None else ""
        return (
            f"ArmReconstruction{name}: n={self.n}, events={self.events}, method={self.method!r}, "
            f"RMSE={self.rmse:.4f}, max |error|={self.max_abs_error:.4f}"
        )

    def _repr_html_(self) -> str:
        return f"<p><code>{self!r}</code></p>" + self.at_risk_frame()._repr_html_()


@dataclass(frozen=True, eq=False, repr=False)
class Reconstruction:
    """Reconstructed patients of every arm of a figure.

    Attributes
    ----------
    arms : dict
        Arm label -> :class:`ArmReconstruction`, in natural order of the labels.
    method : str
        The method asked for.
    comparison : dict or None
        Hazard ratio of each arm against the first and the log-rank test (see
        :func:`compare_arms`).
    draws : dict or None
        Intervals across reconstructions from perturbed clicks (see
        :func:`~survrepro.sources.reconstruct.draws.summarise_draws`); ``None`` without draws.
    """

    arms: dict = field(default_factory=dict)
    method: str = "auto"
    comparison: dict | None = None
    draws: dict | None = None

    def to_frame(self) -> pd.DataFrame:
        """All patients: ``time``, ``event`` and ``arm`` when the input had arms."""
        return pd.concat([a.to_frame() for a in self.arms.values()], ignore_index=True)

    def fidelity_frame(self) -> pd.DataFrame:
        """One row per arm: patients, events, errors at the clicks, KS distance, medians, at-risk match."""
        rows = []
        for a in self.arms.values():
            f = a.fidelity()
            rows.append(
                {k: f[k] for k in ("arm", "n_patients", "events_reconstructed", "events_published",
                                   "rmse", "mean_abs_error", "max_abs_error", "ks_distance")}
                | {"median_digitized": f["median"]["digitized"], "median_reconstructed": f["median"]["reconstructed"],
                   "at_risk_max_abs_difference": f["at_risk_max_abs_difference"],
                   "n_cleaning_actions": len(f["cleaning"])}
            )
        return pd.DataFrame(rows)

    def fidelity(self) -> dict:
        """JSON-ready fidelity of every arm, the comparison of the arms and the draws.

        Returns
        -------
        dict
            ``{"method": ..., "arms": [...], "comparison": ..., "draws": ...}`` with one
            :meth:`ArmReconstruction.fidelity` per arm, in the order of ``arms``, the
            hazard ratios and log-rank test between the arms (:func:`compare_arms`) and
            the intervals across the draws (``None`` with a note when no draws were asked).

        Examples
        --------
        >>> import pandas as pd
        >>> from survrepro.sources.reconstruct import reconstruct
        >>> curve = pd.DataFrame({"time": [0, 2, 2, 5, 5, 8] * 2,
        ...                       "survival": [1, 1, 0.9, 0.9, 0.7, 0.7, 1, 1, 0.8, 0.8, 0.6, 0.6],
        ...                       "arm": ["A"] * 6 + ["B"] * 6})
        >>> fit = reconstruct(curve, n={"A": 10, "B": 10}).fidelity()
        >>> fit["method"], [(a["arm"], a["n_patients"], a["events_reconstructed"]) for a in fit["arms"]]
        ('auto', [('A', 10, 3), ('B', 10, 4)])
        >>> hr = fit["comparison"]["hazard_ratios"][0]
        >>> hr["arm"], hr["reference"], hr["hr"] > 1
        ('B', 'A', True)
        """
        out = {"method": self.method, "arms": [a.fidelity() for a in self.arms.values()],
               "comparison": self.comparison, "draws": self.draws}
        if self.draws is None:
            out["draws_note"] = "no draws were asked for (draws=0)."
        return out

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}: n={a.n}, events={a.events}" for k, a in self.arms.items())
        return f"Reconstruction ({self.method}): {parts}"

    def _repr_html_(self) -> str:
        return f"<p><code>{self!r}</code></p>" + self.fidelity_frame()._repr_html_()


def compare_arms(arms: dict) -> dict:
    """Hazard ratio of each arm against the first and the log-rank test of the reconstruction.

    Parameters
    ----------
    arms : dict
        Arm label -> :class:`ArmReconstruction`; the first is the reference.

    Returns
    -------
    dict
        ``reference``, ``hazard_ratios`` (per further arm: ``hr``, ``ci_low``,
        ``ci_high``, ``conf_level``, ``wald_p``, from a two-arm Cox model with Efron ties
        and Wald limits, :func:`survrepro.engine.cox.hazard_ratio`), ``logrank_p`` (all
        arms, :func:`survrepro.engine.logrank.logrank_test`) and ``notes``; a value that
        cannot be computed is ``None`` with a note.

    References
    ----------
    Cox DR. Regression models and life-tables. J R Stat Soc B 1972;34:187-220.
    Efron B. The efficiency of Cox's likelihood function for censored data. J Am Stat
    Assoc 1977;72:557-565.

    Examples
    --------
    >>> from survrepro.sources.reconstruct import reconstruct_arm
    >>> a = reconstruct_arm([0, 2, 2, 5, 5, 8], [1, 1, 0.9, 0.9, 0.7, 0.7], [0, 4], [10, 9], label="A")
    >>> compare_arms({"A": a})["notes"]
    ['one arm: no hazard ratio or log-rank test.']
    """
    labs = list(arms)
    out = {"reference": labs[0] if labs else None, "hazard_ratios": [], "logrank_p": None, "notes": []}
    if len(labs) < 2:
        out["notes"].append("one arm: no hazard ratio or log-rank test.")
        return out
    ref = labs[0]
    for lab in labs[1:]:
        t = np.concatenate((arms[ref].time, arms[lab].time))
        e = np.concatenate((arms[ref].event, arms[lab].event))
        g = np.array([str(ref)] * arms[ref].n + [str(lab)] * arms[lab].n)
        entry = {"arm": lab, "reference": ref, "hr": None, "ci_low": None, "ci_high": None,
                 "conf_level": 0.95, "wald_p": None}
        try:
            fit = hazard_ratio(t, e, g, reference=str(ref))
        except InputError as exc:
            entry["note"] = f"no hazard ratio: {exc}"
        else:
            if np.isfinite(fit.hr) and abs(fit.coef) < 20 and np.isfinite(fit.se):
                entry.update(hr=float(fit.hr), ci_low=float(fit.hr_ci[0]), ci_high=float(fit.hr_ci[1]),
                             wald_p=float(fit.wald_pvalue))
            else:
                entry["note"] = "no finite hazard ratio (events in one arm only)."
        out["hazard_ratios"].append(entry)
    t = np.concatenate([arms[k].time for k in labs])
    e = np.concatenate([arms[k].event for k in labs])
    g = np.concatenate([[str(k)] * arms[k].n for k in labs])
    try:
        out["logrank_p"] = float(logrank_test(t, e, g).pvalue)
    except InputError as exc:
        out["notes"].append(f"no log-rank test: {exc}")
    return out


def digitized_step(curve: CleanCurve, at, tau=None) -> np.ndarray:
    """The digitized step curve at times ``at``: the level after every drop dated at or before."""
    t, s = curve.time, curve.survival
    if t.size < 2:
        return np.ones(np.shape(at))
    if tau is None:
        tau = drop_times(t, TIME_TOLERANCE * float(t[-1]))
    return s[np.searchsorted(tau, at, side="right")]


def measure(curve: CleanCurve, times, events, a, c, *, total_events, method, notes, at_risk_given,
            medians=None, ordered: bool = False):
    """The reconstructed patients of one arm, sorted, with their fit to ``curve`` and to
    the risk table ``a, c``; ``medians`` is (digitized, reconstructed, tolerance) when
    known, ``ordered`` says the patients are sorted already."""
    if not ordered:
        order = np.lexsort((1 - events, times))
        times, events = times[order], events[order]
    steps = km_steps(times, events)
    tol_t = TIME_TOLERANCE * float(curve.time[-1])
    tau = drop_times(curve.time, tol_t)
    end = max(float(curve.time[-1]), float(a[-1]))
    ks_at = np.concatenate(([0.0], tau, steps[0][steps[0] <= end]))
    k1, k2 = curve.time.size, curve.time.size + ks_at.size
    rec = steps_at(*steps, np.concatenate((curve.time, ks_at, a)))
    err = rec[:k1] - curve.survival
    ae = np.abs(err)
    dig = digitized_step(curve, np.concatenate((ks_at, a)), tau)
    ks = float(np.max(np.abs(dig[:ks_at.size] - rec[k1:k2])))
    d = times.size - np.searchsorted(times, a, side="left")  # #{time >= a}, times sorted
    if medians is None:
        medians = (digitized_median(curve.time, curve.survival, tol_t), reconstructed_median(times, events, steps), 0.0)
    return ArmReconstruction(
        label=curve.label,
        time=times,
        event=events,
        curve=curve,
        at_risk_time=a,
        at_risk_published=c,
        at_risk_reconstructed=np.asarray(d, dtype=np.int64),
        events_published=None if total_events is None else int(total_events),
        rmse=float(np.sqrt(np.mean(err**2))),
        mean_abs_error=float(ae.mean()),
        max_abs_error=float(ae.max()),
        method=method,
        notes=tuple(notes),
        at_risk_given=at_risk_given,
        ks_distance=ks,
        median_digitized=medians[0],
        median_reconstructed=medians[1],
        median_tolerance=float(medians[2]),
        survival_table_digitized=dig[ks_at.size:],
        survival_table_reconstructed=rec[k2:],
    )
