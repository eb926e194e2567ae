# Ingestion: one job per raw file, writing a shard; then one job gathering them.


rule ingest_trial_log:
    input:
        log=f"{RAW}/trials/{{name}}.jsonl",
        schema=SCHEMAS / "trial_log.schema.json",
    output:
        table=f"{PROCESSED}/shards/trials/{{name}}.parquet",
        quarantine=f"{PROCESSED}/shards/trials/{{name}}.quarantine.jsonl",
        summary=f"{PROCESSED}/shards/trials/{{name}}.summary.json",
    params:
        strict=config["strict"],
        levels=LEVELS,
        code=code_of("ingest_trial_log.py"),
    benchmark:
        "benchmarks/ingest/trials/{name}.tsv"
    log:
        "logs/ingest/trials/{name}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/ingest_trial_log.py"


rule ingest_published:
    input:
        figures=f"{RAW}/published/{{name}}.csv",
    output:
        table=f"{PROCESSED}/shards/published/{{name}}.parquet",
        quarantine=f"{PROCESSED}/shards/published/{{name}}.quarantine.jsonl",
        summary=f"{PROCESSED}/shards/published/{{name}}.summary.json",
        catalogue=f"{PROCESSED}/shards/published/{{name}}.figures.csv",
    params:
        strict=config["strict"],
        levels=LEVELS,
        code=code_of("ingest_published.py"),
    benchmark:
        "benchmarks/ingest/published/{name}.tsv"
    log:
        "logs/ingest/published/{name}.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/ingest_published.py"


rule gather_trials:
    input:
        tables=shard_files(".parquet"),
        quarantines=shard_files(".quarantine.jsonl"),
        summaries=shard_files(".summary.json"),
        catalogues=expand(f"{PROCESSED}/shards/published/{{name}}.figures.csv", name=PUBLISHED),
    output:
        trials=f"{PROCESSED}/trials.parquet",
        quarantine=f"{PROCESSED}/quarantine.jsonl",
        summary=f"{PROCESSED}/ingest_summary.json",
        figures=f"{PROCESSED}/published_figures.csv",
    params:
        strict=config["strict"],
        factors=FACTORS,
        empty_sources=sorted_keys(EMPTY_SOURCES),
        shard_dir=lambda wildcards, output: str(Path(output.trials).parent / "shards"),
        shards=current_shards(),
        code=code_of("gather_trials.py"),
    benchmark:
        "benchmarks/ingest/gather.tsv"
    log:
        "logs/ingest/gather.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/gather_trials.py"
