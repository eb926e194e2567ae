# The paper: numbers, tables and checked claims from rates.csv; the executed
# analysis notebook as HTML appendix; the typst manuscript compiled to PDF.


rule paper_numbers:
    input:
        rates=f"{PROCESSED}/rates.csv",
        cell_sources=rules.rates.output.cell_sources,
        fixed_effects=f"{PROCESSED}/models/fixed_effects.csv",
        meta_pooled=f"{PROCESSED}/meta/pooled.csv",
        meta_units=f"{PROCESSED}/meta/units.csv",
        power=f"{PROCESSED}/planning/power.csv",
        power_smallest=f"{PROCESSED}/planning/power_smallest.csv",
    output:
        tex=f"{PAPER}/numbers.tex",
        json=f"{PAPER}/numbers.json",
    params:
        by=config["aggregate_by"],
        level=config["ci_level"],
        interval=config["paper"]["interval"],
        format=sorted_keys(config["paper"]["format"]),
        study_names=sorted_keys(config["paper"]["study_names"]),
        include_reconstructed=config["models"]["include_reconstructed"],
        meta=sorted_keys(config["meta"]),
        code=code_of("paper_numbers.py"),
    log:
        "logs/paper/numbers.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/paper_numbers.py"


rule paper_tables:
    input:
        rates=f"{PROCESSED}/rates.csv",
    output:
        results=f"{PAPER}/tables/results.csv",
        effects=f"{PAPER}/tables/instruction_effects.csv",
    params:
        by=config["aggregate_by"],
        level=config["ci_level"],
        format=sorted_keys(config["paper"]["format"]),
        study_names=sorted_keys(config["paper"]["study_names"]),
        citations=sorted_keys(config["paper"]["citations"]),
        code=code_of("paper_tables.py"),
    log:
        "logs/paper/tables.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/paper_tables.py"


rule claims:
    input:
        rates=f"{PROCESSED}/rates.csv",
        fixed_effects=f"{PROCESSED}/models/fixed_effects.csv",
        numbers=rules.paper_numbers.output.json,
        manuscript=f"{PAPER}/paper.typ",
        meta_pooled=f"{PROCESSED}/meta/pooled.csv",
        power=f"{PROCESSED}/planning/power.csv",
        power_smallest=f"{PROCESSED}/planning/power_smallest.csv",
        claims=f"{PAPER}/claims.yaml",
        schema=SCHEMAS / "claims.schema.yaml",
    output:
        report=report(f"{PAPER}/claims.md", caption="../report/claims.rst", category="Paper"),
        results=f"{PAPER}/claims.json",
    params:
        strict=config["claims"]["strict"],
        verbal_levels=config["claims"]["verbal_levels"],
        level=config["ci_level"],
        interval=config["paper"]["interval"],
        by=config["aggregate_by"],
        code=code_of("check_claims.py"),
    log:
        "logs/paper/claims.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/check_claims.py"


# The reviewer's page: from every printed number and claim to its cells and trial rows (one static HTML file).
rule review_page:
    input:
        numbers=rules.paper_numbers.output.json,
        claims=rules.claims.output.results,
        rates=f"{PROCESSED}/rates.csv",
        cell_sources=rules.rates.output.cell_sources,
        fixed_effects=f"{PROCESSED}/models/fixed_effects.csv",
        trials=f"{PROCESSED}/trials.parquet",
        manuscript=f"{PAPER}/paper.typ",
    output:
        html=report(f"{PAPER}/review.html", caption="../report/review.rst", category="Paper"),
    params:
        by=config["aggregate_by"],
        level=config["ci_level"],
        interval=config["paper"]["interval"],
        code=code_of("review_page.py"),
    log:
        "logs/paper/review.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/review_page.py"


rule analysis_notebook:
    input:
        notebook=f"{PAPER}/analysis.ipynb",
        rates=f"{PROCESSED}/rates.csv",
        claims=f"{PAPER}/claims.md",
        figures=expand(f"{FIGURES}/{{name}}.png", name=RATE_FIGURES),
    output:
        executed=f"{PAPER}/analysis.executed.ipynb",
    params:
        parameters=lambda wildcards, input: {
            "rates_path": input.rates,
            "claims_path": input.claims,
            "figure_paths": list(input.figures),
            "by": config["aggregate_by"],
            "level": config["ci_level"],
            "interval": config["paper"]["interval"],
        },
        code=code_of("run_notebook.py", f"{PAPER}/analysis.ipynb"),
    log:
        "logs/paper/notebook.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/run_notebook.py"


rule analysis_html:
    input:
        executed=f"{PAPER}/analysis.executed.ipynb",
    output:
        html=report(f"{PAPER}/analysis.html", caption="../report/analysis.rst", category="Paper"),
    params:
        code=code_of("notebook_html.py"),
    log:
        "logs/paper/appendix.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/notebook_html.py"


rule paper_pdf:
    input:
        source=f"{PAPER}/paper.typ",
        bibliography=f"{PAPER}/refs.bib",
        numbers=f"{PAPER}/numbers.json",
        tables=rules.paper_tables.output,
        figures=expand(f"{FIGURES}/{{name}}.pdf", name=(*RATE_FIGURES, "forest")),
    output:
        pdf=report(f"{PAPER}/paper.pdf", caption="../report/paper.rst", category="Paper"),
    params:
        date=config["paper"]["date"],
        code=code_of("compile_paper.py"),
    log:
        "logs/paper/paper.log",
    conda:
        "../../environment.yml"
    script:
        "../scripts/compile_paper.py"
