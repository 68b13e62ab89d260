# Cox model, log-rank, cox.zph and RMST reference values from R's survival package for
# tests/validation/test_cox_vs_r.py.
# Run from tests/validation/:  Rscript results/cox_reference.R
# R 4.2.2, survival 3.5-3. Reads data/*.csv (written by results/export_datasets.R) and writes
# results/cox_coef.csv, results/cox_tests.csv, results/cox_logrank.csv,
# results/cox_logrank_var.csv, results/cox_zph.csv, results/cox_rmst.csv (15 significant digits).
library(survival)
options(digits = 15)

# Groups enter as factors whose levels sort like survrepro's natural order (numbers
# numerically, text alphabetically); `reference` re-levels as relevel() does.
configs <- list(
  list(id = "lung_sex", data = "lung", group = "sex", strata = NA, reference = NA),
  list(id = "lung_sex_strata_ph.ecog", data = "lung", group = "sex", strata = "ph.ecog", reference = NA),
  list(id = "lung_ph.ecog", data = "lung", group = "ph.ecog", strata = NA, reference = NA),
  list(id = "veteran_trt", data = "veteran", group = "trt", strata = NA, reference = NA),
  list(id = "veteran_trt_strata_celltype", data = "veteran", group = "trt", strata = "celltype", reference = NA),
  list(id = "veteran_celltype", data = "veteran", group = "celltype", strata = NA, reference = NA),
  list(id = "veteran_celltype_ref_squamous_strata_trt", data = "veteran", group = "celltype",
       strata = "trt", reference = "squamous"),
  list(id = "aml_x", data = "aml", group = "x", strata = NA, reference = NA),
  list(id = "ovarian_rx", data = "ovarian", group = "rx", strata = NA, reference = NA),
  list(id = "ovarian_rx_strata_ecog.ps", data = "ovarian", group = "rx", strata = "ecog.ps", reference = NA),
  list(id = "ovarian_rx_strata_resid.ds", data = "ovarian", group = "rx", strata = "resid.ds", reference = NA)
)

load_config <- function(cf) {
  d <- read.csv(file.path("data", paste0(cf$data, ".csv")))
  d <- d[!is.na(d[[cf$group]]), ]
  if (!is.na(cf$strata)) d <- d[!is.na(d[[cf$strata]]), ]  # rows with a stratum only
  d$g <- factor(as.character(d[[cf$group]]))
  if (!is.na(cf$reference)) d$g <- relevel(d$g, ref = cf$reference)
  if (!is.na(cf$strata)) d$s <- as.character(d[[cf$strata]])
  d
}

coefs <- list(); tests <- list(); lr <- list(); lrv <- list(); zph <- list()
for (cf in configs) {
  d <- load_config(cf)
  strata_label <- if (is.na(cf$strata)) "" else cf$strata
  fml <- if (is.na(cf$strata)) Surv(time, event) ~ g else Surv(time, event) ~ g + strata(s)
  for (ties in c("efron", "breslow")) {
    fit <- coxph(fml, data = d, ties = ties)
    s95 <- summary(fit, conf.int = 0.95)
    s90 <- summary(fit, conf.int = 0.90)
    coefs[[length(coefs) + 1]] <- data.frame(config = cf$id, ties = ties,
      level = levels(d$g)[-1], coef = unname(coef(fit)), se = unname(sqrt(diag(vcov(fit)))),
      hr = unname(exp(coef(fit))), z = s95$coefficients[, "z"], p = s95$coefficients[, "Pr(>|z|)"],
      hr_lower = s95$conf.int[, "lower .95"], hr_upper = s95$conf.int[, "upper .95"],
      hr_lower_90 = s90$conf.int[, "lower .90"], hr_upper_90 = s90$conf.int[, "upper .90"])
    tests[[length(tests) + 1]] <- data.frame(config = cf$id, ties = ties, n = fit$n, events = fit$nevent,
      loglik_null = fit$loglik[1], loglik = fit$loglik[2], iter = fit$iter,
      wald_chisq = unname(fit$wald.test), wald_df = s95$waldtest[["df"]], wald_p = s95$waldtest[["pvalue"]],
      lr_chisq = s95$logtest[["test"]], lr_df = s95$logtest[["df"]], lr_p = s95$logtest[["pvalue"]],
      score_chisq = unname(fit$score), score_df = s95$sctest[["df"]], score_p = s95$sctest[["pvalue"]])
    for (tr in c("km", "identity", "rank")) {
      z <- cox.zph(fit, transform = tr)
      zph[[length(zph) + 1]] <- data.frame(config = cf$id, ties = ties, transform = tr,
        term = c("group", "GLOBAL"), chisq = z$table[, "chisq"], df = z$table[, "df"], p = z$table[, "p"])
    }
  }
  sfml <- if (is.na(cf$strata)) Surv(time, event) ~ g else Surv(time, event) ~ g + strata(s)
  sd <- survdiff(sfml, data = d)
  obs <- if (is.matrix(sd$obs)) rowSums(sd$obs) else sd$obs
  ex <- if (is.matrix(sd$exp)) rowSums(sd$exp) else sd$exp
  ndf <- sum(ex > 0) - 1
  lr[[length(lr) + 1]] <- data.frame(config = cf$id, level = levels(d$g), n = as.vector(sd$n),
    observed = obs, expected = ex, chisq = sd$chisq, df = ndf,
    p = pchisq(sd$chisq, ndf, lower.tail = FALSE))
  k <- nlevels(d$g)
  lrv[[length(lrv) + 1]] <- data.frame(config = cf$id, row_level = rep(levels(d$g), times = k),
    col_level = rep(levels(d$g), each = k), var = as.vector(sd$var))
}

# RMST: survfit's restricted mean and its standard error, print(fit, rmean = tau).
rmst_sets <- list(
  list(data = "lung", group = "sex", taus = c(365, 730)),
  list(data = "veteran", group = "trt", taus = c(180, 365)),
  list(data = "aml", group = "x", taus = c(36, 48, 200)),
  list(data = "ovarian", group = "rx", taus = c(730, 1000))
)
rm <- list()
for (rs in rmst_sets) {
  d <- read.csv(file.path("data", paste0(rs$data, ".csv")))
  d$g <- factor(as.character(d[[rs$group]]))
  for (tau in rs$taus) {
    tab <- summary(survfit(Surv(time, event) ~ g, data = d), rmean = tau)$table
    rm[[length(rm) + 1]] <- data.frame(dataset = rs$data, group = rs$group, level = levels(d$g),
      tau = tau, rmean = tab[, "rmean"], se = tab[, "se(rmean)"])
    one <- summary(survfit(Surv(time, event) ~ 1, data = d), rmean = tau)$table
    rm[[length(rm) + 1]] <- data.frame(dataset = rs$data, group = "", level = "",
      tau = tau, rmean = one[["rmean"]], se = one[["se(rmean)"]])
  }
}

out <- "results"
write.csv(do.call(rbind, coefs), file.path(out, "cox_coef.csv"), row.names = FALSE)
write.csv(do.call(rbind, tests), file.path(out, "cox_tests.csv"), row.names = FALSE)
write.csv(do.call(rbind, lr), file.path(out, "cox_logrank.csv"), row.names = FALSE)
write.csv(do.call(rbind, lrv), file.path(out, "cox_logrank_var.csv"), row.names = FALSE)
write.csv(do.call(rbind, zph), file.path(out, "cox_zph.csv"), row.names = FALSE)
write.csv(do.call(rbind, rm), file.path(out, "cox_rmst.csv"), row.names = FALSE)
