"""``python -m genart_desktop.restore.train_detector [--seeds 24]``: fit the crack classifier.

Each tuning picture (``synthetic.TUNING``, at 512 px) is damaged ``--seeds`` times with
seeds from 100 on (the benchmark uses 7, the tests 5). For every candidate line that
``detect.line_candidates`` finds, its ``line_features`` are the input and the answer is
whether at least half of its pixels lie within 2 px of a visible synthetic crack. A
logistic regression, weighted by each candidate's area (the F1 counts pixels) with a
light L2 penalty, is fitted by Newton's method on standardized features and written to
``detect.LINE_CLASSIFIER`` with how it was made. It takes about ten seconds.
"""

from __future__ import annotations

import argparse
import json

import numpy as np

SEED_BASE = 100
L2 = 1.0
SIZE = 512


def training_rows(seeds: int):
    """(features, is_damage, area) over all candidates of the damaged tuning pictures."""
    import cv2

    from genart_desktop.restore.detect import line_candidates, line_features
    from genart_desktop.restore.synthetic import TUNING, add_damage, pictures, visible_cracks

    near = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
    rows, answers, areas, seen = [], [], [], set()
    for name, picture in pictures(SIZE):
        if name not in TUNING:
            continue
        seen.add(name)
        for seed in range(SEED_BASE, SEED_BASE + seeds):
            damage = add_damage(picture, seed=seed, coverage=0.05, dust=20)
            grey = cv2.cvtColor(damage.image, cv2.COLOR_RGB2GRAY)
            lines = line_candidates(grey)
            truth = cv2.dilate(visible_cracks(picture, damage).astype(np.uint8), near)
            hits = np.bincount(lines.labels.ravel(), weights=truth.ravel().astype(np.float64),
                               minlength=lines.count)
            area = np.bincount(lines.labels.ravel(), minlength=lines.count)
            rows.append(line_features(grey, lines)[1:])
            answers.append((hits / np.maximum(area, 1) >= 0.5)[1:])
            areas.append(area[1:])
    if seen != TUNING:
        raise RuntimeError(f"tuning pictures missing: {', '.join(sorted(TUNING - seen))}")
    answers = np.concatenate(answers)
    if answers.all() or not answers.any():
        raise RuntimeError("the candidates are all cracks or none: nothing to learn from")
    return np.concatenate(rows), answers, np.concatenate(areas)


def fit_logistic(features: np.ndarray, answers: np.ndarray, weights: np.ndarray,
                 l2: float = L2, steps: int = 100):
    """Weighted, L2-penalized logistic regression by Newton's method (the bias is not
    penalized). Returns (mean, scale, coefficients, bias) over standardized features."""
    mean, scale = features.mean(0), features.std(0) + 1e-6
    design = np.hstack([(features - mean) / scale, np.ones((len(features), 1))])
    weights = weights / weights.mean()
    penalty = np.diag(np.r_[np.full(design.shape[1] - 1, l2), 0.0])
    beta = np.zeros(design.shape[1])
    for _ in range(steps):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        gradient = design.T @ (weights * (p - answers)) + penalty @ beta
        hessian = (design * (weights * p * (1 - p))[:, None]).T @ design + penalty
        step = np.linalg.solve(hessian, gradient)
        beta -= step
        if np.abs(step).max() < 1e-9:
            break
    return mean, scale, beta[:-1], float(beta[-1])


def main(argv: list[str] | None = None) -> int:
    from genart_desktop.core.checkpoints import write_json_atomic
    from genart_desktop.restore.detect import LINE_CLASSIFIER, LineClassifier

    parser = argparse.ArgumentParser(prog="python -m genart_desktop.restore.train_detector")
    parser.add_argument("--seeds", type=int, default=24, help="damage seeds per tuning picture")
    args = parser.parse_args(argv)
    features, answers, areas = training_rows(args.seeds)
    mean, scale, weights, bias = fit_logistic(features, answers.astype(np.float64),
                                              areas.astype(np.float64))
    if not (np.isfinite(weights).all() and np.isfinite(bias)):
        raise RuntimeError("the fit did not converge; line_classifier.json is unchanged")
    classifier = LineClassifier(mean, scale, weights, bias)
    accuracy = float(((classifier.probability(features) >= 0.5) == answers).mean())
    record = {
        **classifier.to_json(),
        "made_by": f"python -m genart_desktop.restore.train_detector --seeds {args.seeds}",
        "training": {"pictures": "the tuning pictures (synthetic.TUNING) at 512 px",
                     "damage_seeds": f"{SEED_BASE}..{SEED_BASE + args.seeds - 1}",
                     "candidates": int(len(answers)), "cracks": int(answers.sum()),
                     "l2": L2, "training_accuracy": round(accuracy, 4)},
        "held_out": "python -m genart_desktop.bench restore: detect_lines_f1_mean_held-out",
    }
    write_json_atomic(LINE_CLASSIFIER, record)
    print(json.dumps({k: record[k] for k in ("made_by", "training")}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
