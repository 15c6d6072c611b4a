"""Errors that reach users. Each message says what went wrong and how to fix it."""

from __future__ import annotations


class AssistantError(Exception):
    """Base class: the message is meant for the user, never a traceback."""


class QuestionError(AssistantError):
    """The question is empty or too long."""


class UnreadableFileError(AssistantError):
    """A corpus file is binary or in an encoding that cannot be detected."""


class IndexError_(AssistantError):
    """Base for problems with the index folder (the trailing underscore avoids the builtin)."""


class IndexMissingError(IndexError_):
    pass


class IndexCorruptError(IndexError_):
    pass


class IndexStaleError(IndexError_):
    """The corpus or the settings changed since the index was built."""


class ModelMismatchError(IndexError_):
    """The index was built with another embedding model or dimension."""


class ModelUnavailableError(AssistantError):
    """The embedding model cannot be loaded or materialised."""
