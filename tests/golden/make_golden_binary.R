#!/usr/bin/env Rscript
# Golden values for the stratified binary methods R 4.2 has no function for: the Breslow-Day test
# (with Tarone's correction), the Mantel-Haenszel risk difference with Sato's variance, the
# stratified Newcombe (Yan & Su 2010) and stratified Miettinen-Nurminen score intervals, and the
# behaviour of glm() under quasi-complete separation. Each method is written here from its
# published formula, independently of the Python code (different root finders, the restricted
# maximum-likelihood estimates found by numerical maximisation instead of the closed form).
# Run from the repository root (`make golden`); writes tests/golden/binary_methods.json.

here <- "tests/golden"
binary <- read.csv(file.path(here, "data", "binary.csv"))

# The JSON writer shared by the golden-value scripts.
source(file.path(here, "json.R"))

# Tables as a list of c(a, b, c, d): rows the groups, columns response yes / no.
strata_tables <- function(stratum) {
  lapply(sort(unique(stratum)), function(level) {
    s <- binary[stratum == level, ]
    c(sum(s$arm == 1 & s$response == 1), sum(s$arm == 1 & s$response == 0),
      sum(s$arm == 0 & s$response == 1), sum(s$arm == 0 & s$response == 0))
  })
}
cells <- function(tables) {
  m <- do.call(rbind, tables)
  list(a = m[, 1], b = m[, 2], c = m[, 3], d = m[, 4])
}

# ---- Breslow-Day with Tarone's correction --------------------------------------------------------
# Breslow & Day (1980) pp. 142-143; Tarone (1985). The fitted cell solves
# A (n2 - m1 + A) = psi (n1 - A)(m1 - A) inside its range; here with uniroot on that equation
# (the Python code takes the quadratic's root).
breslow_day <- function(tables) {
  x <- cells(tables)
  n1 <- x$a + x$b; n2 <- x$c + x$d; m1 <- x$a + x$c; n <- n1 + n2
  psi <- sum(x$a * x$d / n) / sum(x$b * x$c / n)
  fitted <- mapply(function(n1, n2, m1) {
    lo <- max(0, m1 - n2); hi <- min(n1, m1)
    f <- function(A) A * (n2 - m1 + A) - psi * (n1 - A) * (m1 - A)
    uniroot(f, c(lo, hi), tol = 1e-14)$root
  }, n1, n2, m1)
  variance <- 1 / (1 / fitted + 1 / (n1 - fitted) + 1 / (m1 - fitted) + 1 / (n2 - m1 + fitted))
  statistic <- sum((x$a - fitted)^2 / variance)
  tarone <- statistic - (sum(x$a) - sum(fitted))^2 / sum(variance)
  df <- length(tables) - 1
  list(tables = lapply(tables, as_array), common_odds_ratio = psi,
       expected = as_array(fitted), statistic = statistic, df = df,
       p_value = pchisq(statistic, df, lower.tail = FALSE),
       statistic_tarone = tarone, p_value_tarone = pchisq(tarone, df, lower.tail = FALSE))
}

# ---- stratified risk difference -----------------------------------------------------------------
# Restricted MLE of (p1, p2) under p1 - p2 = delta, by maximising the binomial log-likelihood
# over p2 numerically (Miettinen & Nurminen 1985 give the closed form the Python code uses).
restricted <- function(x1, n1, x2, n2, delta) {
  lo <- max(0, -delta); hi <- min(1, 1 - delta)
  loglik <- function(p2) {
    p1 <- p2 + delta
    sum(c(x1 * log(p1), (n1 - x1) * log(1 - p1), x2 * log(p2), (n2 - x2) * log(1 - p2))[
      c(x1, n1 - x1, x2, n2 - x2) > 0])
  }
  p2 <- optimize(loglik, c(lo, hi), maximum = TRUE, tol = 1e-15)$maximum
  c(p2 + delta, p2)
}
wilson_z <- function(x, n, z) {
  centre <- (x + z^2 / 2) / (n + z^2)
  half <- z * sqrt(x * (n - x) / n + z^2 / 4) / (n + z^2)
  cbind(pmax(0, centre - half), pmin(1, centre + half))
}
risk_difference <- function(tables, conf = 0.95) {
  x <- cells(tables)
  n1 <- x$a + x$b; n2 <- x$c + x$d; n <- n1 + n2
  z <- qnorm(1 - (1 - conf) / 2)
  raw <- n1 * n2 / n
  w <- raw / sum(raw)
  p1 <- x$a / n1; p2 <- x$c / n2
  d <- sum(w * (p1 - p2))
  # Sato (1989): Var = (d sum P + sum Q) / (sum n1 n2 / N)^2.
  P <- (n1^2 * x$c - n2^2 * x$a + n1 * n2 * (n2 - n1) / 2) / n^2
  Q <- (x$a * (n2 - x$c) + x$c * (n1 - x$a)) / (2 * n)
  se <- sqrt((d * sum(P) + sum(Q)) / sum(raw)^2)
  # Yan & Su (2010): stratum Wilson limits at z* = z sqrt(sum w^2 V) / sum w sqrt(V), averaged.
  strat_wilson <- function(y, m) {
    p <- y / m; v <- p * (1 - p) / m
    zs <- if (sum(w * sqrt(v)) > 0) z * sqrt(sum(w^2 * v)) / sum(w * sqrt(v)) else z
    lim <- wilson_z(y, m, zs)
    c(sum(w * p), sum(w * lim[, 1]), sum(w * lim[, 2]))
  }
  g1 <- strat_wilson(x$a, n1); g2 <- strat_wilson(x$c, n2)
  newcombe <- c(d - sqrt((g1[1] - g1[2])^2 + (g2[3] - g2[1])^2),
                d + sqrt((g1[3] - g1[1])^2 + (g2[1] - g2[2])^2))
  # Stratified Miettinen-Nurminen score interval with the CMH weights:
  # (d - delta)^2 = z^2 sum w^2 V(delta), V with the N/(N-1) factor.
  excess <- function(delta) {
    v <- sum(vapply(seq_along(w), function(k) {
      t <- restricted(x$a[k], n1[k], x$c[k], n2[k], delta)
      w[k]^2 * (t[1] * (1 - t[1]) / n1[k] + t[2] * (1 - t[2]) / n2[k]) * n[k] / (n[k] - 1)
    }, 0))
    (d - delta)^2 - z^2 * v
  }
  edge <- 1 - 1e-12
  lower <- if (excess(-edge) <= 0) -1 else uniroot(excess, c(-edge, d), tol = 1e-14)$root
  upper <- if (excess(edge) <= 0) 1 else uniroot(excess, c(d, edge), tol = 1e-14)$root
  list(tables = lapply(tables, as_array), weights = as_array(w),
       proportions = as_array(c(g1[1], g2[1])), risk_difference = d, se_sato = se,
       ci_sato = as_array(d + c(-1, 1) * z * se), p_value_sato = 2 * pnorm(-abs(d) / se),
       ci_newcombe = as_array(newcombe), ci_mn = as_array(c(lower, upper)))
}

# ---- data sets ----------------------------------------------------------------------------------
# UC Berkeley admissions (R's datasets): rows gender (Male, Female), columns admitted yes / no,
# one table per department. Published: Breslow-Day X^2 = 18.83 on 5 df (DescTools
# BreslowDayTest(UCBAdmissions), not installed here; the value is quoted in its help page).
ucb <- lapply(1:6, function(k) as.vector(t(UCBAdmissions[, , k])))
# A stratum with one group absent and one where everybody responded: the Breslow-Day test uses
# strata 1-2 only, the risk difference strata 1, 2 and 4 (stratum 3 has weight 0).
zero_margins <- list(c(3, 2, 1, 4), c(2, 3, 2, 2), c(0, 0, 3, 2), c(4, 0, 3, 0))
# Every stratum on the boundary (common odds ratio infinite, every risk difference positive).
boundary <- list(c(3, 0, 0, 4), c(2, 0, 1, 3))
# One stratum: the stratified intervals are Newcombe's (1998, Table II, example a: 56/70 vs
# 48/80; method 10 printed 0.0524 to 0.3339, method 6 (MN) 0.0528 to 0.3382).
newcombe_example <- list(c(56, 14, 48, 32))

# ---- logistic regression under quasi-complete separation ----------------------------------------
# Nobody responded in stratum 1 and arm B (arm = 0) has no responder in stratum 2: the
# treatment term has no finite maximum-likelihood estimate. glm() warns and stops with a huge
# coefficient and a standard error in the thousands.
quasi <- data.frame(
  response = c(0, 0, 0, 0, 0, 0, 0, 0,  1, 1, 0, 0, 0, 0, 0, 0),
  arm      = c(1, 1, 1, 1, 0, 0, 0, 0,  1, 1, 1, 1, 0, 0, 0, 0),
  stratum  = c(rep(1, 8), rep(2, 8)))
quasi_fit <- suppressWarnings(glm(response ~ arm + factor(stratum), family = binomial,
                                  data = quasi, control = glm.control(epsilon = 1e-14, maxit = 100)))
quasi_table <- summary(quasi_fit)$coefficients
# Stratum b with no responder at all: only its own term diverges; the treatment term equals the
# fit on stratum a alone (log OR = log 2).
estimable <- data.frame(
  response = c(1, 0, 1, 0, 1, 1, 0, 0, 0, 0, 0, 0, 0, 0),
  arm      = c(1, 1, 1, 0, 0, 0, 0, 1, 1, 1, 0, 0, 0, 1),
  stratum  = c(rep("a", 7), rep("b", 7)))
estimable_fit <- glm(response ~ arm, family = binomial, data = estimable[estimable$stratum == "a", ],
                     control = glm.control(epsilon = 1e-14, maxit = 100))

writeLines(to_json(list(
  breslow_day = list(
    ucb_admissions = c(breslow_day(ucb), list(published_statistic = 18.83)),
    binary_by_site = breslow_day(strata_tables(binary$site)),
    binary_by_grade_and_site = breslow_day(strata_tables(binary$grade * 10 + binary$site)),
    zero_margins = c(list(all_tables = lapply(zero_margins, as_array), strata_used = as_array(1:2)),
                     breslow_day(zero_margins[1:2]))
  ),
  risk_difference = list(
    ucb_admissions = risk_difference(ucb),
    binary_by_site = risk_difference(strata_tables(binary$site)),
    binary_by_grade_and_site = risk_difference(strata_tables(binary$grade * 10 + binary$site)),
    zero_margins = c(list(all_tables = lapply(zero_margins, as_array),
                          strata_used = as_array(c(1, 2, 4))),
                     risk_difference(zero_margins[c(1, 2, 4)])),
    boundary = risk_difference(boundary),
    newcombe_example = c(risk_difference(newcombe_example),
                         list(published_newcombe = as_array(c(0.0524, 0.3339)),
                              published_mn = as_array(c(0.0528, 0.3382))))
  ),
  logistic_quasi_separation = list(
    data = list(response = as_array(quasi$response), arm = as_array(quasi$arm),
                stratum = as_array(quasi$stratum)),
    glm_terms = as.list(rownames(quasi_table)), glm_coef = as_array(quasi_table[, 1]),
    glm_se = as_array(quasi_table[, 2]), glm_converged = quasi_fit$converged
  ),
  logistic_stratum_without_responders = list(
    data = list(response = as_array(estimable$response), arm = as_array(estimable$arm),
                stratum = as.list(estimable$stratum)),
    arm_coef = unname(coef(estimable_fit)["arm"]),
    arm_se = unname(sqrt(diag(vcov(estimable_fit)))["arm"])
  )
)), file.path(here, "binary_methods.json"))
cat("wrote", file.path(here, "binary_methods.json"), "\n")
