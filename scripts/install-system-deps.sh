#!/usr/bin/env bash
# System dependencies that pip cannot provide: R with lme4, used to
# cross-check the GLMM estimator against lme4::glmer (tests and the
# engine_agreement pipeline stage). Idempotent; never fails the caller:
# without R those checks are skipped and say so.
set -u

have_lme4() {
    command -v Rscript >/dev/null 2>&1 &&
        Rscript -e 'quit(status = if (requireNamespace("lme4", quietly = TRUE)) 0 else 1)' >/dev/null 2>&1
}

if have_lme4; then
    echo "install-system-deps: Rscript with lme4 present."
    exit 0
fi

if [ "${EUID:-1}" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: installing r-cran-lme4 with apt-get ..."
    if apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends r-cran-lme4; then
        if have_lme4; then
            echo "install-system-deps: Rscript with lme4 installed."
            exit 0
        fi
    fi
    echo "install-system-deps: could not install r-cran-lme4; glmer cross-checks will be skipped." >&2
    exit 0
fi

echo "install-system-deps: Rscript with lme4 not found, and not root with apt-get to install it." >&2
echo "  Install R and lme4 (Debian/Ubuntu: sudo apt-get install r-cran-lme4) to run the glmer cross-checks;" >&2
echo "  without them those tests and the engine_agreement stage report 'skipped'." >&2
exit 0
