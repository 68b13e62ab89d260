# Reference values for tests/validation/test_proportion_vs_r.py (survrepro.proportion and
# survrepro.contingency), computed by base R and the survival package.
# Run from tests/validation/:  Rscript results/proportion_reference.R
# R 4.2.2, survival 3.5-3. Writes (17 significant digits):
#   results/proportion_binom.csv             binom.test and prop.test(correct = FALSE) intervals
#   results/proportion_tests.csv             chisq.test (correct TRUE/FALSE), G-test, fisher.test
#   results/proportion_synthetic_cohort.csv  a synthetic cohort (seeded) for end-to-end checks
#   results/proportion_cohort.csv            landmark proportions and KM at the landmark on it
library(survival)
g17 <- function(x) ifelse(is.na(x), NA, sprintf("%.17g", x))

## 1. Binomial intervals -------------------------------------------------------------
counts <- data.frame(k = c(28, 22, 5, 1, 18, 0, 5, 0, 1, 3, 47),
                     n = c(47, 34, 9, 4, 38, 5, 5, 1, 1, 100, 52))
rows <- list()
for (lvl in c(0.95, 0.9, 0.99)) {
  for (i in seq_len(nrow(counts))) {
    k <- counts$k[i]; n <- counts$n[i]
    cp <- binom.test(k, n, conf.level = lvl)$conf.int
    wi <- suppressWarnings(prop.test(k, n, correct = FALSE, conf.level = lvl))$conf.int
    rows[[length(rows) + 1]] <- data.frame(k = k, n = n, conf_level = lvl,
      exact_low = g17(cp[1]), exact_high = g17(cp[2]),
      wilson_low = g17(wi[1]), wilson_high = g17(wi[2]))
  }
}
write.csv(do.call(rbind, rows), "results/proportion_binom.csv", row.names = FALSE)

## 2. Tests on contingency tables (rows = groups, columns = remaining, not remaining) --
tables <- list(
  levee_6mo = matrix(c(22, 12, 5, 4, 1, 3), ncol = 2, byrow = TRUE),  # LeVee 2025, 6 months by subtype
  two_by_two = matrix(c(12, 5, 3, 9), ncol = 2, byrow = TRUE),
  yates_small_dev = matrix(c(10, 10, 10, 11), ncol = 2, byrow = TRUE),  # |O - E| < 0.5
  three_by_three = matrix(c(3, 1, 4, 2, 5, 0, 1, 2, 6), ncol = 3, byrow = TRUE),
  four_by_two = matrix(c(7, 2, 4, 4, 1, 5, 6, 0), ncol = 2, byrow = TRUE)
)
gtest <- function(x) {
  E <- outer(rowSums(x), colSums(x)) / sum(x)
  G <- 2 * sum(ifelse(x > 0, x * log(x / E), 0))
  df <- (nrow(x) - 1) * (ncol(x) - 1)
  c(G, df, pchisq(G, df, lower.tail = FALSE))
}
rows <- list()
for (nm in names(tables)) {
  x <- tables[[nm]]
  enc <- paste(apply(x, 1, paste, collapse = ","), collapse = ";")
  add <- function(test, stat, df, p) rows[[length(rows) + 1]] <<- data.frame(
    table = nm, cells = enc, test = test, statistic = g17(stat), df = df, p_value = g17(p))
  a <- suppressWarnings(chisq.test(x, correct = FALSE))
  add("pearson", a$statistic, a$parameter, a$p.value)
  if (all(dim(x) == 2)) {
    b <- suppressWarnings(chisq.test(x, correct = TRUE))
    add("pearson_yates", b$statistic, b$parameter, b$p.value)
  }
  g <- gtest(x)
  add("likelihood_ratio", g[1], g[2], g[3])
  add("fisher", NA, NA, fisher.test(x)$p.value)
}
write.csv(do.call(rbind, rows), "results/proportion_tests.csv", row.names = FALSE)

## 3. End-to-end: synthetic cohort, landmark proportions and KM at the landmark -------
set.seed(20250717)
n <- 60
cohort <- data.frame(
  time = round(rexp(n, rate = 1 / 9) * 2) / 2,   # months on the same therapy, half-month grid
  event = rbinom(n, 1, 0.7),
  subtype = sample(c("A", "B", "C"), n, replace = TRUE, prob = c(0.6, 0.25, 0.15))
)
cohort$time[1:4] <- c(6, 6, 12, 12)            # ties exactly at the landmarks
cohort$event[1:4] <- c(1, 0, 1, 0)
cohort$death <- ifelse(cohort$event == 1, rbinom(n, 1, 0.25), 0)
write.csv(cohort[, c("time", "event", "death", "subtype")],
          "results/proportion_synthetic_cohort.csv", row.names = FALSE)

rows <- list()
for (L in c(6, 12)) {
  for (dif in c(TRUE, FALSE)) {
    ev <- if (dif) cohort$event else cohort$event * (1 - cohort$death)
    for (grp in c("all", "A", "B", "C")) {
      sel <- if (grp == "all") rep(TRUE, n) else cohort$subtype == grp
      t <- cohort$time[sel]; e <- ev[sel]
      remaining <- sum(t >= L)
      known <- sum(t >= L | (t < L & e == 1))   # "followed": ended before L or followed to L
      for (ct in c("log", "log-log", "plain")) {
        fit <- survfit(Surv(t, e) ~ 1, conf.type = ct)
        sm <- summary(fit, times = L, extend = TRUE)
        for (rule in c("followed", "all")) {
          den <- if (rule == "followed") known else length(t)
          cp <- binom.test(remaining, den)$conf.int
          wi <- suppressWarnings(prop.test(remaining, den, correct = FALSE))$conf.int
          rows[[length(rows) + 1]] <- data.frame(landmark = L, death_is_failure = dif, group = grp,
            conf_type = ct, evaluable = rule, numerator = remaining, denominator = den,
            exact_low = g17(cp[1]), exact_high = g17(cp[2]),
            wilson_low = g17(wi[1]), wilson_high = g17(wi[2]),
            km_survival = g17(sm$surv), km_lower = g17(sm$lower), km_upper = g17(sm$upper),
            km_std_err = g17(sm$std.err), km_n_at_risk = sm$n.risk)
        }
      }
    }
  }
}
write.csv(do.call(rbind, rows), "results/proportion_cohort.csv", row.names = FALSE)
