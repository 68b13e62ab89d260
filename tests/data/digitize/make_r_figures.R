# Kaplan-Meier figures drawn by R, read by tests/test_digitize.py and python -m survrepro.bench.digitize:
# R's lung data (survival package) by sex, and its veteran data by cell type (squamous, smallcell,
# adeno), time in days; base plot(survfit) and survminer's ggsurvplot with its risk table, censor
# marks on and off ("_nocensor"), as PDF, SVG (svglite) and PNG at 150 and 300 dpi ("_300").
# Run from this folder: Rscript make_r_figures.R
suppressMessages(library(survival))
vet <- droplevels(subset(veteran, celltype %in% c("squamous", "smallcell", "adeno")))
sets <- list(
  lung = list(fit = survfit(Surv(time, status) ~ sex, data = lung), data = lung, labs = c("Male", "Female"),
              cols = c("#E7B800", "#2E9FDF"), xmax = 1000, by = 250),
  veteran = list(fit = survfit(Surv(time, status) ~ celltype, data = vet), data = vet,
                 labs = c("squamous", "smallcell", "adeno"), cols = c("#E7B800", "#2E9FDF", "#FC4E07"),
                 xmax = 500, by = 100))
devices <- function(stem, width, height, draw) {
  pdf(paste0(stem, ".pdf"), width = width, height = height, onefile = FALSE); draw(); invisible(dev.off())
  png(paste0(stem, ".png"), width = width, height = height, units = "in", res = 150); draw(); invisible(dev.off())
  png(paste0(stem, "_300.png"), width = width, height = height, units = "in", res = 300); draw(); invisible(dev.off())
  # svglite keeps the text as text (R's own svg() draws it as glyph outlines, which cannot be read)
  if (requireNamespace("svglite", quietly = TRUE)) {
    svglite::svglite(paste0(stem, ".svg"), width = width, height = height); draw(); invisible(dev.off())
  }
}
for (name in names(sets)) {
  s <- sets[[name]]
  for (marks in c(TRUE, FALSE)) {
    tag <- if (marks) "" else "_nocensor"
    devices(paste0(name, "_base_r", tag), 6, 4.5, function() {
      par(las = 1, mar = c(5, 5, 2, 2))
      plot(s$fit, col = s$cols, lwd = 2, mark.time = marks, xlab = "Days", ylab = "Survival probability",
           xmax = s$xmax)
      legend("topright", legend = s$labs, col = s$cols, lwd = 2, bty = "n")
    })
    if (requireNamespace("survminer", quietly = TRUE)) {
      suppressMessages(library(survminer))
      p <- ggsurvplot(s$fit, data = s$data, risk.table = TRUE, palette = s$cols, legend.labs = s$labs,
                      xlim = c(0, s$xmax), break.time.by = s$by, censor = marks)
      devices(paste0(name, "_ggsurvplot", tag), 6, 6, function() print(p))
    }
  }
}

# Confidence bands drawn over the curves (ggsurvplot conf.int = TRUE, theme_bw): R's colon data,
# overall survival (etype 2) of observation vs levamisole + fluorouracil, in months. In the image
# the observation curve lies under the other arm's translucent band until about 24 months.
if (requireNamespace("survminer", quietly = TRUE)) {
  d <- subset(colon, etype == 2 & rx %in% c("Obs", "Lev+5FU"))
  d$rx <- droplevels(d$rx)
  d$m <- d$time / (365.25 / 12)
  p <- ggsurvplot(survfit(Surv(m, status) ~ rx, data = d), data = d, conf.int = TRUE, risk.table = TRUE,
                  ggtheme = theme_bw(), palette = c("#D55E00", "#0072B2"), break.time.by = 12, xlab = "Months")
  png("colon_ggsurvplot_bands.png", width = 7, height = 6, units = "in", res = 150); print(p); invisible(dev.off())
}
