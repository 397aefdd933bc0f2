"""Two-group, two-period ATT estimators on a panel, with their influence functions.

These follow the DRDID estimators that R's ``did`` calls for panel data: ``drdid_panel`` (doubly
robust), ``std_ipw_did_panel`` (normalised inverse probability weighting) and ``reg_did_panel``
(outcome regression). Each takes the outcome change ``delta_y`` of the units in the comparison, the
treated indicator and a covariate matrix whose first column is the intercept, and returns the ATT
and its influence function (one value per unit, mean zero).
"""

from __future__ import annotations

import numpy as np

METHODS = ("dr", "ipw", "reg")


def _logit(treated: np.ndarray, covariates: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Propensity scores by maximum likelihood (Newton) and n × the inverse information, as glm's vcov·n."""
    n, k = covariates.shape
    share = treated.mean()
    if k == 1:  # intercept only: the maximum likelihood estimate is the treated share
        p = np.full(n, min(share, 1 - 1e-16))
        return p, np.full((1, 1), 1.0 / (share * (1 - share)))
    beta = np.zeros(k)
    beta[0] = np.log(share / (1 - share))
    for _ in range(100):
        p = 1.0 / (1.0 + np.exp(-covariates @ beta))
        gradient = covariates.T @ (treated - p)
        information = (covariates * (p * (1 - p))[:, None]).T @ covariates
        step = np.linalg.solve(information, gradient)
        beta += step
        if np.max(np.abs(step)) < 1e-12:
            break
    p = 1.0 / (1.0 + np.exp(-covariates @ beta))
    information = (covariates * (p * (1 - p))[:, None]).T @ covariates
    return np.minimum(p, 1 - 1e-16), np.linalg.inv(information) * n


def _ols_on_controls(delta_y: np.ndarray, treated: np.ndarray, covariates: np.ndarray):
    """Fitted outcome change from a regression on the comparison units, and its linear representation."""
    n = len(delta_y)
    control = 1.0 - treated
    xc = covariates * control[:, None]
    if covariates.shape[1] == 1:  # intercept only: the comparison units' mean change
        coefficients = np.array([np.sum(delta_y * control) / np.sum(control)])
    else:
        coefficients = np.linalg.lstsq(xc, delta_y * control, rcond=None)[0]
    fitted = covariates @ coefficients
    xpx_inv = np.linalg.inv(xc.T @ covariates / n)
    linear_rep = (xc * (delta_y - fitted)[:, None]) @ xpx_inv
    return fitted, linear_rep


def att_dr(delta_y: np.ndarray, treated: np.ndarray, covariates: np.ndarray) -> tuple[float, np.ndarray]:
    """Locally efficient doubly robust ATT (Sant'Anna & Zhao 2020), as DRDID's ``drdid_panel``."""
    p, hessian = _logit(treated, covariates)
    fitted, ols_rep = _ols_on_controls(delta_y, treated, covariates)
    w_treat = treated
    w_cont = p * (1 - treated) / (1 - p)
    resid = delta_y - fitted
    eta_treat = np.mean(w_treat * resid) / np.mean(w_treat)
    eta_cont = np.mean(w_cont * resid) / np.mean(w_cont)
    ps_rep = (covariates * (treated - p)[:, None]) @ hessian
    inf_treat = (w_treat * resid - w_treat * eta_treat - ols_rep @ np.mean(w_treat[:, None] * covariates, axis=0))
    inf_treat /= np.mean(w_treat)
    inf_cont = (
        w_cont * resid
        - w_cont * eta_cont
        + ps_rep @ np.mean((w_cont * (resid - eta_cont))[:, None] * covariates, axis=0)
        - ols_rep @ np.mean(w_cont[:, None] * covariates, axis=0)
    ) / np.mean(w_cont)
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def att_ipw(delta_y: np.ndarray, treated: np.ndarray, covariates: np.ndarray) -> tuple[float, np.ndarray]:
    """Normalised (Hájek) inverse-probability-weighted ATT, as DRDID's ``std_ipw_did_panel``."""
    p, hessian = _logit(treated, covariates)
    w_treat = treated
    w_cont = p * (1 - treated) / (1 - p)
    eta_treat = np.mean(w_treat * delta_y) / np.mean(w_treat)
    eta_cont = np.mean(w_cont * delta_y) / np.mean(w_cont)
    ps_rep = (covariates * (treated - p)[:, None]) @ hessian
    inf_treat = (w_treat * delta_y - w_treat * eta_treat) / np.mean(w_treat)
    inf_cont = (
        w_cont * delta_y - w_cont * eta_cont + ps_rep @ np.mean((w_cont * (delta_y - eta_cont))[:, None] * covariates, axis=0)
    ) / np.mean(w_cont)
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def att_reg(delta_y: np.ndarray, treated: np.ndarray, covariates: np.ndarray) -> tuple[float, np.ndarray]:
    """Outcome-regression ATT (Heckman, Ichimura & Todd 1997), as DRDID's ``reg_did_panel``."""
    fitted, ols_rep = _ols_on_controls(delta_y, treated, covariates)
    w = treated
    eta_treat = np.mean(w * delta_y) / np.mean(w)
    eta_cont = np.mean(w * fitted) / np.mean(w)
    inf_treat = (w * delta_y - w * eta_treat) / np.mean(w)
    inf_cont = (w * fitted - w * eta_cont + ols_rep @ np.mean(w[:, None] * covariates, axis=0)) / np.mean(w)
    return float(eta_treat - eta_cont), inf_treat - inf_cont


def att_unconditional(delta_y: np.ndarray, treated: np.ndarray) -> tuple[float, np.ndarray]:
    """Without covariates all three estimators reduce to the difference in mean changes.

    Its influence function, D(ΔY - m₁)/p - (1 - D)(ΔY - m₀)/(1 - p), equals theirs exactly (the
    propensity and regression estimation terms cancel when the only regressor is the intercept).
    """
    p = treated.mean()
    control = 1.0 - treated
    m1 = np.sum(treated * delta_y) / np.sum(treated)
    m0 = np.sum(control * delta_y) / np.sum(control)
    return float(m1 - m0), treated * (delta_y - m1) / p - control * (delta_y - m0) / (1 - p)


ESTIMATORS = {"dr": att_dr, "ipw": att_ipw, "reg": att_reg}
