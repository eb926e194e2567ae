"""A small, fast version of bench/recovery.py: intervals must roughly cover the truth."""

from preservation.stats.recovery import parameter_recovery
from preservation.stats.simulate import TrueParameters

TRUTH = TrueParameters(intercept=-1.5, peer=2.0, instructed=-2.5, interaction=1.0, sd_model=1.5)


def test_wald_intervals_cover_the_truth():
    result = parameter_recovery(TRUTH, n_datasets=40, n_models=10, trials=100, seed=7)
    assert result.n_not_converged == 0
    for name in ("peer", "instructed", "peer:instructed", "(Intercept)", "sd(model)"):
        # 40 draws at a true 95%: fewer than 34 hits has probability < 0.01
        assert result.coverage[name] >= 0.85, (name, result.coverage)
    for name in ("peer", "instructed", "peer:instructed"):
        assert abs(result.mean_error[name]) < 0.1, (name, result.mean_error)
