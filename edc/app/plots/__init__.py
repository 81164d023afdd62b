"""Plots over HTTP: the study's swimmer plot and a subject's lupus trajectory, as SVG, from the existing services."""
