"""Rule-based coding of behaviours from transcripts (the commands a model ran).

Each detector takes the commands of one trial, in order, and returns a
`Verdict`: whether the behaviour occurred and which command showed it. The
rules are explicit so every coded outcome can be audited against the command
that triggered it.
"""
