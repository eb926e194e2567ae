# Fit the project's GLMMs with lme4::glmer on the very cells the Python
# estimator used, so the two engines can be compared number by number.
#
# Usage: Rscript glmer_crosscheck.R spec.csv out.csv
#   spec.csv   fit_id, cells (that fit's cells CSV, beside spec.csv), n_fixed, n_groups, nagq
#   cells CSV  k, n, x0..x{n_fixed-1} (design columns), g0..g{n_groups-1} (grouping labels);
#              read one fit at a time, so memory follows the largest fit
#   out.csv    fit_id, kind (fixed|sd|info), index, estimate, se,
#              seconds, singular, message
# A fit with no grouping factor is fitted with glm() (what glmer reduces to).
suppressPackageStartupMessages(library(lme4))

args <- commandArgs(trailingOnly = TRUE)
if (length(args) != 2) stop("usage: glmer_crosscheck.R spec.csv out.csv")
spec <- read.csv(args[1], stringsAsFactors = FALSE, colClasses = c(fit_id = "character", cells = "character"))

fmt <- function(x) formatC(x, digits = 12, format = "g")
out <- list()
for (i in seq_len(nrow(spec))) {
  s <- spec[i, ]
  if (i > 1) { rm(d, m); invisible(gc()) }  # the previous fit's data and model, before reading the next
  xs <- paste0("x", seq_len(s$n_fixed) - 1)
  gs <- if (s$n_groups > 0) paste0("g", seq_len(s$n_groups) - 1) else character()
  d <- read.csv(file.path(dirname(args[1]), s$cells), stringsAsFactors = FALSE, colClasses = setNames(rep("character", length(gs)), gs))
  for (g in gs) d[[g]] <- factor(as.character(d[[g]]))
  rhs <- paste(c("0", xs, if (length(gs)) paste0("(1 | ", gs, ")")), collapse = " + ")
  f <- as.formula(paste("cbind(k, n - k) ~", rhs))
  msgs <- character()
  t0 <- proc.time()[["elapsed"]]
  m <- withCallingHandlers(
    tryCatch(
      if (length(gs)) glmer(f, data = d, family = binomial, nAGQ = s$nagq) else glm(f, data = d, family = binomial),
      error = function(e) e),
    warning = function(w) { msgs <<- c(msgs, conditionMessage(w)); invokeRestart("muffleWarning") },
    message = function(m) { msgs <<- c(msgs, conditionMessage(m)); invokeRestart("muffleMessage") })
  secs <- proc.time()[["elapsed"]] - t0
  if (inherits(m, "error")) {
    out[[length(out) + 1]] <- data.frame(fit_id = s$fit_id, kind = "info", index = 0, estimate = NA,
      se = NA, seconds = fmt(secs), singular = NA, message = paste("glmer error:", conditionMessage(m)))
    next
  }
  est <- if (length(gs)) fixef(m) else coef(m)
  se <- sqrt(diag(as.matrix(vcov(m))))
  sing <- if (length(gs)) isSingular(m) else FALSE
  msg <- gsub("[\r\n]+", " ", paste(unique(msgs), collapse = "; "))
  out[[length(out) + 1]] <- data.frame(fit_id = s$fit_id, kind = "fixed", index = seq_along(est) - 1,
    estimate = fmt(unname(est)), se = fmt(unname(se)), seconds = fmt(secs), singular = sing, message = msg)
  if (length(gs)) {
    vc <- as.data.frame(VarCorr(m))
    sds <- vc$sdcor[match(gs, vc$grp)]
    out[[length(out) + 1]] <- data.frame(fit_id = s$fit_id, kind = "sd", index = seq_along(gs) - 1,
      estimate = fmt(sds), se = NA, seconds = fmt(secs), singular = sing, message = msg)
  }
}
res <- if (length(out)) do.call(rbind, out) else data.frame(fit_id = character(), kind = character(),
  index = integer(), estimate = character(), se = character(), seconds = character(),
  singular = logical(), message = character())
write.csv(res, args[2], row.names = FALSE)
