#!/usr/bin/env bash
# System dependencies that pip cannot provide, each used as an independent
# reference in the tests and the pipeline's cross-checks:
#   - R with lme4 (r-cran-lme4): the GLMM estimator and the power simulation
#     against lme4::glmer;
#   - R with metafor (r-cran-metafor): the cross-study meta-analysis against
#     metafor::rma / rma.glmm;
#   - Chromium (chromium, chromium-driver): the reviewer's page loaded in a
#     real headless browser.
# Idempotent; never fails the caller: without one of them the checks that
# need it are skipped and say so.
set -u

have_r_package() {
    command -v Rscript >/dev/null 2>&1 &&
        Rscript -e "quit(status = if (requireNamespace('$1', quietly = TRUE)) 0 else 1)" >/dev/null 2>&1
}

have_chromium() {
    command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1
}

missing=()
have_r_package lme4 || missing+=(r-cran-lme4)
have_r_package metafor || missing+=(r-cran-metafor)
have_chromium || missing+=(chromium chromium-driver)

if [ "${#missing[@]}" -eq 0 ]; then
    echo "install-system-deps: R with lme4 and metafor, and Chromium with its driver, present."
    exit 0
fi

if [ "${EUID:-1}" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
    echo "install-system-deps: installing ${missing[*]} with apt-get ..."
    if apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}"; then
        echo "install-system-deps: installed ${missing[*]}."
        exit 0
    fi
    echo "install-system-deps: could not install ${missing[*]}; the checks that need them will be skipped." >&2
    exit 0
fi

echo "install-system-deps: missing ${missing[*]}, and not root with apt-get to install them." >&2
echo "  Debian/Ubuntu: sudo apt-get install ${missing[*]}" >&2
echo "  Without them the lme4, metafor and browser checks report 'skipped'." >&2
exit 0
