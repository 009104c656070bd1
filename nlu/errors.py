"""Errors the NLU package raises at its boundaries (kept import-light for the CLI)."""


class ModelError(RuntimeError):
    """A model directory is missing or cannot be read."""


class TrainingDataError(ValueError):
    """The training data cannot be read as Rasa NLU data."""


class RasaUnavailableError(RuntimeError):
    """The Rasa server did not answer usefully after all retries."""
