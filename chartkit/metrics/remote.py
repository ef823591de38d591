"""Logs where they are: fsspec URLs (``s3://``, ``gs://``, ``http(s)://``, ``memory://``).

`read`, `discover` and ``chartkit plot-logs`` accept a URL. The files under it are listed
and fetched with fsspec (``chartkit[remote]``) into a local mirror that keeps their names
and layout, and the local readers then read the mirror: format detection, the tolerant
rules (a cut last line, resumes, NaN) and the reports work exactly as on a local folder —
a partially uploaded object is a cut file. ``file://`` URLs are read in place.

The mirror lives in a temporary folder for one call, or in ``cache_dir`` to be reused:
files whose size is unchanged are not fetched again.

Errors from the storage layer (an unreachable host, missing credentials, a missing
bucket) are raised as one `OSError` naming the URL and what to set (``storage_options=``,
the provider's credentials, the extra), never as a traceback from deep inside a client.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path, PurePosixPath
from typing import Any

from chartkit._optional import import_optional

__all__ = ["fetch", "is_url", "local_path", "path_or_url"]

_SCHEMES_LOCAL = ("file",)
_MAX_FILES = 100_000


def is_url(path: Any) -> bool:
    """Whether *path* is an fsspec URL other than a local ``file://`` one."""
    if not isinstance(path, str) or "://" not in path:
        return False
    return path.split("://", 1)[0].lower() not in _SCHEMES_LOCAL


def path_or_url(text: str) -> Path | str:
    """A command-line argument as a local `Path`, or an fsspec URL kept as text.

    ``Path("s3://bucket/x")`` would fold the ``//``; argparse uses this as ``type=``.
    """
    return text if is_url(text) else Path(text)


def local_path(path: Any) -> Any:
    """``file://`` URLs as local paths; anything else unchanged."""
    if isinstance(path, str) and path.lower().startswith("file://"):
        return path[len("file://") :]
    return path


def _wrap(url: str, err: BaseException) -> OSError:
    scheme = url.split("://", 1)[0]
    hint = {
        "s3": "S3 credentials (AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY or "
        "storage_options={'key': ..., 'secret': ..., 'client_kwargs': {'endpoint_url': ...}})",
        "gs": "Google credentials (GOOGLE_APPLICATION_CREDENTIALS or "
        "storage_options={'token': ...})",
    }.get(scheme, "storage_options= for the server")
    return OSError(
        f"cannot read {url}: {type(err).__name__}: {err}. Check the URL and {hint}; "
        'remote logs need: pip install "chartkit[remote]".'
    )


def fetch(
    url: str,
    *,
    storage_options: dict[str, Any] | None = None,
    cache_dir: str | os.PathLike[str] | None = None,
) -> Path:
    """Mirror the file or folder at *url* into a local folder and return its local path.

    Parameters
    ----------
    url : str
        An fsspec URL (``s3://bucket/runs/world4``, ``http://host/logs/rank0.jsonl``).
    storage_options : dict, optional
        Passed to the fsspec filesystem (credentials, endpoint).
    cache_dir : path-like, optional
        Where the mirror is kept (reused across calls: files of unchanged size are not
        fetched again); default: a new temporary folder.

    Returns
    -------
    pathlib.Path
        The local copy of *url* (named like the URL's last component).

    Raises
    ------
    OSError
        The URL cannot be listed or read (the message names it and what to set).
    ImportError
        fsspec (or the scheme's package, e.g. s3fs) is not installed.
    """
    fsspec = import_optional("fsspec", "reading logs from URLs", "remote")
    try:
        fs, root = fsspec.core.url_to_fs(url, **(storage_options or {}))
    except ImportError as err:
        raise ImportError(
            f"{url}: {err}; remote logs need: pip install \"chartkit[remote]\""
        ) from None
    except Exception as err:
        raise _wrap(url, err) from None
    try:
        # HTTP servers cannot say what a URL is: a trailing slash or a listing means a folder
        is_dir = root.endswith("/") or fs.isdir(root)
        files = fs.find(root, detail=True) if is_dir else {root: fs.info(root)}
        if is_dir and not files:
            fs.ls(root)  # an unreachable server surfaces its error here; else it is empty
            raise FileNotFoundError(root)
    except FileNotFoundError:
        raise FileNotFoundError(f"no such remote file or folder: {url}") from None
    except Exception as err:
        raise _wrap(url, err) from None
    if len(files) > _MAX_FILES:
        raise OSError(
            f"{url} holds {len(files):,} files, more than {_MAX_FILES:,}: point at one run's "
            "folder."
        )
    name = PurePosixPath(root.rstrip("/")).name or "remote"
    base = Path(cache_dir) if cache_dir else Path(tempfile.mkdtemp(prefix="chartkit-remote-"))
    key = hashlib.sha1(url.encode()).hexdigest()[:10]
    mirror = base / key / name
    for remote, meta in files.items():
        if meta.get("type") == "directory":
            continue
        rel = PurePosixPath(remote).relative_to(root.rstrip("/")) if is_dir else PurePosixPath()
        local = mirror / rel if is_dir else mirror
        size = meta.get("size")
        if local.exists() and size is not None and local.stat().st_size == size:
            continue
        local.parent.mkdir(parents=True, exist_ok=True)
        try:
            fs.get_file(remote, str(local))
        except Exception as err:
            raise _wrap(f"{url} ({remote})", err) from None
    if is_dir:
        mirror.mkdir(parents=True, exist_ok=True)
    return mirror
