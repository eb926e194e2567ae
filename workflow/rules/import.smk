# Importers for the field's own log formats: one job per unit (a file, a robot
# batch, an agentic-misalignment experiment) of each configured source, found
# by preservation.ingest.sources.discover_units (see common.smk); then
# label/coder agreement.


rule import_shard:
    input:
        lambda wildcards: import_unit(wildcards).inputs,
    output:
        table=f"{PROCESSED}/shards/{{format}}/{{name}}.parquet",
        quarantine=f"{PROCESSED}/shards/{{format}}/{{name}}.quarantine.jsonl",
        summary=f"{PROCESSED}/shards/{{format}}/{{name}}.summary.json",
        coding=f"{PROCESSED}/shards/{{format}}/{{name}}.coding.csv",
    wildcard_constraints:
        format="|".join(FORMATS),
    params:
        unit=lambda wildcards: asdict(import_unit(wildcards)),
        # The source's own spec: an edit to it re-runs exactly that source's jobs.
        spec=lambda wildcards: sorted_keys(config["sources"][import_unit(wildcards).source]),
        strict=config["strict"],
        levels=LEVELS,
        code=code_of("import_shard.py"),
    benchmark:
        "benchmarks/import/{format}/{name}.tsv"
    log:
        "logs/import/{format}/{name}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/import_shard.py"


rule coding_agreement:
    input:
        pairs=import_shard_files(".coding.csv"),
    output:
        agreement=f"{PROCESSED}/coding_agreement.csv",
        disagreements=f"{PROCESSED}/coding_disagreements.csv",
    params:
        code=code_of("coding_agreement.py"),
    log:
        "logs/coding/agreement.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/coding_agreement.py"
