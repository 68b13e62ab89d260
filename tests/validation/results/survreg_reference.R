# Parametric survival reference values from R's survival package for
# tests/validation/test_extrapolate_vs_r.py.
# Run from tests/validation/:  Rscript results/survreg_reference.R
# R 4.2.2, survival 3.5-3. Reads data/*.csv (written by results/export_datasets.R) and writes
# results/survreg_reference.csv (15 significant digits): for each data set, arm (a level of
# the group column, or "all") and distribution, the intercept-only survreg fit of that arm's
# patients: (Intercept) and Log(scale) with their standard errors (sqrt of diag(vcov)),
# the log-likelihood (fit$loglik[2], the full likelihood on the time scale given), the AIC
# (-2 loglik + 2 df) and BIC (-2 loglik + log(n) df, n the patients of the arm).
library(survival)
options(digits = 15)

configs <- list(
  list(data = "lung", group = "sex"),
  list(data = "veteran", group = "trt"),
  list(data = "aml", group = "x"),
  list(data = "ovarian", group = "rx")
)
dists <- c("exponential", "weibull", "lognormal", "loglogistic")

rows <- list()
for (cf in configs) {
  d <- read.csv(file.path("data", paste0(cf$data, ".csv")))
  arms <- c("all", sort(unique(as.character(d[[cf$group]]))))
  for (arm in arms) {
    s <- if (arm == "all") d else d[as.character(d[[cf$group]]) == arm, ]
    for (dist in dists) {
      fit <- survreg(Surv(time, event) ~ 1, data = s, dist = dist)
      v <- vcov(fit)
      df <- if (dist == "exponential") 1 else 2
      ll <- fit$loglik[2]
      rows[[length(rows) + 1]] <- data.frame(
        data = cf$data, group = cf$group, arm = arm, dist = dist, n = nrow(s), events = sum(s$event),
        intercept = unname(coef(fit)[1]), intercept_se = sqrt(v[1, 1]),
        log_scale = if (df == 2) log(fit$scale) else NA,
        log_scale_se = if (df == 2) sqrt(v[2, 2]) else NA,
        loglik = ll, aic = -2 * ll + 2 * df, bic = -2 * ll + log(nrow(s)) * df,
        stringsAsFactors = FALSE
      )
    }
  }
}
out <- do.call(rbind, rows)
num <- vapply(out, is.double, logical(1))
out[num] <- lapply(out[num], function(x) ifelse(is.na(x), "NA", trimws(formatC(x, digits = 15, format = "g"))))
write.csv(out, "results/survreg_reference.csv", row.names = FALSE, quote = FALSE)
