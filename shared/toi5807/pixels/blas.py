"""One BLAS thread while the pixels are vetted: steady timings on a busy machine, the same numbers.

The products of pixel vetting are small or thin (a 17 000 × 50 cube slice times a 50 × 5 projector), so a
multi-threaded BLAS gains nothing and, when other processes hold the cores, waits for its worker threads:
the same product took 0.6 ms or 9 ms from one call to the next on the 2-core development machine. Inside
:func:`single_blas_thread` (and in functions decorated with :func:`one_blas_thread`: difference images,
localization, the joint fit, V08, V10, :func:`toi5807.vet_pixels`) every BLAS library numpy and scipy loaded runs one thread
(``threadpoolctl``); OpenBLAS gives bit-identical results for any thread count, so only the time changes.
Without ``threadpoolctl`` the context does nothing. The limit is process-wide while the context is open.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Any, Callable, TypeVar

__all__ = ["single_blas_thread", "one_blas_thread"]

_F = TypeVar("_F", bound=Callable[..., Any])

_CONTROLLER: list[Any] = []  # the ThreadpoolController, made once (scanning the loaded libraries takes ~5 ms)


def single_blas_thread() -> contextlib.AbstractContextManager:
    """Context manager limiting every loaded BLAS to one thread (a no-op without ``threadpoolctl``)."""
    try:
        import scipy.linalg  # noqa: F401 - load scipy's own BLAS before the controller lists the libraries
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - threadpoolctl is a dependency; only the speed would differ
        return contextlib.nullcontext()
    if not _CONTROLLER:
        _CONTROLLER.append(ThreadpoolController())
    return _CONTROLLER[0].limit(limits=1, user_api="blas")


def one_blas_thread(func: _F) -> _F:
    """Decorator: run ``func`` inside :func:`single_blas_thread`."""
    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with single_blas_thread():
            return func(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
