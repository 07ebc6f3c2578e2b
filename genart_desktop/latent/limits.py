"""The values the latent engine takes, shared by ``genart sample`` / ``genart interpolate``
and the latent panel, so the window and the CLI cannot drift apart.

No imports: the CLI reads these while building its parser, and ``genart --help`` stays quick.
"""

DIRECTIONS = 16        # principal directions per model: sliders 1..16, --direction 1..16
MAX_TRUNCATION = 3.0   # beyond three standard deviations a latent model draws noise
# The sets of directions the sliders (and --directions) move along: key -> what the window
# calls it. "named" has one slider per measure in ``named_directions.ATTRIBUTES``.
DIRECTION_SETS = {"pca": "Principal (PCA)", "sefa": "Closed-form (SeFa)",
                  "named": "Named (lightness, size, …)"}
NAMED_DIRECTIONS = 5  # len(named_directions.ATTRIBUTES), without importing numpy
