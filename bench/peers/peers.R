# The R side of the peer benchmark (bench/peers/run.ts): fits R's forecast package (stlf, tbats,
# auto.arima with Fourier terms) and Prophet to the training windows the driver sends, and answers
# with each model's point forecast and the upper bound of its 80% prediction interval (the driver
# reads them as p50 and p90). Nothing is scored here: scoring is the driver's, with the scorer every
# other model in `augur backtest` goes through.
#
#   Rscript bench/peers/peers.R REQUEST.json     one JSON line per (model, window) on stdout
#
# REQUEST (written by bench/peers/exchange.ts): { step_s, horizon, level, timeout_s, models,
# windows: [{ id, start, values }] }; values are gap-free (cleaned by the driver), start is the Unix
# time of the first one. Each answer: { model, id, mean, upper, seconds } or { model, id, error,
# seconds }. A fit that takes longer than timeout_s seconds is stopped (setTimeLimit) and answered
# as an error; the driver also kills the whole process if it overruns, and counts what is missing.
suppressPackageStartupMessages({
  library(jsonlite)
  library(forecast)
})

args <- commandArgs(trailingOnly = TRUE)
req <- fromJSON(args[[1]], simplifyVector = TRUE)
H <- as.integer(req$horizon)
LEVEL <- as.numeric(req$level)
step <- as.numeric(req$step_s)

if ("prophet" %in% req$models) suppressPackageStartupMessages(library(prophet))

# The daily and weekly cycles, in steps, that the window holds at least twice (the two cycles
# Augur's candidates look for); none when it holds neither.
periods_of <- function(n) {
  p <- round(c(86400, 7 * 86400) / step)
  p[p >= 2 & n >= 2 * p]
}

series_of <- function(values) {
  p <- periods_of(length(values))
  if (length(p) == 0) ts(values, frequency = 1) else msts(values, seasonal.periods = p)
}

# Fourier terms: up to 5 harmonics per cycle (fewer where the cycle is short), fixed rather than
# searched by AICc, which would multiply the fits.
harmonics <- function(n) as.integer(pmin(5, floor(periods_of(n) / 2)))

fits <- list(
  stlf = function(values, start) {
    y <- series_of(values)
    f <- if (frequency(y) > 1) stlf(y, h = H, level = LEVEL) else forecast(ets(y), h = H, level = LEVEL)
    list(mean = as.numeric(f$mean), upper = as.numeric(f$upper[, 1]))
  },
  tbats = function(values, start) {
    f <- forecast(tbats(series_of(values), use.parallel = FALSE), h = H, level = LEVEL)
    list(mean = as.numeric(f$mean), upper = as.numeric(f$upper[, 1]))
  },
  "auto.arima+fourier" = function(values, start) {
    y <- series_of(values)
    if (frequency(y) <= 1) {
      f <- forecast(auto.arima(y), h = H, level = LEVEL)
    } else {
      K <- harmonics(length(values))
      fit <- auto.arima(y, xreg = fourier(y, K = K), seasonal = FALSE)
      f <- forecast(fit, xreg = fourier(y, K = K, h = H), level = LEVEL)
    }
    list(mean = as.numeric(f$mean), upper = as.numeric(f$upper[, 1]))
  },
  prophet = function(values, start) {
    set.seed(1) # its intervals come from simulated paths: the same answer on every run
    ds <- as.POSIXct(start + step * (seq_along(values) - 1), origin = "1970-01-01", tz = "UTC")
    m <- prophet(data.frame(ds = ds, y = values), interval.width = LEVEL / 100, yearly.seasonality = FALSE)
    future <- data.frame(ds = as.POSIXct(start + step * (length(values) - 1 + seq_len(H)), origin = "1970-01-01", tz = "UTC"))
    p <- predict(m, future)
    list(mean = as.numeric(p$yhat), upper = as.numeric(p$yhat_upper))
  }
)

windows <- req$windows
for (model in req$models) {
  for (i in seq_len(nrow(windows))) {
    id <- windows$id[[i]]
    t0 <- proc.time()[["elapsed"]]
    out <- tryCatch({
      setTimeLimit(elapsed = req$timeout_s, transient = TRUE)
      r <- fits[[model]](as.numeric(windows$values[[i]]), as.numeric(windows$start[[i]]))
      setTimeLimit(elapsed = Inf)
      if (length(r$mean) != H || length(r$upper) != H) stop(sprintf("returned %d/%d steps, not %d", length(r$mean), length(r$upper), H))
      r
    }, error = function(e) {
      setTimeLimit(elapsed = Inf)
      list(error = conditionMessage(e))
    })
    out$model <- model
    out$id <- id
    out$seconds <- proc.time()[["elapsed"]] - t0
    cat(toJSON(out, auto_unbox = TRUE, digits = NA, na = "null"), "\n", sep = "")
    flush(stdout())
  }
}
