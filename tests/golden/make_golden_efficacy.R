#!/usr/bin/env Rscript
# Golden values for the report's efficacy figures and tables (Cox hazard ratio with the log-rank
# test, Kaplan-Meier landmarks and numbers at risk, cumulative incidence with its pointwise
# band), computed with survival and cmprsk. The data sets are drawn here from a fixed seed and
# stored in the JSON with the results, so the tests need neither R nor a data file. Run from the
# repository root with `make golden`; it rewrites tests/golden/report_efficacy.json.

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

here <- "tests/golden"
# The JSON writer shared by the golden-value scripts.
source(file.path(here, "json.R"))

set.seed(20260315)

# ---- Overall survival: two arms, two strata, ties, censoring; arm B followed < 365 days -------
n <- 60
arm <- rep(c("A", "B"), each = n / 2)
stratum <- rep(c("s1", "s2"), times = n / 2)
rate <- ifelse(arm == "A", 1 / 400, 1 / 220) * ifelse(stratum == "s2", 1.5, 1)
event_time <- ceiling(rexp(n, rate))
follow_up <- ifelse(arm == "A", 420, 330)
censor_time <- pmin(ceiling(runif(n, 20, 500)), follow_up)
time <- pmin(event_time, censor_time)
event <- as.integer(event_time <= censor_time)
os <- data.frame(time = time, event = event, arm = arm, stratum = stratum)
os$treat <- as.integer(os$arm == "A")

cox_row <- function(fit) {
  s <- summary(fit)
  list(coef = unname(s$coefficients[1, "coef"]), se = unname(s$coefficients[1, "se(coef)"]),
       hazard_ratio = unname(s$conf.int[1, "exp(coef)"]),
       lower = unname(s$conf.int[1, "lower .95"]), upper = unname(s$conf.int[1, "upper .95"]),
       p = unname(s$coefficients[1, "Pr(>|z|)"]))
}
stratified_cox <- cox_row(coxph(Surv(time, event) ~ treat + strata(stratum), data = os,
                                ties = "efron"))
plain_cox <- cox_row(coxph(Surv(time, event) ~ treat, data = os, ties = "efron"))
lr_strat <- survdiff(Surv(time, event) ~ arm + strata(stratum), data = os)
lr_plain <- survdiff(Surv(time, event) ~ arm, data = os)
logrank <- function(x) list(statistic = unname(x$chisq),
                            p = pchisq(x$chisq, length(x$n) - 1, lower.tail = FALSE))

landmark_days <- c(90, 180, 365)
grid_days <- c(0, 60, 120, 180, 240, 300, 360, 420)
per_arm <- list()
for (a in c("A", "B")) {
  d <- os[os$arm == a, ]
  fit <- survfit(Surv(time, event) ~ 1, data = d, conf.type = "log-log")
  s <- summary(fit, times = landmark_days, extend = FALSE)  # rows only where followed
  risk <- summary(fit, times = grid_days, extend = TRUE)
  per_arm[[a]] <- list(
    landmark_times = as_array(s$time), survival = as_array(s$surv),
    lower = as_array(s$lower), upper = as_array(s$upper), n_risk = as_array(s$n.risk),
    grid_days = as_array(grid_days), grid_n_risk = as_array(risk$n.risk),
    censor_times = as_array(sort(unique(d$time[d$event == 0]))),
    max_time = max(d$time)
  )
}

# ---- Cumulative incidence of cause 1, cause 2 competing: estimate, variance and band ---------
m <- 80
group <- rep(c("A", "B"), each = m / 2)
t1 <- ceiling(rexp(m, ifelse(group == "A", 1 / 30, 1 / 45)))
t2 <- ceiling(rexp(m, 1 / 90))
tc <- ceiling(runif(m, 10, 120))
ctime <- pmin(t1, t2, tc)
cstatus <- ifelse(ctime == t1 & t1 <= tc, 1L, ifelse(ctime == t2 & t2 <= tc, 2L, 0L))
fit <- cuminc(ctime, cstatus, group)
points <- c(7, 14, 29, 57, 100)
tp <- timepoints(fit, points)
z <- qnorm(0.975)
band <- function(est, var) {
  # log(-log) interval of the cumulative incidence (as tidycmprsk reports it)
  scale <- exp(z * sqrt(var) / (est * log(est)))
  list(lower = pmin(est^scale, est^(1 / scale)), upper = pmax(est^scale, est^(1 / scale)))
}
cif <- list()
for (g in c("A", "B")) {
  key <- paste(g, 1)
  est <- tp$est[key, ]
  var <- tp$var[key, ]
  b <- band(est, var)
  cif[[g]] <- list(times = as_array(points), estimate = as_array(est), variance = as_array(var),
                   lower = as_array(b$lower), upper = as_array(b$upper),
                   grid_days = as_array(c(0, 30, 60, 90)),
                   grid_n_risk = as_array(sapply(c(0, 30, 60, 90),
                                                 function(d) sum(ctime[group == g] >= d))))
}

write_json(list(
  os = list(time = as_array(os$time), event = as_array(os$event), arm = as_array(os$arm),
            stratum = as_array(os$stratum)),
  cox_stratified = stratified_cox, cox_unstratified = plain_cox,
  logrank_stratified = logrank(lr_strat), logrank_unstratified = logrank(lr_plain),
  landmarks = per_arm,
  competing = list(time = as_array(ctime), status = as_array(cstatus), group = as_array(group)),
  cif = cif,
  gray_test = list(statistic = unname(fit$Tests[1, "stat"]), p = unname(fit$Tests[1, "pv"]))
), "report_efficacy")
