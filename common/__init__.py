"""Helpers every app's views share that belong to no domain (no models here)."""
