# The end-of-run summary: record accounting per source, source warnings, fit
# problems and failed claims, in one short file that the Snakefile prints when
# a run ends, with a line on what changed since the baseline.


rule run_summary:
    input:
        ingest=f"{PROCESSED}/ingest_summary.json",
        fits=f"{PROCESSED}/models/fits.csv",
        claims=f"{PAPER}/claims.json",
        changes=rules.changes.output.json,
    output:
        summary=report(f"{PROCESSED}/run_summary.md", caption="../report/run_summary.rst", category="Run"),
    params:
        absent=sorted_keys(absent_sources(config)),
        changes_report=rules.changes.output.report,
        code=code_of("run_summary.py"),
    log:
        "logs/run_summary.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/run_summary.py"


onsuccess:
    # A baseline recorded after the summary (`snakemake baseline`) makes its changes line stale: not printed.
    if (text := current_summary(rules.run_summary.output.summary, [*rules.run_summary.input, *baseline_if_recorded(None)])) is not None:
        print(f"\n{text}", file=sys.stderr)
