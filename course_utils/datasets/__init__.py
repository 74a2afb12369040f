"""Data files bundled with the course (a synthetic tweet emotion dataset) and the script that makes them."""
