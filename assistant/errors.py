"""Errors that reach users. Each message says what went wrong and how to fix it."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message is meant for the user, never a traceback."""


class QuestionError(AssistantError):
    """The question is empty or too long."""


class UnreadableFileError(AssistantError):
    """A corpus file is binary or in an encoding that cannot be detected."""


class IndexProblem(AssistantError):
    """Base for problems with the index folder."""


class IndexMissingError(IndexProblem):
    pass


class IndexCorruptError(IndexProblem):
    pass


class IndexStaleError(IndexProblem):
    """The corpus or the settings changed since the index was built."""


class ModelMismatchError(IndexProblem):
    """The index was built with another embedding model or dimension."""


class StoreUnavailableError(AssistantError):
    """The store address is malformed, its server cannot be reached, or its client library is not installed."""


class ModelUnavailableError(AssistantError):
    """The embedding model cannot be loaded or materialised."""


class SettingsError(AssistantError):
    """A setting (command-line option or environment variable) has a value the assistant does not know."""
