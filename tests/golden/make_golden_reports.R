#!/usr/bin/env Rscript
# Golden values for the report's per-arm intervals and the tipping-point analysis: R's
# binom.test (Clopper-Pearson) and prop.test(correct = FALSE) (Wilson limits for one
# proportion, Pearson chi-square p for two). Run from the repository root with `make golden`;
# it rewrites tests/golden/reports.json. The test suite itself never needs R.

here <- "tests/golden"

num <- function(v) {
  if (is.na(v)) return("null")
  sprintf("%.17g", v)
}
array <- function(v) paste0("[", paste(vapply(v, num, ""), collapse = ", "), "]")

# ---- one proportion: x of n, at 95 % and 90 % --------------------------------------------------
cases <- list(c(0, 10), c(1, 10), c(5, 10), c(10, 10), c(3, 7), c(28, 65), c(41, 65),
              c(0, 1), c(1, 1), c(17, 130), c(64, 65))
single <- character(0)
for (case in cases) {
  for (alpha in c(0.05, 0.10)) {
    level <- 1 - alpha
    x <- case[1]; n <- case[2]
    exact <- binom.test(x, n, conf.level = level)$conf.int
    wilson <- suppressWarnings(prop.test(x, n, correct = FALSE, conf.level = level))$conf.int
    single <- c(single, sprintf(
      '{"x": %d, "n": %d, "alpha": %s, "clopper_pearson": %s, "wilson": %s}',
      as.integer(x), as.integer(n), num(alpha), array(exact), array(wilson)))
  }
}

# ---- tipping point: every imputation of responders among the missing of each arm ----------
# Arm 1: 20 observed responders of 65 with 6 missing; arm 2: 14 of 65 with 4 missing (the
# missing are not counted in the responders). p from prop.test(correct = FALSE); NA when a
# margin is empty.
tipping <- function(x1, n1, m1, x2, n2, m2) {
  rows <- character(0)
  for (k1 in 0:m1) {
    for (k2 in 0:m2) {
      a <- x1 + k1; c <- x2 + k2
      p <- if (a + c == 0 || a + c == n1 + n2) NA else
        suppressWarnings(prop.test(c(a, c), c(n1, n2), correct = FALSE)$p.value)
      rows <- c(rows, sprintf('{"k1": %d, "k2": %d, "difference": %s, "p": %s}',
                              k1, k2, num(a / n1 - c / n2), num(p)))
    }
  }
  sprintf('{"x1": %d, "n1": %d, "m1": %d, "x2": %d, "n2": %d, "m2": %d, "cells": [\n    %s\n  ]}',
          x1, n1, m1, x2, n2, m2, paste(rows, collapse = ",\n    "))
}

out <- paste0(
  '{\n  "proportion_intervals": [\n    ', paste(single, collapse = ",\n    "), '\n  ],\n',
  '  "tipping_point": [\n  ', tipping(20L, 65L, 6L, 14L, 65L, 4L), ',\n  ',
  tipping(0L, 5L, 2L, 3L, 5L, 2L), ',\n  ', tipping(0L, 3L, 1L, 0L, 3L, 1L), '\n  ]\n}')
writeLines(out, file.path(here, "reports.json"))
cat("wrote", file.path(here, "reports.json"), "\n")
