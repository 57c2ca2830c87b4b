"""
Tune a small convolutional net (your own PyTorch module) on the 8x8 digits
==========================================================================

``skbayes.nets.NetClassifier`` wraps *any* module: its constructor arguments
are tuned as ``module__<name>`` (checked against the module's signature, so a
misspelt name fails before the first fit, with a suggestion), next to the
training parameters (``lr``, ``optimizer``, ``batch_size``, ...). The images
go in as a 4-D numpy array; float64 is cast to float32 for torch.

Runs in well under a minute on a CPU. Run: ``python examples/nets_cnn_digits.py``
"""

import time

import torch
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from torch import nn

from skbayes import BayesSearchCV
from skbayes.nets import NetClassifier
from skbayes.space import Categorical, Integer, Real


class SmallCNN(nn.Module):
    """conv(3x3) -> ReLU -> max-pool -> conv(3x3) -> ReLU -> max-pool -> dropout -> linear."""

    def __init__(self, channels=8, dropout=0.0, n_classes=10):
        super().__init__()
        self.features = nn.Sequential(
            nn.Conv2d(1, channels, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 8x8 -> 4x4
            nn.Conv2d(channels, 2 * channels, 3, padding=1),
            nn.ReLU(),
            nn.MaxPool2d(2),  # 4x4 -> 2x2
        )
        self.head = nn.Sequential(
            nn.Flatten(), nn.Dropout(dropout), nn.Linear(2 * channels * 4, n_classes)
        )

    def forward(self, X):
        return self.head(self.features(X))


digits = load_digits()
images = digits.images[:, None, :, :] / 16.0  # (n, 1, 8, 8) in [0, 1]
X_train, X_test, y_train, y_test = train_test_split(
    images, digits.target, test_size=0.25, stratify=digits.target, random_state=0
)

net = NetClassifier(SmallCNN, max_epochs=8, batch_size=64, random_state=0)
space = {
    "module__channels": Integer(4, 16),
    "module__dropout": Real(0.0, 0.5),
    "lr": Real(3e-3, 3e-2, prior="log-uniform"),
    "optimizer": Categorical(["adam", "adamw"]),
}
search = BayesSearchCV(net, space, n_iter=6, n_initial_points=3, cv=3, random_state=0)

if __name__ == "__main__":
    start = time.perf_counter()
    search.fit(X_train, y_train)
    print("best parameters:", search.best_params_)
    print(f"best CV accuracy: {search.best_score_:.3f}")
    print(f"held-out accuracy: {search.score(X_test, y_test):.3f}")
    print(f"trained on {search.best_estimator_.device_}, torch {torch.__version__}, "
          f"{time.perf_counter() - start:.1f} s")
