# R warnings of coxph on data whose coefficient may be infinite; output in coxph_infinite_warnings.txt (tests/test_cli_analyze.py)
library(survival)
run <- function(name, d) {
  cat("==", name, "\n")
  fit <- withCallingHandlers(coxph(Surv(time, event) ~ arm, data = d, ties = "efron"),
    warning = function(w) { cat("WARNING:", conditionMessage(w), "\n"); invokeRestart("muffleWarning") })
  cat("iter", fit$iter, "coef", format(coef(fit), digits = 6), "\n")
}
rd <- function(s) read.csv(text = s)
run("no_events_in_B", rd("time,event,arm\n1,1,A\n2,1,A\n3,0,A\n4,1,A\n2,0,B\n3,0,B\n5,0,B\n6,0,B\n"))
sep <- "time,event,arm\n1,1,A\n2,1,A\n3,1,A\n4,1,A\n5,1,B\n6,1,B\n7,0,B\n8,1,B\n"
run("separated", rd(sep))
run("separated_C", rd(gsub(",A\n", ",C\n", sep, fixed = TRUE)))
rows <- c("time,event,arm")
for (a in list(list("A", c(1,3,5,7,9)), list("B", c(2,4,6,8,10)))) for (i in 1:5) rows <- c(rows, paste(a[[2]][i], c(1,1,0,1,1)[i], a[[1]], sep=","))
for (t in c(3,6,9,11)) rows <- c(rows, paste(t, 0, "C", sep=","))
run("three_arms_C_no_events", rd(paste(rows, collapse = "\n")))
run("engine_test", data.frame(time = 1:10, event = c(1,1,0,1,0,1,0,0,1,0), arm = strsplit("AABABABBAB","")[[1]]))
