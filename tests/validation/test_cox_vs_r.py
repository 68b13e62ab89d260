"""Cox model, log-rank, PH check and RMST against R's survival package.

Every expected value was produced by ``results/cox_reference.R`` (R 4.2.2, survival 3.5-3)
from the datasets exported by ``results/export_datasets.R``, and read here from the
``results/cox_*.csv`` files it wrote (15 significant digits). The R call behind each group
of comparisons is quoted beside it. Groups are factors whose levels sort like survrepro's
natural order; rows without a stratum are dropped before a stratified fit, in R and here.
Tolerance: 1e-8 relative (R's output carries 15 digits; the fits follow R's iteration
step for step, so only rounding separates them).
"""
from pathlib import Path

import pandas as pd
import pytest

from survrepro.engine.cox import cox_ph, ph_test
from survrepro.engine.logrank import logrank_test
from survrepro.engine.rmst import rmst

pytestmark = pytest.mark.validation
HERE = Path(__file__).parent
RESULTS = HERE / "results"
REL = 1e-8

# id -> (dataset, group column, strata column or None, reference or None), as in cox_reference.R
CONFIGS = {
    "lung_sex": ("lung", "sex", None, None),
    "lung_sex_strata_ph.ecog": ("lung", "sex", "ph.ecog", None),
    "lung_ph.ecog": ("lung", "ph.ecog", None, None),
    "veteran_trt": ("veteran", "trt", None, None),
    "veteran_trt_strata_celltype": ("veteran", "trt", "celltype", None),
    "veteran_celltype": ("veteran", "celltype", None, None),
    "veteran_celltype_ref_squamous_strata_trt": ("veteran", "celltype", "trt", "squamous"),
    "aml_x": ("aml", "x", None, None),
    "ovarian_rx": ("ovarian", "rx", None, None),
    "ovarian_rx_strata_ecog.ps": ("ovarian", "rx", "ecog.ps", None),
    "ovarian_rx_strata_resid.ds": ("ovarian", "rx", "resid.ds", None),
}
TIES = ("efron", "breslow")


def _ref(name):
    return pd.read_csv(RESULTS / name, dtype={"level": str, "row_level": str, "col_level": str})


def _args(config):
    dataset, group, strata, reference = CONFIGS[config]
    d = pd.read_csv(HERE / "data" / f"{dataset}.csv")
    d = d[d[group].notna()]
    if strata is not None:
        d = d[d[strata].notna()]
    # integer-valued columns read with missing values come back as floats: label them as R does
    for col in {group, strata} - {None}:
        if d[col].dtype.kind == "f":
            d[col] = d[col].astype(int)
    kw = {"strata": d[strata] if strata else None, "reference": reference}
    return (d["time"], d["event"], d[group]), kw


def test_reference_files_cover_every_configuration():
    for name in ("cox_coef.csv", "cox_tests.csv", "cox_logrank.csv", "cox_zph.csv"):
        assert set(_ref(name)["config"]) == set(CONFIGS), name


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("config", CONFIGS)
def test_coxph_coefficients(config, ties):
    # R: fit <- coxph(Surv(time, event) ~ g [+ strata(s)], data = d, ties = ties)
    #    coef(fit); sqrt(diag(vcov(fit))); summary(fit, conf.int = 0.95 / 0.90)$coefficients, $conf.int
    exp = _ref("cox_coef.csv").query("config == @config and ties == @ties")
    args, kw = _args(config)
    res = cox_ph(*args, ties=ties, **kw)
    assert list(res.terms) == list(exp["level"])
    assert res.coef == pytest.approx(exp["coef"].to_numpy(), rel=REL)
    assert res.se == pytest.approx(exp["se"].to_numpy(), rel=REL)
    assert res.hr == pytest.approx(exp["hr"].to_numpy(), rel=REL)
    assert res.z == pytest.approx(exp["z"].to_numpy(), rel=REL)
    assert res.pvalue == pytest.approx(exp["p"].to_numpy(), rel=REL)
    assert res.hr_low == pytest.approx(exp["hr_lower"].to_numpy(), rel=REL)
    assert res.hr_high == pytest.approx(exp["hr_upper"].to_numpy(), rel=REL)
    ci90 = res.confidence_interval(0.90)
    assert ci90.low == pytest.approx(exp["hr_lower_90"].to_numpy(), rel=REL)
    assert ci90.high == pytest.approx(exp["hr_upper_90"].to_numpy(), rel=REL)


@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("config", CONFIGS)
def test_coxph_global_tests(config, ties):
    # R: fit$n; fit$nevent; fit$loglik; fit$iter; fit$wald.test; fit$score;
    #    summary(fit)$waldtest / $logtest / $sctest (df and p values)
    exp = _ref("cox_tests.csv").query("config == @config and ties == @ties").iloc[0]
    args, kw = _args(config)
    res = cox_ph(*args, ties=ties, **kw)
    assert (res.n, res.events, res.iterations) == (exp["n"], exp["events"], exp["iter"])
    assert res.converged and res.notes == ()
    assert res.loglik_null == pytest.approx(exp["loglik_null"], rel=REL)
    assert res.loglik == pytest.approx(exp["loglik"], rel=REL)
    for test in ("wald", "lr", "score"):
        assert getattr(res, f"{test}_df") == exp[f"{test}_df"]
        assert getattr(res, f"{test}_statistic") == pytest.approx(exp[f"{test}_chisq"], rel=REL), test
        assert getattr(res, f"{test}_pvalue") == pytest.approx(exp[f"{test}_p"], rel=REL), test


@pytest.mark.parametrize("config", CONFIGS)
def test_survdiff(config):
    # R: sd <- survdiff(Surv(time, event) ~ g [+ strata(s)], data = d)
    #    sd$n; rowSums(sd$obs); rowSums(sd$exp); sd$chisq; sd$var
    exp = _ref("cox_logrank.csv").query("config == @config").set_index("level")
    var = _ref("cox_logrank_var.csv").query("config == @config")
    args, kw = _args(config)
    kw.pop("reference")  # R's order of levels may put the reference first; compare by label
    res = logrank_test(*args, **kw)
    assert sorted(res.levels) == sorted(exp.index)
    exp = exp.loc[list(res.levels)]
    assert list(res.n) == list(exp["n"])
    assert res.observed == pytest.approx(exp["observed"].to_numpy(), rel=REL)
    assert res.expected == pytest.approx(exp["expected"].to_numpy(), rel=REL)
    assert res.df == exp["df"].iloc[0]
    assert res.statistic == pytest.approx(exp["chisq"].iloc[0], rel=REL)
    assert res.pvalue == pytest.approx(exp["p"].iloc[0], rel=REL)
    expected_var = var.pivot(index="row_level", columns="col_level", values="var")
    expected_var = expected_var.loc[list(res.levels), list(res.levels)].to_numpy()
    assert res.variance == pytest.approx(expected_var, rel=REL, abs=1e-10)


@pytest.mark.parametrize("transform", ["km", "identity", "rank"])
@pytest.mark.parametrize("ties", TIES)
@pytest.mark.parametrize("config", CONFIGS)
def test_cox_zph(config, ties, transform):
    # R: z <- cox.zph(coxph(Surv(time, event) ~ g [+ strata(s)], data = d, ties = ties),
    #                 transform = transform); z$table
    exp = _ref("cox_zph.csv").query("config == @config and ties == @ties and transform == @transform")
    args, kw = _args(config)
    res = ph_test(*args, ties=ties, transform=transform, **kw)
    assert res.table["statistic"].to_numpy() == pytest.approx(exp["chisq"].to_numpy(), rel=REL)
    assert list(res.table["df"]) == list(exp["df"])
    assert res.table["pvalue"].to_numpy() == pytest.approx(exp["p"].to_numpy(), rel=REL)


def _rmst_cases():
    ref = _ref("cox_rmst.csv").fillna({"group": "", "level": ""})
    return [pytest.param(key, grp, id=f"{key[0]}-{key[1] or 'all'}-{key[2]}")
            for key, grp in ref.groupby(["dataset", "group", "tau"], sort=False)]


@pytest.mark.parametrize(("key", "exp"), _rmst_cases())
def test_rmst_per_arm(key, exp):
    # R: summary(survfit(Surv(time, event) ~ g, data = d), rmean = tau)$table[, c("rmean", "se(rmean)")]
    #    (and ~ 1 for the overall row)
    dataset, group, tau = key
    d = pd.read_csv(HERE / "data" / f"{dataset}.csv")
    res = rmst(d["time"], d["event"], d[group] if group else None, tau=tau)
    if group:
        assert list(res.levels) == list(exp["level"])
    assert res.estimate == pytest.approx(exp["rmean"].to_numpy(), rel=REL)
    assert res.se == pytest.approx(exp["se"].to_numpy(), rel=REL)
