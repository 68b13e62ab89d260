# Reference values for tests/test_audit.py (R 4.2.2, base stats only).
# Run from the repository root:  Rscript tests/validation/results/audit_reference.R
# Writes tests/validation/results/audit_reference.csv (case, quantity, value; 15 significant digits).
out <- data.frame(case = character(), quantity = character(), value = numeric())
add <- function(case, quantity, value) {
  out[nrow(out) + 1, ] <<- list(case, quantity, value)
}
g_test <- function(x) {
  e <- outer(rowSums(x), colSums(x)) / sum(x)
  pos <- x > 0
  g <- 2 * sum(x[pos] * log(x[pos] / e[pos]))
  df <- (nrow(x) - 1) * (ncol(x) - 1)
  c(statistic = g, p = pchisq(g, df, lower.tail = FALSE))
}
tables <- list(
  # LeVee et al. 2025: on the same therapy at 6 months by subtype (yes, no)
  levee_6m = matrix(c(22, 12, 5, 4, 1, 3), ncol = 2, byrow = TRUE),
  t2x2_a = matrix(c(3, 1, 1, 3), ncol = 2, byrow = TRUE),
  t2x2_b = matrix(c(12, 5, 4, 9), ncol = 2, byrow = TRUE),
  t3x2_c = matrix(c(7, 3, 2, 8, 5, 5), ncol = 2, byrow = TRUE)
)
for (name in names(tables)) {
  x <- tables[[name]]
  p0 <- suppressWarnings(chisq.test(x, correct = FALSE))
  add(name, "pearson_statistic", unname(p0$statistic))
  add(name, "pearson_p", p0$p.value)
  if (all(dim(x) == 2)) {
    p1 <- suppressWarnings(chisq.test(x, correct = TRUE))
    add(name, "pearson_yates_statistic", unname(p1$statistic))
    add(name, "pearson_yates_p", p1$p.value)
  }
  g <- g_test(x)
  add(name, "likelihood_ratio_statistic", unname(g["statistic"]))
  add(name, "likelihood_ratio_p", unname(g["p"]))
  add(name, "fisher_p", fisher.test(x)$p.value)
}
# EXTEND: HR 0.91 (95% CI 0.34-2.48), arms 22 and 21
se <- (log(2.48) - log(0.34)) / (2 * qnorm(0.975))
add("extend_pfs", "se", se)
add("extend_pfs", "wald_p", 2 * pnorm(-abs(log(0.91)) / se))
p <- 22 / 43
add("extend_pfs", "implied_events", 1 / (p * (1 - p) * se^2))
se_lo <- (log(2.475) - log(0.345)) / (2 * qnorm(0.975))
se_hi <- (log(2.485) - log(0.335)) / (2 * qnorm(0.975))
add("extend_pfs", "wald_p_low", 2 * pnorm(-abs(log(0.905)) / se_lo))
add("extend_pfs", "wald_p_high", 2 * pnorm(-abs(log(0.915)) / se_hi))
add("extend_pfs", "implied_events_low", 1 / (p * (1 - p) * se_hi^2))
add("extend_pfs", "implied_events_high", 1 / (p * (1 - p) * se_lo^2))
# Schoenfeld events for HR 18/36, power 0.8, alpha 0.1, 1:1
for (sides in 1:2) {
  d <- (qnorm(1 - 0.1 / sides) + qnorm(0.8))^2 / (0.25 * log(18 / 36)^2)
  add("extend_design", paste0("required_events_exact_sides", sides), d)
  d_ci <- 1 / (p * (1 - p) * se^2)
  add("extend_design", paste0("power_at_implied_sides", sides),
      pnorm(sqrt(d_ci * 0.25) * abs(log(0.5)) - qnorm(1 - 0.1 / sides)))
}
out$value <- trimws(formatC(out$value, digits = 15, format = "g"))
write.csv(out, "tests/validation/results/audit_reference.csv", row.names = FALSE, quote = FALSE)
