# The cross-study meta-analyses again with R's metafor, so the Python
# estimates (preservation.stats.meta_analysis, .binomial_normal) can be
# compared number by number.
#
# Usage: Rscript metafor_crosscheck.R units.csv out.csv
#   units.csv  analysis, k1, n1, k0, n0 (treatment arm 1, control arm 0), one row per unit
#   out.csv    analysis, method, parameter, value, message
# Methods: DL and REML (rma on escalc log odds ratios, 1/2 added to tables with
# a zero cell, double-zero tables dropped), each also with test = "knha"
# (Hartung-Knapp); UM.FS (rma.glmm, binomial-normal on the counts, nAGQ = 7).
# rma's REML iterations run to threshold 1e-12 (default 1e-5), and glmer under
# rma.glmm uses bobyqa to rhoend 1e-10: with its default optimiser it stops
# about 7e-5 short of the optimum on the shipped data (a deviance 2.4e-8 higher),
# which is its tolerance, not a difference between the methods.
suppressPackageStartupMessages(library(metafor))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: metafor_crosscheck.R units.csv out.csv")
units <- read.csv(args[1], stringsAsFactors = FALSE)
fmt <- function(x) formatC(x, digits = 14, format = "g")
glmer_ctrl <- list(optimizer = "bobyqa", optCtrl = list(rhobeg = 0.2, rhoend = 1e-10, maxfun = 1e5))

rows <- list()
record <- function(analysis, method, fit, pred, message) {
  values <- if (is.null(fit)) rep(NA, 8) else
    c(fit$beta[1], fit$se[1], fit$tau2, fit$I2, fit$ci.lb[1], fit$ci.ub[1], pred$pi.lb[1], pred$pi.ub[1])
  rows[[length(rows) + 1]] <<- data.frame(analysis = analysis, method = method,
    parameter = c("estimate", "se", "tau2", "i2", "ci_low", "ci_high", "pi_low", "pi_high"),
    value = fmt(unname(values)), message = message)
}
quietly <- function(expr) {
  msgs <- character()
  value <- withCallingHandlers(tryCatch(expr, error = function(e) e),
    warning = function(w) { msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning") },
    message = function(m) { msgs <<- c(msgs, conditionMessage(m)); invokeRestart("muffleMessage") })
  list(value = value, message = gsub("[\r\n]+", " ", paste(unique(msgs), collapse = "; ")))
}

for (analysis in unique(units$analysis)) {
  d <- units[units$analysis == analysis, ]
  es <- escalc("OR", ai = k1, n1i = n1, ci = k0, n2i = n0, data = d, drop00 = TRUE)
  for (method in c("DL", "REML")) {
    for (test in c("z", "knha")) {
      label <- if (test == "knha") paste0(method, "+HK") else method
      run <- quietly(rma(yi, vi, data = es, method = method, test = test, control = list(threshold = 1e-12, maxiter = 10000)))
      if (inherits(run$value, "error")) { record(analysis, label, NULL, NULL, paste("error:", conditionMessage(run$value))); next }
      record(analysis, label, run$value, predict(run$value), run$message)
    }
  }
  run <- quietly(rma.glmm(measure = "OR", ai = k1, n1i = n1, ci = k0, n2i = n0, data = d, model = "UM.FS",
                          control = list(glmerCtrl = glmer_ctrl)))
  if (inherits(run$value, "error")) {
    record(analysis, "UM.FS", NULL, NULL, paste("error:", conditionMessage(run$value)))
  } else {
    record(analysis, "UM.FS", run$value, predict(run$value), run$message)
  }
}
out <- if (length(rows)) do.call(rbind, rows) else
  data.frame(analysis = character(), method = character(), parameter = character(), value = character(), message = character())
write.csv(out, args[2], row.names = FALSE)
