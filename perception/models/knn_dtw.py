"""FaceNet + KNN-DTW baseline (the paper's FN+KNN): k-NN with dynamic time warping on embedding sequences.

k is chosen by an inner cross-validation on the training data only (never the test fold). The DTW
matrix of the training set is computed once (tslearn ``cdist_dtw``) and the inner folds vote through
scikit-learn's precomputed-metric k-NN, which is what tslearn's classifier does internally; the final
model is tslearn's ``KNeighborsTimeSeriesClassifier(metric="dtw")`` on all training clips.
Optional PCA (fitted on the training clips only) shrinks the 512-d frames when DTW is too slow.
"""
from __future__ import annotations

import numpy as np


class KNNDTWClassifier:
    def __init__(self, k_grid=(1, 3, 5, 7), n_inner_folds=3, seed=0, n_classes=None, pca_components=None):
        if not k_grid or any(int(k) < 1 for k in k_grid):
            raise ValueError(f"KNNDTWClassifier.k_grid: expected positive integers, got {k_grid}")
        if n_inner_folds < 2:
            raise ValueError(f"KNNDTWClassifier.n_inner_folds: expected >= 2, got {n_inner_folds}")
        self.k_grid = tuple(sorted(int(k) for k in k_grid))
        self.n_inner_folds = int(n_inner_folds)
        self.seed = seed
        self.n_classes = n_classes
        self.pca_components = pca_components

    @staticmethod
    def _check(X, y=None):
        X = np.asarray(X, dtype=np.float64)
        if X.ndim != 3:
            raise ValueError(f"KNNDTWClassifier: expected X of shape (N, T, D), got {X.shape}")
        if y is not None and len(y) != len(X):
            raise ValueError(f"KNNDTWClassifier: {len(X)} clips but {len(y)} labels")
        return X

    def _project(self, X: np.ndarray) -> np.ndarray:
        if self.pca_ is None:
            return X
        mean, components = self.pca_
        return (X - mean) @ components.T

    def _inner_cv(self, dist: np.ndarray, y: np.ndarray, groups) -> dict[int, float]:
        from sklearn.model_selection import StratifiedGroupKFold, StratifiedKFold
        from sklearn.neighbors import KNeighborsClassifier

        counts = np.bincount(y)
        n_splits = min(self.n_inner_folds, int(counts[counts > 0].min()))
        if groups is not None:
            n_splits = min(n_splits, len(np.unique(groups)))
        if n_splits < 2:
            return {}  # too few clips per class to validate: fall back to k = 1
        if groups is not None:
            splitter = StratifiedGroupKFold(n_splits, shuffle=True, random_state=self.seed)
        else:
            splitter = StratifiedKFold(n_splits, shuffle=True, random_state=self.seed)
        scores: dict[int, list[float]] = {k: [] for k in self.k_grid}
        for tr, va in splitter.split(dist, y, groups):
            for k in self.k_grid:
                if k > len(tr):
                    continue
                knn = KNeighborsClassifier(n_neighbors=k, metric="precomputed").fit(dist[np.ix_(tr, tr)], y[tr])
                scores[k].append(float((knn.predict(dist[np.ix_(va, tr)]) == y[va]).mean()))
        return {k: float(np.mean(v)) for k, v in scores.items() if v}

    def fit(self, X, y, groups=None) -> "KNNDTWClassifier":
        from tslearn.metrics import cdist_dtw

        X = self._check(X, y)
        y = np.asarray(y, dtype=np.int64)
        self.pca_ = None
        if self.pca_components:
            from sklearn.decomposition import PCA

            pca = PCA(self.pca_components, random_state=self.seed).fit(X.reshape(-1, X.shape[2]))
            self.pca_ = (pca.mean_, pca.components_)  # (D,), (d, D): projection without sklearn at predict time
        Xp = self._project(X)
        self.cv_scores_ = self._inner_cv(cdist_dtw(Xp), y, groups) if len(X) > 2 else {}
        # best inner-CV accuracy; ties go to the smaller k
        self.k_ = max(self.cv_scores_, key=lambda k: (self.cv_scores_[k], -k)) if self.cv_scores_ else 1
        self.k_ = min(self.k_, len(X))
        self._fit_final(Xp, y)
        return self

    def _fit_final(self, Xp: np.ndarray, y: np.ndarray) -> None:
        from tslearn.neighbors import KNeighborsTimeSeriesClassifier

        self.classes_ = np.arange(self.n_classes) if self.n_classes else np.unique(y)
        self.model_ = KNeighborsTimeSeriesClassifier(n_neighbors=self.k_, metric="dtw").fit(Xp, y)
        self.X_fit_, self.y_fit_ = Xp, y

    def predict_proba(self, X) -> np.ndarray:
        """(N, C) neighbour vote fractions, columns in label order 0..C-1."""
        proba = self.model_.predict_proba(self._project(self._check(X)))
        out = np.zeros((len(proba), len(self.classes_)))
        for j, c in enumerate(self.model_.classes_):
            out[:, int(np.searchsorted(self.classes_, c))] = proba[:, j]
        return out

    def predict(self, X) -> np.ndarray:
        return self.classes_[self.predict_proba(X).argmax(axis=1)]

    # --- persistence (npz: no pickle) -------------------------------------------------------------
    def state(self) -> dict[str, np.ndarray]:
        s = {"X": self.X_fit_, "y": self.y_fit_, "k": np.array(self.k_), "classes": self.classes_}
        if self.pca_ is not None:
            s.update(pca_mean=self.pca_[0], pca_components=self.pca_[1])
        return s

    @classmethod
    def from_state(cls, state: dict[str, np.ndarray]) -> "KNNDTWClassifier":
        self = cls(n_classes=len(state["classes"]))
        self.k_ = int(state["k"])
        self.cv_scores_ = {}
        self.pca_ = None
        if "pca_mean" in state:
            self.pca_ = (np.asarray(state["pca_mean"]), np.asarray(state["pca_components"]))
            self.pca_components = len(self.pca_[1])
        self._fit_final(np.asarray(state["X"]), np.asarray(state["y"], dtype=np.int64))
        self.classes_ = np.asarray(state["classes"])
        return self
