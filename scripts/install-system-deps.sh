#!/usr/bin/env bash
# System packages some tests use: R with lme4 (the reference GLMM implementation).
# Idempotent; never fatal: without R the cross-check tests skip with a reason.
set -uo pipefail
if command -v Rscript >/dev/null 2>&1 && Rscript -e 'library(lme4)' >/dev/null 2>&1; then
  echo "install-system-deps: R with lme4 present"
  exit 0
fi
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "install-system-deps: installing r-cran-lme4 from Debian packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq && apt-get install -y -qq --no-install-recommends r-cran-lme4 >/dev/null \
    || echo "install-system-deps: apt-get failed; R cross-checks will be skipped"
else
  echo "install-system-deps: not root or no apt-get; install R + lme4 yourself to run the R cross-checks"
fi
exit 0
