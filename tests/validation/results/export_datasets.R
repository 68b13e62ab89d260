# Export the R survival package's datasets used by the validation suite.
# Run from tests/validation/:  Rscript results/export_datasets.R
# R 4.2.2, survival 3.5-3.
library(survival)
out <- "data"
# lung: NCCTG advanced lung cancer; status 1 = censored, 2 = dead -> event 0/1.
lung2 <- with(survival::lung, data.frame(time = time, event = as.integer(status == 2),
                                         sex = sex, ph.ecog = ph.ecog, age = age))
write.csv(lung2, file.path(out, "lung.csv"), row.names = FALSE, na = "")
vet <- with(survival::veteran, data.frame(time = time, event = status, trt = trt,
                                          celltype = as.character(celltype), karno = karno))
write.csv(vet, file.path(out, "veteran.csv"), row.names = FALSE)
aml2 <- with(survival::aml, data.frame(time = time, event = status, x = as.character(x)))
write.csv(aml2, file.path(out, "aml.csv"), row.names = FALSE)
ov <- with(survival::ovarian, data.frame(time = futime, event = fustat, rx = rx,
                                         ecog.ps = ecog.ps, resid.ds = resid.ds, age = age))
write.csv(ov, file.path(out, "ovarian.csv"), row.names = FALSE)
