"""Basic pieces: settings, errors, time, input checks. Imports nothing else from models."""
