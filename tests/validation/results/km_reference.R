# Kaplan-Meier reference values from R's survival package for tests/validation/test_km_vs_r.py.
# Run from tests/validation/:  Rscript results/km_reference.R
# R 4.2.2, survival 3.5-3. Writes results/km_curves.csv, results/km_quantiles.csv,
# results/km_landmarks.csv, results/km_followup.csv (15 significant digits).
library(survival)
options(digits = 15)
sets <- list(
  list(name = "lung", group = "sex", landmarks = c(0, 100, 180, 365, 500, 1100)),
  list(name = "veteran", group = "trt", landmarks = c(0, 30, 90, 180, 365, 1000)),
  list(name = "aml", group = "x", landmarks = c(0, 12, 24, 36, 48, 200)),
  list(name = "ovarian", group = "rx", landmarks = c(0, 365, 730, 1000, 1300))
)
curves <- list(); quants <- list(); lands <- list(); fups <- list()
for (s in sets) {
  d <- read.csv(file.path("data", paste0(s$name, ".csv")))
  d$group <- as.character(d[[s$group]])
  for (ct in c("log", "log-log", "plain")) {
    for (lev in sort(unique(d$group))) {
      dd <- d[d$group == lev, ]
      fit <- survfit(Surv(time, event) ~ 1, data = dd, conf.type = ct)
      curves[[length(curves) + 1]] <- data.frame(dataset = s$name, group = lev, conf_type = ct,
        time = fit$time, n_risk = fit$n.risk, n_event = fit$n.event, n_censor = fit$n.censor,
        survival = fit$surv, std_err = fit$std.err, lower = fit$lower, upper = fit$upper)
      for (lvl in c(0.95, 0.9)) {
        fq <- survfit(Surv(time, event) ~ 1, data = dd, conf.type = ct, conf.int = lvl)
        q <- quantile(fq, probs = c(0.25, 0.5, 0.75))
        quants[[length(quants) + 1]] <- data.frame(dataset = s$name, group = lev, conf_type = ct,
          conf_level = lvl, p = c(0.25, 0.5, 0.75), estimate = q$quantile, low = q$lower, high = q$upper)
      }
      sm <- summary(fit, times = s$landmarks, extend = TRUE)
      lands[[length(lands) + 1]] <- data.frame(dataset = s$name, group = lev, conf_type = ct,
        time = sm$time, survival = sm$surv, lower = sm$lower, upper = sm$upper, n_at_risk = sm$n.risk)
      if (ct == "log") {
        # median follow-up: reverse Kaplan-Meier (censoring as the event)
        rk <- survfit(Surv(time, 1 - event) ~ 1, data = dd)
        q <- quantile(rk, probs = 0.5)
        fups[[length(fups) + 1]] <- data.frame(dataset = s$name, group = lev,
          estimate = q$quantile, low = q$lower, high = q$upper)
      }
    }
  }
}
w <- function(x, f) write.csv(do.call(rbind, x), file.path("results", f), row.names = FALSE, na = "")
w(curves, "km_curves.csv"); w(quants, "km_quantiles.csv"); w(lands, "km_landmarks.csv"); w(fups, "km_followup.csv")
