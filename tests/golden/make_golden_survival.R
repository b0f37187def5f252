#!/usr/bin/env Rscript
# Golden values for trialdesk's survival methods beyond the basics (tests/golden/
# survival_methods.json): Cox global tests, ties and strata, Cox and Fine-Gray estimability
# (separation, collinearity), landmark survival, restricted mean survival time and
# cumulative-incidence intervals. Reads tests/golden/data/ (make_data.py and
# make_data_survival.py write it). Run from the repository root with `make golden`.

suppressPackageStartupMessages({
  library(survival)
  library(cmprsk)
})

here <- "tests/golden"
data_dir <- file.path(here, "data")
source(file.path(here, "json.R"))

rossi <- read.csv(file.path(data_dir, "rossi.csv"))
cr <- read.csv(file.path(data_dir, "competing_risks.csv"))
separated <- read.csv(file.path(data_dir, "separated.csv"))
collinear <- read.csv(file.path(data_dir, "collinear.csv"))
short <- read.csv(file.path(data_dir, "short_follow_up.csv"))

# ---- Cox: coefficients and the three global tests of summary(coxph) --------------------------
# The warnings coxph gives (an infinite coefficient, a singular X matrix) are kept as text.
cox <- function(formula, data, ties) {
  warnings <- character(0)
  fit <- withCallingHandlers(
    coxph(formula, data = data, ties = ties, control = coxph.control(eps = 1e-10, iter.max = 50)),
    warning = function(w) {
      warnings <<- c(warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  s <- summary(fit)
  test <- function(t) list(statistic = unname(t["test"]), df = unname(t["df"]),
                           p_value = unname(t["pvalue"]))
  list(terms = as.list(names(coef(fit))), ties = ties,
       coef = as_array(coef(fit)), se = as_array(sqrt(diag(fit$var))[match(names(coef(fit)),
         names(coef(fit))[!is.na(coef(fit))])]),
       p_value = as_array(s$coefficients[, "Pr(>|z|)"]),
       loglik = as_array(fit$loglik),
       likelihood_ratio = test(s$logtest), wald = test(c(test = fit$wald.test, df = unname(s$waldtest["df"]),
         pvalue = pchisq(fit$wald.test, unname(s$waldtest["df"]), lower.tail = FALSE))),
       score = test(c(test = fit$score, df = unname(s$sctest["df"]),
         pvalue = pchisq(fit$score, unname(s$sctest["df"]), lower.tail = FALSE))),
       warnings = as.list(warnings))
}

# ---- Fine-Gray with every cause-1 failure in one arm -----------------------------------------
crr_separated <- function() {
  warnings <- character(0)
  fit <- withCallingHandlers(
    crr(separated$time, separated$status, cov1 = cbind(arm = separated$arm, age = separated$age),
        failcode = 1, cencode = 0, gtol = 1e-10),
    warning = function(w) {
      warnings <<- c(warnings, conditionMessage(w))
      invokeRestart("muffleWarning")
    }
  )
  list(terms = as.list(names(fit$coef)), coef = as_array(fit$coef), converged = fit$converged,
       loglik = fit$loglik, warnings = as.list(warnings))
}

# ---- Kaplan-Meier at landmark days (log-log interval, as trialdesk's KaplanMeier) ------------
# summary(times = ...) leaves out a day beyond a group's follow-up: those days are absent here.
landmark <- function(time, event, group, days) {
  fit <- survfit(Surv(time, event) ~ group, conf.type = "log-log")
  groups <- sort(unique(group))
  lapply(seq_along(groups), function(g) {
    s <- summary(fit[g], times = days)
    list(group = as.character(groups[g]), days = as_array(days), time = as_array(s$time),
         n_risk = as_array(s$n.risk), survival = as_array(s$surv),
         std_err = as_array(s$std.err), lower = as_array(s$lower), upper = as_array(s$upper),
         last_follow_up = max(time[group == groups[g]]))
  })
}

# ---- RMST: print(survfit, rmean = tau), and the difference of two independent groups ---------
restricted_mean <- function(time, event, group, tau) {
  fit <- survfit(Surv(time, event) ~ group)
  table <- summary(fit, rmean = tau)$table
  rmean <- unname(table[, "rmean"])
  se <- unname(table[, "se(rmean)"])
  difference <- rmean[2] - rmean[1]
  se_difference <- sqrt(se[1]^2 + se[2]^2)
  z <- difference / se_difference
  list(tau = tau, groups = as.list(as.character(sort(unique(group)))),
       rmst = as_array(rmean), se = as_array(se),
       difference = difference, se_difference = se_difference,
       ci_difference = as_array(difference + c(-1, 1) * qnorm(0.975) * se_difference),
       p_value = 2 * pnorm(-abs(z)))
}

# ---- cumulative incidence with log(-log) pointwise intervals from cuminc's variance ----------
cif_intervals <- function(days) {
  tp <- timepoints(cuminc(cr$time, cr$status, cr$arm), days)
  lapply(rownames(tp$est), function(name) {
    parts <- strsplit(name, " ")[[1]]
    f <- tp$est[name, ]
    v <- tp$var[name, ]
    spread <- qnorm(0.975) * sqrt(v) / (f * log(f))
    list(group = parts[1], cause = as.numeric(parts[2]), times = as_array(days),
         estimate = as_array(f), variance = as_array(v),
         lower = as_array(f^exp(-spread)), upper = as_array(f^exp(spread)))
  })
}

write_json(list(
  cox_rossi_efron = cox(Surv(week, arrest) ~ fin + age + race + wexp + mar + paro + prio, rossi,
                        "efron"),
  cox_rossi_breslow = cox(Surv(week, arrest) ~ fin + age + prio, rossi, "breslow"),
  cox_cohort_strata_efron = cox(Surv(time, event) ~ arm + age + strata(site, grade), cr, "efron"),
  cox_cohort_strata_breslow = cox(Surv(time, event) ~ arm + age + strata(site), cr, "breslow"),
  cox_separated = cox(Surv(time, event) ~ arm + age, separated, "efron"),
  cox_separated_strata = cox(Surv(time, event) ~ arm + age + strata(site), separated, "breslow"),
  cox_collinear = cox(Surv(time, event) ~ arm + age + total, collinear, "efron"),
  crr_separated = crr_separated(),
  landmark_short = landmark(short$time, short$event, short$arm, c(90, 180, 365)),
  landmark_cohort = landmark(cr$time, cr$event, cr$arm, c(90, 180, 365)),
  rmst_short = restricted_mean(short$time, short$event, short$arm, 250),
  rmst_cohort = restricted_mean(cr$time, cr$event, cr$arm, 365),
  cuminc_intervals = cif_intervals(c(30, 90, 180, 365, 700))
), "survival_methods")
