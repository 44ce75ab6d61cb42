"""Packaging: what a user installs (wheel, sdist, a fresh clone) works outside the work tree."""
