"""Fidelity of a reconstruction and the result types :class:`ArmReconstruction`, :class:`Reconstruction`.

The fidelity of each arm is measured, as Guyot et al. (2012) recommend: the Kaplan–Meier
curve of the reconstructed patients against the cleaned digitized points (RMSE, mean and
largest absolute error), and the reconstructed numbers at risk and events against the
published ones. The cleaning actions and the assumptions of the method travel with them.

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

from survrepro.engine.km import km_survival_at
from survrepro.sources.reconstruct.clean import CleanCurve

__all__ = ["ArmReconstruction", "Reconstruction"]


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
            reconstructed Kaplan-Meier curve at the cleaned points, the numbers at risk
            (published and reconstructed, with their largest difference), the cleaning
            actions and notes.

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
        """
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
            "at_risk_source": "published" if self.at_risk_given else "n only",
            "at_risk": [
                {"time": float(t), "published": int(p), "reconstructed": int(r)}
                for t, p, r in zip(self.at_risk_time, self.at_risk_published, self.at_risk_reconstructed)
            ],
            "at_risk_max_abs_difference": int(
                np.max(np.abs(self.at_risk_published - self.at_risk_reconstructed), initial=0)
            ),
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
    """Reconstructed patients of every arm of a figure."""

    arms: dict = field(default_factory=dict)
    method: str = "auto"

    def to_frame(self) -> pd.DataFrame:
        """All patients: ``time``, ``event`` and ``arm`` when the input had arms."""
        return pd.concat([a.to_frame() for a in self.arms.values()], ignore_index=True)

    def fidelity_frame(self) -> pd.DataFrame:
        """One row per arm: patients, events, RMSE, mean and max absolute error, at-risk match."""
        rows = []
        for a in self.arms.values():
            f = a.fidelity()
            rows.append(
                {k: f[k] for k in ("arm", "n_patients", "events_reconstructed", "events_published",
                                   "rmse", "mean_abs_error", "max_abs_error", "at_risk_max_abs_difference")}
                | {"n_cleaning_actions": len(f["cleaning"])}
            )
        return pd.DataFrame(rows)

    def fidelity(self) -> dict:
        """JSON-ready fidelity of every arm.

        Returns
        -------
        dict
            ``{"method": ..., "arms": [...]}`` with one :meth:`ArmReconstruction.fidelity`
            per arm, in the order of ``arms``.

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
        """
        return {"method": self.method, "arms": [a.fidelity() for a in self.arms.values()]}

    def __repr__(self) -> str:
        parts = ", ".join(f"{k}: n={a.n}, events={a.events}" for k, a in self.arms.items())
        return f"Reconstruction ({self.method}): {parts}"

    def _repr_html_(self) -> str:
        return f"<p><code>{self!r}</code></p>" + self.fidelity_frame()._repr_html_()


def measure(curve: CleanCurve, times, events, a, c, *, total_events, method, notes, at_risk_given):
    """The reconstructed patients of one arm, sorted, with their fit to ``curve`` and to
    the risk table ``a, c``."""
    order = np.lexsort((1 - events, times))
    times, events = times[order], events[order]
    err = km_survival_at(times, events, curve.time) - curve.survival
    ae = np.abs(err)
    d = times.size - np.searchsorted(times, a, side="left")  # #{time >= a}, times sorted
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
    )
