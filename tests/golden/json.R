# JSON writer for the golden-value scripts (R's base distribution has none): numbers with 17
# significant digits so the fixtures carry R's full double precision; NA and NaN become null,
# infinities the strings "Infinity"/"-Infinity". Sourced by every make_golden*.R script.
to_json <- function(x, indent = "") {
  inner <- paste0(indent, "  ")
  if (is.list(x)) {
    if (length(x) == 0) return("{}")
    if (is.null(names(x))) {
      items <- vapply(x, to_json, "", indent = inner)
      return(paste0("[\n", inner, paste(items, collapse = paste0(",\n", inner)), "\n", indent, "]"))
    }
    items <- vapply(names(x), function(n) paste0('"', n, '": ', to_json(x[[n]], inner)), "")
    return(paste0("{\n", inner, paste(items, collapse = paste0(",\n", inner)), "\n", indent, "}"))
  }
  scalar <- function(v) {
    if (is.na(v)) return("null")
    if (is.character(v)) return(paste0('"', v, '"'))
    if (is.logical(v)) return(if (v) "true" else "false")
    if (is.infinite(v)) return(if (v > 0) '"Infinity"' else '"-Infinity"')
    sprintf("%.17g", v)
  }
  values <- vapply(as.vector(x), scalar, "")
  if (length(values) == 1 && is.null(attr(x, "array"))) return(values)
  paste0("[", paste(values, collapse = ", "), "]")
}
as_array <- function(x) structure(as.vector(x), array = TRUE)
write_json <- function(x, name) {
  writeLines(to_json(x), file.path(here, paste0(name, ".json")))
  cat("wrote", file.path(here, paste0(name, ".json")), "\n")
}
