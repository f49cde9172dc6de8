"""All disk access: reading raw files with encoding detection and atomic writes.

Everything else in ruralstudy works on strings, DataFrames and frozen dataclasses. Writes go
to a temporary file in the target's folder and are renamed into place, so a crash never
leaves a half-written output.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import io
import os
import re
import subprocess
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from typing import TYPE_CHECKING

from .errors import CorpusError, LockError, OutputError, RuralStudyError

if TYPE_CHECKING:  # pandas is imported where a frame is read or written: the build's
    import pandas as pd  # up-to-date check and the lock must not pay for it

_HTML_START = re.compile(r"^\s*(<!doctype\s+html|<html|<head|<body)", re.IGNORECASE)
_HTML_TAG = re.compile(r"<(div|p|span|table|tr|td|li|a|br|meta|link)\b[^>]*>", re.IGNORECASE)
#: A page saved as HTML carries many tags; a report that merely quotes one (<script>) does not.
HTML_TAG_LIMIT = 10


@dataclass(frozen=True)
class RawText:
    """A decoded raw file: its text (offsets are Python string indices into it) and encoding."""

    path: str
    text: str
    encoding: str
    sha256: str


def sha256_bytes(data: bytes) -> str:
    """Hex SHA-256 of bytes."""
    return hashlib.sha256(data).hexdigest()


def sha256_file(path: str | Path) -> str:
    """Hex SHA-256 of a file's content."""
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def decode_bytes(data: bytes, path: str) -> RawText:
    """Decode a report's bytes: UTF-8 (with or without BOM), else GB18030 (a superset of GBK).

    Raises :class:`CorpusError` naming the file for empty, binary or HTML content, for a
    UTF-8 file cut inside a character, and for a file mixing UTF-8 and GBK lines (naming the
    first line in the other encoding): read as one, the other's lines would be mojibake.
    """
    if not data.strip():
        raise CorpusError("file is empty", file=path)
    utf16 = _utf16(data, path)
    if utf16 is not None:
        return _checked(RawText(path=path, text=utf16, encoding="utf-16",
                                sha256=sha256_bytes(data)))
    if b"\x00" in data[:4096]:
        raise CorpusError("file is binary (contains NUL bytes), not a text report", file=path)
    text, encoding = _decode_text(data, path)
    return _checked(RawText(path=path, text=text, encoding=encoding, sha256=sha256_bytes(data)))


def _decode_text(data: bytes, path: str) -> tuple[str, str]:
    """UTF-8 (BOM or not) or GB18030 text of ``data``, checked for truncation and mixing."""
    try:
        text = data.decode("utf-8-sig")
        return text, "utf-8-sig" if data.startswith(b"\xef\xbb\xbf") else "utf-8"
    except UnicodeDecodeError as exc:
        refuse_truncated_utf8(data, exc, path)
    bad = mixed_encoding_line(data)
    if bad is not None:
        line, why = bad
        raise CorpusError(f"the file mixes encodings: {why}; every line must be in one "
                          f"encoding (save the file again as UTF-8)", file=path, line=line)
    try:
        text = data.decode("gb18030")
    except UnicodeDecodeError:
        raise CorpusError("file is neither UTF-8, UTF-16 (with BOM) nor GB18030/GBK text",
                          file=path, line=data[:_bad_offset(data)].count(b"\n") + 1) from None
    return text, "gb18030"


def _bad_offset(data: bytes) -> int:
    try:
        data.decode("gb18030")
    except UnicodeDecodeError as exc:
        return exc.start
    return len(data)


def refuse_truncated_utf8(data: bytes, exc: UnicodeDecodeError, path: str) -> None:
    """Raise a clear :class:`CorpusError` when UTF-8 ``data`` fails only because it ends
    inside a character (a download or copy cut short); else return."""
    if exc.reason == "unexpected end of data" and exc.end == len(data) and \
            len(data) - exc.start <= 3 and not data[:exc.start].isascii():
        try:
            data[:exc.start].decode("utf-8")
        except UnicodeDecodeError:
            return
        raise CorpusError(f"the file ends in the middle of a UTF-8 character (its last "
                          f"{len(data) - exc.start} byte(s)): it was cut short, e.g. by an "
                          f"interrupted download; save it again",
                          file=path, line=data.count(b"\n") + 1)


_CJK = re.compile(r"[\u4e00-\u9fff]")


def mixed_encoding_line(data: bytes | Iterator[bytes], bom: bool | None = None
                        ) -> tuple[int, str] | None:
    """(line, why) when some lines of ``data`` are UTF-8 Chinese text and others are not
    UTF-8 at all (GBK rows appended by another editor, or the reverse); the line named is
    the first one whose encoding differs from the first non-ASCII line's. None otherwise.
    A line counts as UTF-8 when it decodes and holds at least two CJK characters (a GBK
    line is almost never valid UTF-8). A UTF-8 BOM followed by non-UTF-8 lines is mixed too."""
    if isinstance(data, bytes):
        bom, lines = data.startswith(b"\xef\xbb\xbf"), iter(data.split(b"\n"))
    else:
        lines = data
    first: str | None = "utf-8" if bom else None
    first_line = 1 if first else 0
    for no, line in enumerate(lines, start=1):
        if line.isascii():
            continue
        try:
            kind = "utf-8" if len(_CJK.findall(line.decode("utf-8-sig"))) >= 2 else None
        except UnicodeDecodeError:
            kind = "other"
        if kind is None:
            continue
        if first is None:
            first, first_line = kind, no
        elif kind != first:
            what = {"utf-8": "UTF-8", "other": "not UTF-8 (GBK/GB18030?)"}
            start = "the file starts with a UTF-8 byte-order mark" if first_line == 1 and bom \
                else f"line {first_line} is {what[first]}"
            return no, f"{start}, but line {no} is {what[kind]}"
    return None


def _utf16(data: bytes, path: str) -> str | None:
    """The text of a UTF-16 file with a byte-order mark (as Windows' "Unicode" saves), else None."""
    if not data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return None
    try:
        text = data.decode("utf-16")
    except UnicodeDecodeError:
        raise CorpusError("file starts with a UTF-16 byte-order mark but is not valid UTF-16",
                          file=path) from None
    text = text.removeprefix("\ufeff")
    if not text.strip():
        raise CorpusError("file is empty", file=path)
    return text


#: Control characters a text report does not hold (below U+0020 but tab, line feed, form feed
#: and carriage return); counted by one regex search, not character by character (0.6 s a
#: build of 1,000 reports)
_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f]")


def _checked(raw: RawText) -> RawText:
    text, path = raw.text, raw.path
    controls = len(_CONTROL.findall(text, 0, 4096))
    if controls > 8:
        raise CorpusError("file looks binary (control characters), not a text report", file=path)
    if _HTML_START.search(text[:2000]) or len(_HTML_TAG.findall(text[:20000])) >= HTML_TAG_LIMIT:
        raise CorpusError("file is an HTML page saved as text; name it .html to have its "
                          "article read, or save the article text only",
                          file=path)
    return raw


#: Bytes read at a time when a text report is read piece by piece.
READ_CHUNK = 1 << 20
_HEAD_CHARS = 20000  # the decoded start _checked looks at


def text_file_codec(path: str | Path, chunk: int = READ_CHUNK) -> str:
    """The codec that :func:`decode_bytes` would decode a text file with (``utf-16``,
    ``utf-8-sig`` or ``gb18030``), found by reading the file piece by piece, so memory does
    not grow with the file; raise :class:`CorpusError` for what :func:`decode_bytes` refuses
    (empty, binary, HTML saved as text, neither UTF-8, UTF-16 nor GB18030)."""
    import codecs

    p = Path(path)
    if not p.is_file():
        raise CorpusError("file does not exist", file=str(path))
    with p.open("rb") as f:
        head = f.read(4096)
    if _file_blank(p, chunk):
        raise CorpusError("file is empty", file=str(path))
    utf16 = head.startswith((b"\xff\xfe", b"\xfe\xff"))
    if not utf16 and b"\x00" in head:
        raise CorpusError("file is binary (contains NUL bytes), not a text report",
                          file=str(path))
    for codec in (("utf-16",) if utf16 else ("utf-8-sig", "gb18030")):
        dec = codecs.getincrementaldecoder(codec)()
        text_head = ""
        blank, started, non_ascii = True, False, False
        try:
            with p.open("rb") as f:
                while True:
                    data = f.read(chunk)
                    non_ascii = non_ascii or not data.isascii()
                    try:
                        text = dec.decode(data, final=not data)
                    except UnicodeDecodeError as exc:
                        if not data and codec == "utf-8-sig" and non_ascii and \
                                exc.reason == "unexpected end of data":
                            # valid UTF-8 to its last character, which is cut: say so
                            raise CorpusError(
                                "the file ends in the middle of a UTF-8 character: it was cut "
                                "short, e.g. by an interrupted download; save it again",
                                file=str(path)) from None
                        raise
                    if utf16 and not started and text:
                        text, started = text.removeprefix("\ufeff"), True
                    if len(text_head) < _HEAD_CHARS:
                        text_head += text
                    if blank:
                        blank = not text.strip()
                    if not data:
                        break
        except UnicodeDecodeError:
            if utf16:
                raise CorpusError("file starts with a UTF-16 byte-order mark but is not valid "
                                  "UTF-16", file=str(path)) from None
            if codec == "utf-8-sig":
                bad = mixed_encoding_line(_byte_lines(p, chunk), head.startswith(b"\xef\xbb\xbf"))
                if bad is not None:
                    raise CorpusError(f"the file mixes encodings: {bad[1]}; every line must be "
                                      f"in one encoding (save the file again as UTF-8)",
                                      file=str(path), line=bad[0])
            continue
        if utf16 and blank:
            raise CorpusError("file is empty", file=str(path))
        _checked(RawText(path=str(path), text=text_head[:_HEAD_CHARS], encoding=codec, sha256=""))
        return codec
    raise CorpusError("file is neither UTF-8, UTF-16 (with BOM) nor GB18030/GBK text",
                      file=str(path))


def _byte_lines(p: Path, chunk: int) -> Iterator[bytes]:
    """A file's lines as bytes (split at b"\\n"), read ``chunk`` bytes at a time."""
    carry = b""
    with p.open("rb") as f:
        while data := f.read(chunk):
            lines = (carry + data).split(b"\n")
            carry = lines.pop()
            yield from lines
    yield carry


def _file_blank(p: Path, chunk: int) -> bool:
    """True when a file holds only ASCII blanks (``bytes.strip()`` would leave nothing)."""
    with p.open("rb") as f:
        while data := f.read(chunk):
            if data.strip():
                return False
    return True


def iter_text_lines(path: str | Path, codec: str, chunk: int = READ_CHUNK) -> Iterator[str]:
    """The lines of a text file decoded with ``codec`` (see :func:`text_file_codec`), each with
    its line end, exactly as ``text.splitlines(keepends=True)`` splits the whole decoded text,
    read ``chunk`` bytes at a time: memory is bounded by the chunk and the longest line."""
    import codecs

    dec = codecs.getincrementaldecoder(codec)()
    carry = ""
    first = True
    with Path(path).open("rb") as f:
        while True:
            data = f.read(chunk)
            text = carry + dec.decode(data, final=not data)
            if first and text:
                if codec == "utf-16":
                    text = text.removeprefix("\ufeff")
                first = False
            if not data:
                if text:
                    yield from text.splitlines(keepends=True)
                return
            lines = text.splitlines(keepends=True)
            # the last line may go on in the next chunk (or be a \r before its \n)
            carry = lines.pop() if lines else ""
            yield from lines


def decode_table_bytes(data: bytes, path: str) -> str:
    """Text of a CSV table: UTF-16 with BOM, UTF-8 (with or without BOM) or GB18030; a table
    mixing UTF-8 and GBK rows is refused with the first line in the other encoding."""
    text = _utf16(data, path) if data.strip() else None
    if text is not None:
        return text
    return _decode_text(data, path)[0]


def table_format(data: bytes) -> tuple[str, str]:
    """(codec, line end) a table's bytes were written in: ``utf-16`` (with BOM),
    ``utf-8-sig``, ``utf-8`` or ``gb18030``, and ``\r\n`` or ``\n`` (pure), so that a file
    rewritten (the manifest after ``add``) keeps the encoding and line ends it came in."""
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        codec = "utf-16"
        crlf = "\r\n".encode("utf-16-le") in data or "\r\n".encode("utf-16-be") in data
    else:
        crlf = b"\r\n" in data
        if data.startswith(b"\xef\xbb\xbf"):
            codec = "utf-8-sig"
        else:
            try:
                data.decode("utf-8")
                codec = "utf-8"
            except UnicodeDecodeError:
                codec = "gb18030"
    return codec, "\r\n" if crlf else "\n"


def encode_table(text: str, fmt: tuple[str, str]) -> bytes:
    """``text`` (with ``\n`` line ends) in the (codec, line end) of :func:`table_format`."""
    codec, newline = fmt
    if newline != "\n":
        text = text.replace("\r\n", "\n").replace("\n", newline)
    return text.encode(codec)


def read_raw_text(path: str | Path) -> RawText:
    """Read and decode one raw report file (see :func:`decode_bytes`)."""
    p = Path(path)
    if not p.is_file():
        raise CorpusError("file does not exist", file=str(path))
    return decode_bytes(p.read_bytes(), str(path))


def unclosed_quote_line(text: str) -> int | None:
    """1-based line where a quoted CSV field opens that is never closed (pure), else None.

    A doubled quote inside a quoted field closes and re-opens it at once, so it needs no
    special case."""
    quoted, opened, line = False, 0, 1
    for ch in text:
        if ch == '"':
            quoted = not quoted
            if quoted:
                opened = line
        elif ch == "\n":
            line += 1
    return opened if quoted else None


_PANDAS_LINE = re.compile(r"\b(line|row) (\d+)")


def parse_csv_text(text: str, path: str, error: type[RuralStudyError] = RuralStudyError
                   ) -> pd.DataFrame:
    """Parse CSV text as strings ('' for empty cells); a malformed file raises ``error`` naming
    the file and line (an unbalanced quote would otherwise swallow the rows after it)."""
    bad = unclosed_quote_line(text)
    if bad is not None:
        raise error("a quoted field opened here is never closed (unbalanced \" quote); "
                    "every row after it would be lost", file=path, line=bad)
    import pandas as pd

    try:
        return pd.read_csv(io.StringIO(text), dtype=str, keep_default_na=False)
    except pd.errors.EmptyDataError:
        raise error("file is empty (no header row)", file=path, line=1) from None
    except pd.errors.ParserError as exc:
        m = _PANDAS_LINE.search(str(exc))
        line = None
        if m:
            line = int(m.group(2)) + (1 if m.group(1) == "row" else 0)
        reason = str(exc).removeprefix("Error tokenizing data. C error: ")
        raise error(f"malformed CSV: {reason}", file=path, line=line) from None


def read_csv(path: str | Path, error: type[RuralStudyError] = RuralStudyError) -> pd.DataFrame:
    """Read a CSV (UTF-8, UTF-8 with BOM, UTF-16 with BOM or GB18030) as strings, keeping
    empty cells as ''; an unreadable or malformed file raises ``error`` with file and line."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except OSError as exc:
        raise error(f"cannot read file: {exc.strerror}", file=str(path)) from None
    try:
        text = decode_table_bytes(data, str(path))
    except CorpusError as exc:
        raise error(exc.reason, file=str(path)) from None
    return parse_csv_text(text, str(path), error)


def confined(base: str | Path, rel: str) -> Path:
    """``base/rel`` resolved (symlinks followed); raises ValueError when it lies outside base."""
    base_r = Path(base).resolve()
    target = (base_r / rel).resolve()
    if target == base_r or base_r not in target.parents:
        raise ValueError(f"{rel!r} resolves outside {base}")
    return target


def new_file_mode(target: Path) -> int:
    """The mode a rewritten ``target`` keeps (its own, when it exists), or the one a new file
    gets under the process's umask (0644 under umask 022), not mkstemp's 0600."""
    from .paths import current_umask

    try:
        return os.stat(target).st_mode & 0o7777
    except OSError:
        return 0o666 & ~current_umask()


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str = "") -> Iterator[Path]:
    """Yield a temporary path beside ``target``; rename it onto ``target`` on success."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=suffix or ".tmp",
                               dir=target.parent)
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        yield tmp_path
        os.chmod(tmp_path, new_file_mode(target))  # mkstemp makes it 0600
        os.replace(tmp_path, target)
    finally:
        if tmp_path.exists():
            tmp_path.unlink()


def _output_error(exc: OSError, target: Path) -> OutputError:
    why = exc.strerror or str(exc)
    if exc.errno == errno.ENOSPC:
        why = "no space left on the device"
    elif exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        why = "the folder is read-only or not writable (permission denied)"
    return OutputError(f"cannot write: {why}", file=str(target))


def write_bytes(target: str | Path, data: bytes) -> None:
    """Atomically write bytes (a file whose content is already ``data`` is left untouched).

    A read-only folder or a full disk raises :class:`OutputError` naming the file."""
    target = Path(target)
    if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
        return
    try:
        with atomic_path(target) as tmp:
            tmp.write_bytes(data)
    except OSError as exc:
        raise _output_error(exc, target) from None


def write_files_together(folder: str | Path, files: dict[str, bytes]) -> None:
    """Write several files in one folder as one set: every file goes to a temporary file first
    (fsynced); only when all of them are written are they renamed into place, one after the
    other. A full disk or a read-only folder therefore leaves all the old files (and raises
    :class:`OutputError` naming the file); it never leaves some new and some old."""
    folder = Path(folder)
    temps: list[tuple[Path, Path]] = []
    try:
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise _output_error(exc, folder) from None
        for name, data in sorted(files.items()):
            target = folder / name
            if target.is_file() and target.stat().st_size == len(data) and \
                    target.read_bytes() == data:
                continue
            try:
                fd, tmp = tempfile.mkstemp(prefix=f".{name}.", suffix=".tmp", dir=folder)
            except OSError as exc:
                raise _output_error(exc, target) from None
            temps.append((Path(tmp), target))
            try:
                os.fchmod(fd, new_file_mode(target))  # mkstemp makes it 0600
                with os.fdopen(fd, "wb") as fh:
                    fh.write(data)
                    fh.flush()
                    os.fsync(fh.fileno())
            except OSError as exc:
                raise _output_error(exc, target) from None
        for made, target in temps:
            try:
                os.replace(made, target)
            except OSError as exc:
                raise _output_error(exc, target) from None
    finally:
        for made, _ in temps:
            if made.exists():
                made.unlink()


#: Lock file descriptors this process holds; a forked child (a pool worker) closes its copies,
#: so that only the process that took the lock holds it, and its death always releases it.
_HELD_LOCKS: set[int] = set()


def _close_inherited_locks() -> None:
    for fd in list(_HELD_LOCKS):
        with contextlib.suppress(OSError):
            os.close(fd)
    _HELD_LOCKS.clear()


os.register_at_fork(after_in_child=_close_inherited_locks)


def _open_lock(path: Path) -> int:
    """The lock file, opened without following a symbolic link (O_NOFOLLOW) and only if it is
    a regular file: the lock is truncated and rewritten, so a link or a folder there would
    damage or hide what it points to. Each refusal is one sentence naming the path."""
    import stat

    flags = os.O_RDWR | os.O_CREAT | os.O_CLOEXEC | os.O_NOFOLLOW | os.O_NONBLOCK
    try:
        fd = os.open(path, flags, 0o666)  # the umask applies
    except OSError as exc:
        if exc.errno == errno.ELOOP or path.is_symlink():
            why = (f"is a symbolic link (to {os.readlink(path)}), not the lock file ruralstudy "
                   f"writes; it is not followed (the lock is rewritten on each use): remove it")
        elif exc.errno == errno.EISDIR or path.is_dir():
            why = "is a folder, where ruralstudy keeps its lock file: remove or move it"
        else:
            why = f"cannot open the lock file: {exc.strerror or exc}"
        raise LockError(why, file=str(path)) from None
    if not stat.S_ISREG(os.fstat(fd).st_mode):
        os.close(fd)
        raise LockError("is not a regular file, where ruralstudy keeps its lock file: remove it",
                        file=str(path))
    os.set_blocking(fd, True)
    return fd


@contextlib.contextmanager
def project_lock(path: str | Path, what: str, wait: float = 0.0) -> Iterator[None]:
    """Hold an exclusive lock (fcntl.flock) on ``path`` for a ``build`` or an ``add``.

    The lock file records the holder's pid and command. When another process holds it, wait
    up to ``wait`` seconds, then raise :class:`LockError` naming it. The kernel releases the
    lock when its holder dies, however it dies."""
    import fcntl
    import time

    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = _open_lock(path)
    try:
        deadline = time.monotonic() + max(wait, 0.0)
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    holder = os.pread(fd, 200, 0).decode("utf-8", "replace").strip() or "unknown"
                    waited = f" (waited {wait:g} s)" if wait > 0 else ""
                    raise LockError(f"another build/add is running ({holder}){waited}; wait for "
                                    f"it to finish, or use --wait SECONDS", file=str(path)) from None
                time.sleep(0.2)
        _HELD_LOCKS.add(fd)
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"pid {os.getpid()}, {what}\n".encode(), 0)
        try:
            yield
        finally:
            os.ftruncate(fd, 0)
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        _HELD_LOCKS.discard(fd)
        os.close(fd)


def write_text(target: str | Path, text: str) -> None:
    """Atomically write UTF-8 text with Unix newlines."""
    write_bytes(target, text.encode("utf-8"))


def frame_to_csv_bytes(df: pd.DataFrame, header: bool = True) -> bytes:
    """Serialise a frame to CSV bytes deterministically (UTF-8, \\n, repr-stable floats);
    ``header=False``: its rows only (a frame's CSV is its header followed by its rows' CSV cut
    anywhere: :mod:`ruralstudy.build.csvchunks`)."""
    buf = io.StringIO()
    df.to_csv(buf, index=False, lineterminator="\n", float_format="%.10g", header=header)
    return buf.getvalue().encode("utf-8")


def write_csv(target: str | Path, df: pd.DataFrame, fmt: tuple[str, str] | None = None) -> None:
    """Atomically write a frame as CSV (UTF-8, ``\\n``; or in the (codec, line end) of
    :func:`table_format`, to keep a file's own)."""
    data = frame_to_csv_bytes(df)
    write_bytes(target, data if fmt is None else encode_table(data.decode("utf-8"), fmt))


def frame_to_parquet_bytes(df: pd.DataFrame) -> bytes:
    """Serialise a frame to Parquet bytes deterministically (no pandas metadata, no statistics).

    The pandas schema metadata is kept (it restores dtypes such as Int64) but it holds no
    timestamps, so the bytes depend on the data only."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(df, preserve_index=False)
    sink = io.BytesIO()
    pq.write_table(table, sink, compression="zstd", write_statistics=False)
    return sink.getvalue()


def write_parquet(target: str | Path, df: pd.DataFrame) -> None:
    """Atomically write a frame as Parquet, deterministically."""
    write_bytes(target, frame_to_parquet_bytes(df))


def write_table(base: str | Path, df: pd.DataFrame) -> None:
    """Write ``base.csv`` and ``base.parquet`` atomically."""
    base = Path(base)
    write_csv(base.with_suffix(".csv"), df)
    write_parquet(base.with_suffix(".parquet"), df)


def source_commit(root: Path) -> str:
    """The git commit of the project, with "+local changes" when src, data/raw or notebooks
    differ from it (shown on the site's about page); "unknown" outside git."""
    try:
        commit = subprocess.run(["git", "rev-parse", "--short=12", "HEAD"], cwd=root,
                                capture_output=True, text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "src", "data/raw",
                                "notebooks"], cwd=root, capture_output=True, text=True,
                               timeout=10).stdout.strip()
        return (commit or "unknown") + ("+local changes" if dirty and commit else "")
    except (OSError, subprocess.SubprocessError):
        return "unknown"


#: The build date shown when neither $SOURCE_DATE_EPOCH nor a git commit gives one: fixed, so
#: that two builds of one tree outside git are still byte-identical.
UNKNOWN_DATE = "unknown (not a git checkout; set SOURCE_DATE_EPOCH)"


def source_date(root: Path) -> str:
    """The date a build states, never the clock (reproducible builds): ``$SOURCE_DATE_EPOCH``
    when set (https://reproducible-builds.org/specs/source-date-epoch/), else the date of the
    project's git commit (``git log -1 --format=%ct``), else :data:`UNKNOWN_DATE`. Shown as
    ``YYYY-MM-DD HH:MM UTC``."""
    from datetime import datetime, timezone

    raw = os.environ.get("SOURCE_DATE_EPOCH")
    if raw is None or not raw.strip():
        try:
            raw = subprocess.run(["git", "log", "-1", "--format=%ct"], cwd=root,
                                 capture_output=True, text=True, timeout=10).stdout.strip()
        except (OSError, subprocess.SubprocessError):
            raw = ""
        if not raw.isdigit():
            return UNKNOWN_DATE
    elif not raw.strip().isdigit():
        raise RuralStudyError("must be a whole number of seconds since 1970-01-01 UTC",
                              file="$SOURCE_DATE_EPOCH", raw=raw)
    return datetime.fromtimestamp(int(raw), timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
