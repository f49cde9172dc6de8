"""Measurements and the codebook: reading a figure's meaning, mapping it to an indicator, overrides, review, calibration."""
