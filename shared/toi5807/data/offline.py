"""Offline astropy for the package's own calls: no IERS downloads, no astropy internet use.

:func:`offline_astropy` sets astropy's ``utils.data.allow_internet`` and the IERS ``auto_download`` /
``auto_max_age`` options for the duration of a call and restores them after, so importing
:mod:`toi5807` leaves the user's astropy configuration (and ``ASTROPY_CONFIG_DIR``) untouched.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator
from typing import Any

__all__ = ["offline_astropy", "offline"]


@contextlib.contextmanager
def offline_astropy() -> Iterator[None]:
    """Context manager: astropy works offline inside (bundled IERS tables only, no downloads)."""
    from astropy.utils import data, iers

    with contextlib.ExitStack() as stack:
        stack.enter_context(data.conf.set_temp("allow_internet", False))
        stack.enter_context(iers.conf.set_temp("auto_download", False))
        stack.enter_context(iers.conf.set_temp("auto_max_age", None))
        yield


def offline(func: Callable[..., Any]) -> Callable[..., Any]:
    """Decorator: run ``func`` inside :func:`offline_astropy`."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with offline_astropy():
            return func(*args, **kwargs)

    return wrapper
