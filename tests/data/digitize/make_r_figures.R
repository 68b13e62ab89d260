# Kaplan-Meier figures of R's lung data (survival package) drawn by R, read by tests/test_digitize.py.
# Run from this folder: Rscript make_r_figures.R
suppressMessages(library(survival))
fit <- survfit(Surv(time, status) ~ sex, data = lung)
cols <- c("#E7B800", "#2E9FDF")
base <- function() {
  par(las = 1, mar = c(5, 5, 2, 2))
  plot(fit, col = cols, lwd = 2, mark.time = TRUE, xlab = "Days", ylab = "Survival probability", xmax = 1000)
  legend("topright", legend = c("Male", "Female"), col = cols, lwd = 2, bty = "n")
}
pdf("lung_base_r.pdf", width = 6, height = 4.5); base(); invisible(dev.off())
png("lung_base_r.png", width = 6, height = 4.5, units = "in", res = 150); base(); invisible(dev.off())
# svglite keeps the text as text (R's own svg() draws it as glyph outlines, which cannot be read)
if (requireNamespace("svglite", quietly = TRUE)) {
  svglite::svglite("lung_base_r.svg", width = 6, height = 4.5); base(); invisible(dev.off())
}
if (requireNamespace("survminer", quietly = TRUE)) {
  suppressMessages(library(survminer))
  p <- ggsurvplot(fit, data = lung, risk.table = TRUE, palette = cols, legend.labs = c("Male", "Female"),
                  xlim = c(0, 1000), break.time.by = 250, censor = TRUE)
  pdf("lung_ggsurvplot.pdf", width = 6, height = 6, onefile = FALSE); print(p); invisible(dev.off())
  png("lung_ggsurvplot.png", width = 6, height = 6, units = "in", res = 150); print(p); invisible(dev.off())
}
