#!/usr/bin/env Rscript
# Golden values for trialdesk's statistics library, computed with R's reference implementations
# (stats, survival, cmprsk) on the CSV files in tests/golden/data/. Run from the repository root
# with `make golden`; it rewrites tests/golden/*.json, which the test suite compares against.
# The test suite itself never needs R.

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

here <- "tests/golden"
data_dir <- file.path(here, "data")

# The JSON writer shared by the golden-value scripts.
source(file.path(here, "json.R"))

# ---- 2x2 tables -------------------------------------------------------------------------------
# Conditional maximum-likelihood odds ratio and its exact confidence limits, solved to 1e-12:
# fisher.test() reports the same quantities but stops uniroot() at its default tolerance
# (about 1e-4), which is too coarse for a 1e-6 comparison. Both are stored.
noncentral_hypergeometric <- function(x1, n1, x2, n2) {
  m <- x1 + x2
  support <- max(0, m - n2):min(n1, m)
  logdc <- dhyper(support, n1, n2, m, log = TRUE)
  density <- function(psi) {
    d <- logdc + log(psi) * support
    d <- exp(d - max(d))
    d / sum(d)
  }
  list(support = support, density = density)
}
conditional_or <- function(x1, n1, x2, n2, conf = 0.95) {
  h <- noncentral_hypergeometric(x1, n1, x2, n2)
  lo <- min(h$support)
  hi <- max(h$support)
  alpha <- (1 - conf) / 2
  tail_upper <- function(psi) sum(h$density(psi)[h$support >= x1]) # P(X >= x1)
  tail_lower <- function(psi) sum(h$density(psi)[h$support <= x1]) # P(X <= x1)
  mean_at <- function(psi) sum(h$support * h$density(psi))
  on_log <- function(f, target) {
    exp(uniroot(function(lp) f(exp(lp)) - target, c(-50, 50), tol = 1e-13)$root)
  }
  mle <- if (x1 == lo) 0 else if (x1 == hi) Inf else on_log(mean_at, x1)
  lower <- if (x1 == lo) 0 else on_log(tail_upper, alpha)
  upper <- if (x1 == hi) Inf else on_log(tail_lower, alpha)
  c(mle = mle, lower = lower, upper = upper)
}

wilson <- function(x, n) as.vector(suppressWarnings(prop.test(x, n, correct = FALSE))$conf.int)

tables <- list(
  c(56, 70, 48, 80), c(9, 10, 3, 10), c(6, 7, 2, 7), c(5, 56, 0, 29),
  c(0, 10, 0, 20), c(10, 10, 0, 20), c(40, 65, 28, 65), c(12, 30, 30, 31)
)
proportions <- lapply(tables, function(t) {
  x1 <- t[1]; n1 <- t[2]; x2 <- t[3]; n2 <- t[4]
  m <- matrix(c(x1, n1 - x1, x2, n2 - x2), nrow = 2, byrow = TRUE)
  pearson <- suppressWarnings(chisq.test(m, correct = FALSE))
  yates <- suppressWarnings(chisq.test(m, correct = TRUE))
  fisher <- fisher.test(m)
  exact <- conditional_or(x1, n1, x2, n2)
  # Newcombe's hybrid score interval (method 10) from R's own Wilson intervals
  p1 <- x1 / n1; p2 <- x2 / n2
  w1 <- wilson(x1, n1); w2 <- wilson(x2, n2)
  newcombe <- c(p1 - p2 - sqrt((p1 - w1[1])^2 + (w2[2] - p2)^2),
                p1 - p2 + sqrt((w1[2] - p1)^2 + (p2 - w2[1])^2))
  list(
    x1 = x1, n1 = n1, x2 = x2, n2 = n2,
    chi2 = unname(pearson$statistic), p_value_chi2 = pearson$p.value,
    chi2_yates = unname(yates$statistic), p_value_chi2_yates = yates$p.value,
    p_value_fisher = fisher$p.value,
    fisher_reported_estimate = unname(fisher$estimate),
    fisher_reported_ci = as_array(fisher$conf.int),
    conditional_mle = unname(exact["mle"]),
    odds_ratio_ci_exact = as_array(exact[c("lower", "upper")]),
    risk_difference_ci_newcombe = as_array(newcombe)
  )
})
write_json(proportions, "proportions")

# ---- stratified 2x2 tables and logistic regression -------------------------------------------
binary <- read.csv(file.path(data_dir, "binary.csv"))
strata_tables <- function(stratum) {
  levels <- sort(unique(stratum))
  x <- array(0, dim = c(2, 2, length(levels)))
  for (k in seq_along(levels)) {
    s <- binary[stratum == levels[k], ]
    x[1, 1, k] <- sum(s$arm == 1 & s$response == 1)
    x[1, 2, k] <- sum(s$arm == 1 & s$response == 0)
    x[2, 1, k] <- sum(s$arm == 0 & s$response == 1)
    x[2, 2, k] <- sum(s$arm == 0 & s$response == 0)
  }
  x
}
cmh <- function(x) {
  corrected <- mantelhaen.test(x, correct = TRUE)
  plain <- mantelhaen.test(x, correct = FALSE)
  list(
    tables = lapply(seq_len(dim(x)[3]), function(k) as_array(t(x[, , k]))),
    statistic = unname(plain$statistic), p_value = plain$p.value,
    statistic_corrected = unname(corrected$statistic), p_value_corrected = corrected$p.value,
    common_odds_ratio = unname(plain$estimate), common_odds_ratio_ci = as_array(plain$conf.int)
  )
}
logit <- glm(response ~ arm + factor(grade) + factor(site), family = binomial, data = binary,
             control = glm.control(epsilon = 1e-14, maxit = 100))
logit_table <- summary(logit)$coefficients
write_json(list(
  by_site = cmh(strata_tables(binary$site)),
  by_grade_and_site = cmh(strata_tables(binary$grade * 10 + binary$site)),
  logistic = list(
    terms = as.list(rownames(logit_table)),
    coef = as_array(logit_table[, 1]), se = as_array(logit_table[, 2]),
    p_value = as_array(logit_table[, 4])
  )
), "stratified")

# ---- survival: Kaplan-Meier, log-rank, Cox -----------------------------------------------------
rossi <- read.csv(file.path(data_dir, "rossi.csv"))
waltons <- read.csv(file.path(data_dir, "waltons.csv"))
cr <- read.csv(file.path(data_dir, "competing_risks.csv"))

km <- function(time, event, group) {
  fit <- survfit(Surv(time, event) ~ group, conf.type = "log-log")
  table <- summary(fit)$table
  groups <- sort(unique(group))
  lapply(seq_along(groups), function(g) {
    f <- fit[g]
    list(
      group = as.character(groups[g]),
      time = as_array(f$time), n_risk = as_array(f$n.risk), n_event = as_array(f$n.event),
      survival = as_array(f$surv), std_err = as_array(f$std.err),
      lower = as_array(f$lower), upper = as_array(f$upper),
      median = unname(table[g, "median"]),
      median_ci = as_array(table[g, c("0.95LCL", "0.95UCL")])
    )
  })
}
logrank <- function(formula, data) {
  d <- survdiff(formula, data = data)
  list(statistic = d$chisq, df = length(d$n) - 1,
       p_value = pchisq(d$chisq, length(d$n) - 1, lower.tail = FALSE),
       observed = as_array(if (is.matrix(d$obs)) rowSums(d$obs) else d$obs),
       expected = as_array(if (is.matrix(d$exp)) rowSums(d$exp) else d$exp))
}
cox <- function(formula, data, ties) {
  fit <- coxph(formula, data = data, ties = ties, control = coxph.control(eps = 1e-10, iter.max = 50))
  s <- summary(fit)
  list(terms = as.list(names(coef(fit))), ties = ties,
       coef = as_array(coef(fit)), se = as_array(sqrt(diag(vcov(fit)))),
       hazard_ratio = as_array(exp(coef(fit))),
       lower = as_array(s$conf.int[, "lower .95"]), upper = as_array(s$conf.int[, "upper .95"]),
       p_value = as_array(s$coefficients[, "Pr(>|z|)"]), loglik = fit$loglik[2])
}
write_json(list(
  km_waltons = km(waltons$T, waltons$E, waltons$group),
  km_rossi_fin = km(rossi$week, rossi$arrest, rossi$fin),
  km_cohort_arm = km(cr$time, cr$event, cr$arm),
  logrank_waltons = logrank(Surv(T, E) ~ group, waltons),
  logrank_rossi_fin = logrank(Surv(week, arrest) ~ fin, rossi),
  logrank_rossi_fin_by_wexp = logrank(Surv(week, arrest) ~ fin + strata(wexp), rossi),
  logrank_cohort_grade_by_site = logrank(Surv(time, event) ~ grade + strata(site), cr),
  cox_rossi = cox(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, rossi, "efron"),
  cox_rossi_breslow = cox(Surv(week, arrest) ~ fin + age + prio, rossi, "breslow"),
  cox_cohort = cox(Surv(time, event) ~ arm + age, cr, "efron")
), "survival")

# ---- competing risks: cuminc (Aalen-Johansen + Gray's test) and crr (Fine-Gray) ---------------
times <- c(0, 30, 61, 90, 180, 365, 700, 5000)
cif <- function(group, strata = NULL) {
  fit <- if (is.null(strata)) cuminc(cr$time, cr$status, group) else
    cuminc(cr$time, cr$status, group, strata)
  tp <- timepoints(fit, times)
  curves <- lapply(rownames(tp$est), function(name) {
    parts <- strsplit(name, " ")[[1]]
    list(group = parts[1], cause = as.numeric(parts[2]),
         estimate = as_array(tp$est[name, ]), variance = as_array(tp$var[name, ]))
  })
  tests <- fit$Tests
  list(times = as_array(times), curves = curves,
       tests = lapply(rownames(tests), function(cause) list(
         cause = as.numeric(cause), statistic = tests[cause, "stat"],
         p_value = tests[cause, "pv"], df = tests[cause, "df"])))
}
fine_gray <- function(cause) {
  fit <- crr(cr$time, cr$status, cov1 = cbind(arm = cr$arm, age = cr$age),
             failcode = cause, cencode = 0, gtol = 1e-10)
  list(cause = cause, terms = as.list(names(fit$coef)), coef = as_array(fit$coef),
       se = as_array(sqrt(diag(fit$var))), loglik = fit$loglik, converged = fit$converged)
}
write_json(list(
  cuminc_by_arm = cif(cr$arm),
  cuminc_by_grade_strata_site = cif(cr$grade, cr$site),
  crr_cause1 = fine_gray(1),
  crr_cause2 = fine_gray(2)
), "competing_risks")

# ---- edge cases: data shapes that once broke the library ----------------------------------------
# Small data sets written out with their results, so the tests read inputs and R's answers from
# one place: a common odds ratio of 0 or infinity, a log-rank group nobody is at risk in at any
# event time, a Kaplan-Meier curve lying on 0.5 until the last (censored) time, and a
# cumulative incidence cell (group x cause) without events.
mh_tables <- list(matrix(c(3, 0, 0, 4), 2, byrow = TRUE), matrix(c(2, 0, 1, 3), 2, byrow = TRUE))
mh_zero <- list(matrix(c(0, 3, 4, 0), 2, byrow = TRUE), matrix(c(0, 2, 3, 1), 2, byrow = TRUE))
mh_edge <- function(tables) {
  x <- array(unlist(lapply(tables, t)), dim = c(2, 2, length(tables)))
  plain <- mantelhaen.test(x, correct = FALSE)
  corrected <- mantelhaen.test(x, correct = TRUE)
  list(tables = lapply(tables, function(m) as_array(t(m))),
       statistic = unname(plain$statistic), p_value = plain$p.value,
       statistic_corrected = unname(corrected$statistic), p_value_corrected = corrected$p.value,
       common_odds_ratio = unname(plain$estimate), common_odds_ratio_ci = as_array(plain$conf.int))
}
lr <- data.frame(time = c(5, 6, 7, 8, 9, 10, 4, 6, 8, 11, 12, 13, 1, 2, 3),
                 status = c(1, 1, 0, 1, 1, 0, 1, 0, 1, 1, 0, 1, 0, 0, 0),
                 group = c(rep(1, 6), rep(2, 6), rep(3, 3)))
lr_fit <- survdiff(Surv(time, status) ~ group, data = lr)
lr_df <- sum(lr_fit$exp > 0) - 1
km <- data.frame(time = 1:8, status = c(1, 1, 1, 1, 0, 0, 0, 0))
km_median <- quantile(survfit(Surv(time, status) ~ 1, data = km, conf.type = "log-log"), 0.5)
ci_data <- data.frame(time = 1:10, status = c(1, 1, 2, 0, 1, 1, 0, 1, 0, 1),
                      group = c(rep(1, 5), rep(2, 5)))
ci_times <- c(2, 4, 6, 8)
ci_tp <- timepoints(cuminc(ci_data$time, ci_data$status, ci_data$group), ci_times)
write_json(list(
  mantel_haenszel_infinite = mh_edge(mh_tables),
  mantel_haenszel_zero = mh_edge(mh_zero),
  logrank_empty_group = list(time = as_array(lr$time), status = as_array(lr$status),
                             group = as_array(lr$group), statistic = lr_fit$chisq, df = lr_df,
                             p_value = pchisq(lr_fit$chisq, lr_df, lower.tail = FALSE)),
  km_plateau = list(time = as_array(km$time), status = as_array(km$status),
                    median = unname(km_median$quantile)),
  cuminc_empty_cell = list(
    time = as_array(ci_data$time), status = as_array(ci_data$status),
    group = as_array(ci_data$group), times = as_array(ci_times),
    curves = lapply(rownames(ci_tp$est), function(name) {
      parts <- strsplit(name, " ")[[1]]
      list(group = parts[1], cause = as.numeric(parts[2]),
           estimate = as_array(ci_tp$est[name, ]), variance = as_array(ci_tp$var[name, ]))
    }))
), "edges")
