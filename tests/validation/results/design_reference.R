# Reference values for tests/test_design.py (base R only; R 4.2.2).
# Run from the repository root:  Rscript tests/validation/results/design_reference.R
# Writes design_binomial_reference.csv and design_events_reference.csv next to this script.

out_dir <- "tests/validation/results"

# Exact one-sided binomial design: positive when X >= k, k the smallest count with
# P(X >= k | p0) <= alpha, i.e. k = qbinom(1 - alpha, n, p0) + 1.
grid <- expand.grid(n = c(20, 45, 47, 60), p0 = c(0.3, 0.4, 0.5), p1 = 0.6, alpha = c(0.05, 0.1))
grid$threshold <- qbinom(1 - grid$alpha, grid$n, grid$p0) + 1
grid$type_i_error <- pbinom(grid$threshold - 1, grid$n, grid$p0, lower.tail = FALSE)
grid$power <- pbinom(grid$threshold - 1, grid$n, grid$p1, lower.tail = FALSE)
write.csv(grid, file.path(out_dir, "design_binomial_reference.csv"), row.names = FALSE)

# Schoenfeld events, 1:1 allocation: (z_{1-alpha/sides} + z_{power})^2 * 4 / log(hr)^2
ev <- expand.grid(hr = c(0.5, 0.6, 0.75), alpha = c(0.05, 0.1), sides = c(1, 2), power = c(0.8, 0.9))
ev$events_exact <- (qnorm(1 - ev$alpha / ev$sides) + qnorm(ev$power))^2 * 4 / log(ev$hr)^2
write.csv(ev, file.path(out_dir, "design_events_reference.csv"), row.names = FALSE)
