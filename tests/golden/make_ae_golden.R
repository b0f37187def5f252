#!/usr/bin/env Rscript
# Golden values for the adverse-event table by system organ class and CTCAE term (trialdesk
# stats/reports/ae_tables.py): patients by worst grade per arm, events, and Fisher's exact test
# (stats::fisher.test) on the patients with each term. Writes a seeded data set
# (tests/golden/data/ae_events.csv, ae_subjects.csv) and tests/golden/ae_tables.json.
# Run from the repository root with `make golden`; the test suite never needs R.

here <- "tests/golden"
set.seed(20261206)

subjects <- data.frame(subject = 1:60, arm = rep(c("A", "B"), each = 30))
catalogue <- data.frame(
  decoded = c("Sepsis", "Lung infection", "Febrile neutropenia", "Diarrhea",
              "Gastrointestinal disorders - Other, specify", "Platelet count decreased", "Rash"),
  verbatim = c("Sepsis", "Lung infection", "Febrile neutropenia", "Diarrhea", "Hiccup attacks",
               "Platelet count decreased", "Rash"),
  soc = c("Infections and infestations", "Infections and infestations",
          "Blood and lymphatic system disorders", "Gastrointestinal disorders",
          "Gastrointestinal disorders", "Investigations", ""),
  stringsAsFactors = FALSE
)
rows <- list()
for (s in subjects$subject) {
  # Arm A has more infections, so some Fisher tests are far from 1.
  n <- rpois(1, if (subjects$arm[s] == "A") 1.8 else 1.2)
  for (k in seq_len(n)) {
    weights <- if (subjects$arm[s] == "A") c(3, 3, 2, 2, 1, 2, 1) else c(1, 1, 2, 2, 1, 2, 1)
    pick <- sample.int(nrow(catalogue), 1, prob = weights)
    grade <- sample.int(5, 1, prob = c(0.35, 0.3, 0.2, 0.1, 0.05))
    rows[[length(rows) + 1]] <- data.frame(subject = s, catalogue[pick, ], grade = grade)
  }
}
events <- do.call(rbind, rows)
write.csv(subjects, file.path(here, "data", "ae_subjects.csv"), row.names = FALSE)
write.csv(events, file.path(here, "data", "ae_events.csv"), row.names = FALSE)

label_of <- function(decoded, verbatim) {
  ifelse(grepl(" - Other, specify$", decoded), paste0("Other, specify: ", verbatim), decoded)
}
events$soc_label <- ifelse(events$soc == "", "Not coded", events$soc)
events$term_label <- label_of(events$decoded, events$verbatim)

counts <- function(rows_of) {
  out <- c()
  patients <- c()
  for (arm in c("A", "B")) {
    members <- subjects$subject[subjects$arm == arm]
    mine <- rows_of[rows_of$subject %in% members, ]
    worst <- if (nrow(mine)) tapply(mine$grade, mine$subject, max) else numeric(0)
    out <- c(out, length(worst), sum(worst >= 3 & worst <= 4), sum(worst == 5), nrow(mine))
    patients <- c(patients, length(worst))
  }
  table <- matrix(c(patients[1], 30 - patients[1], patients[2], 30 - patients[2]), 2, byrow = TRUE)
  list(counts = out, p_fisher = fisher.test(table)$p.value)
}

result <- list()
socs <- unique(events$soc_label)
socs <- socs[order(socs == "Not coded", tolower(socs))]
for (soc in socs) {
  in_soc <- events[events$soc_label == soc, ]
  result[[length(result) + 1]] <- c(list(label = soc, level = "soc"), counts(in_soc))
  patients <- tapply(in_soc$subject, in_soc$term_label, function(x) length(unique(x)))
  terms <- names(patients)[order(-patients, tolower(names(patients)))]
  for (term in terms) {
    result[[length(result) + 1]] <- c(list(label = term, level = "term"),
                                      counts(in_soc[in_soc$term_label == term, ]))
  }
}

# A small JSON writer (base R has none): 17 significant digits keep R's full precision.
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.list(x) && is.null(names(x))) {
    items <- vapply(x, to_json, "", indent = inner)
    return(paste0("[\n", inner, paste(items, collapse = paste0(",\n", inner)), "\n", indent, "]"))
  }
  if (is.list(x)) {
    items <- vapply(names(x), function(n) paste0('"', n, '": ', to_json(x[[n]], inner)), "")
    return(paste0("{\n", inner, paste(items, collapse = paste0(",\n", inner)), "\n", indent, "}"))
  }
  scalar <- function(v) if (is.character(v)) paste0('"', v, '"') else trimws(formatC(v, digits = 17, format = "g"))
  if (length(x) == 1 && !is.numeric(x)) return(scalar(x))
  if (length(x) == 1 && is.double(x)) return(scalar(x))
  paste0("[", paste(vapply(x, scalar, ""), collapse = ", "), "]")
}
writeLines(to_json(list(n = c(30, 30), rows = result)), file.path(here, "ae_tables.json"))
