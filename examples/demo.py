"""
Tune an SVM on scikit-learn's digits with skbayes, like RandomizedSearchCV
==========================================================================

Run: python examples/demo.py
"""

from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.svm import SVC

from skbayes import BayesSearchCV
from skbayes.space import Categorical, Real


def main():
    X, y = load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, stratify=y, random_state=0)

    search = BayesSearchCV(
        make_pipeline(StandardScaler(), SVC()),
        {
            "svc__C": Real(1e-2, 1e3, prior="log-uniform"),
            "svc__gamma": Real(1e-5, 1e-1, prior="log-uniform"),
            "svc__kernel": Categorical(["rbf", "poly"]),
        },
        n_iter=24,
        cv=3,
        n_jobs=-1,
        random_state=0,
    )
    search.fit(X_train, y_train)

    print(f"search: {type(search).__name__}, {len(search.cv_results_['params'])} candidates")
    print("best parameters:", search.best_params_)
    print(f"best cross-validated accuracy: {search.best_score_:.4f}")
    print(f"held-out test accuracy: {search.score(X_test, y_test):.4f}")


if __name__ == "__main__":
    main()
