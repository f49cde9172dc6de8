"""Error types. Each failure has its own type and carries the file, line and raw value."""

from __future__ import annotations

from typing import Any


class RuralStudyError(Exception):
    """Base class for every error ruralstudy raises on bad input."""

    def __init__(self, message: str, *, file: str | None = None, line: int | None = None,
                 raw: str | None = None) -> None:
        self.file = file
        self.line = line
        self.raw = raw
        self.reason = message
        where = ""
        if file is not None:
            where = f"{file}"
            if line is not None:
                where += f":{line}"
            where += ": "
        shown = f" (raw value: {raw!r})" if raw is not None else ""
        super().__init__(f"{where}{message}{shown}")


class NumberParseError(RuralStudyError, ValueError):
    """A string is not a numeric expression the parser understands."""


class CorpusError(RuralStudyError):
    """A raw document cannot be read (binary, empty, HTML, missing, duplicate)."""


class ManifestError(RuralStudyError):
    """A manifest row is malformed."""


class SheetError(RuralStudyError):
    """A figure-sheet file or row is malformed."""


class OverrideError(RuralStudyError):
    """An override row names a figure or indicator that does not exist, or is malformed."""


class CodebookError(RuralStudyError):
    """The codebook is malformed."""


class ValidationError(RuralStudyError):
    """Processed data fails its schema or an indicator's valid range or unit."""


class NotebookExecutionError(RuralStudyError):
    """A notebook raised during execution; carries the notebook, cell number and exception."""

    def __init__(self, message: str, *, file: str, cell: int | None, ename: str = "",
                 evalue: str = "") -> None:
        self.cell = cell
        self.ename = ename
        self.evalue = evalue
        super().__init__(message, file=file, line=cell)


class InputError(RuralStudyError):
    """One or more inputs could not be read; carries every problem (file, line, reason) so
    they are all named at once, before any notebook runs."""

    def __init__(self, message: str, problems: list[Any] | None = None) -> None:
        self.problems = list(problems or [])
        super().__init__(message)


class OutputError(RuralStudyError):
    """An output cannot be written (read-only folder, disk full); names the path."""


class LockError(RuralStudyError):
    """Another ``build`` or ``add`` holds the project's lock."""
