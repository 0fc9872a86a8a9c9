"""The memory allocator cdcsim's long-running commands run on, and how they choose jemalloc.

Why this exists: DuckDB plans every statement with many small C++ allocations, and those go to
the C library's ``malloc`` (DuckDB's own jemalloc only serves its data buffers). Profiled with
``perf`` on silver's refresh statement (50 changed bookings in 10M), glibc's ``_int_malloc``,
``_int_free``, ``malloc`` and ``malloc_consolidate`` took about a quarter of the samples, and the
statement ran in 7.1 ms median under jemalloc against 10.0 ms under glibc (interleaved runs,
CPU time 9.0 vs 13.1 ms). A refresh is a dozen such statements, so this is the largest single
lever on change-to-gold latency.

An allocator is chosen when a process starts (``LD_PRELOAD``); a library cannot swap it later.
So:

* the ``cdcsim`` command re-executes itself once under jemalloc for the subcommands that run
  statements (``run``, ``demo``, ``sql``) — :func:`reexec`;
* ``python -m benchmarks`` starts its scripts under it — :func:`child_env`;
* a program that imports cdcsim (your test suite, a notebook) keeps the allocator it started
  with. To get the same speed there, start it under jemalloc yourself:
  ``LD_PRELOAD=/usr/lib/x86_64-linux-gnu/libjemalloc.so.2 pytest``.

jemalloc comes from the system (Debian/Ubuntu: ``apt-get install libjemalloc2``). When it is not
installed, nothing changes: the commands run on the C library's allocator. ``CDCSIM_MALLOC=system``
turns the switch off; ``CDCSIM_JEMALLOC=/path/libjemalloc.so.2`` names the library explicitly.
"""

from __future__ import annotations

import glob
import os
import sys
from collections.abc import Mapping

ENV_CHOICE = "CDCSIM_MALLOC"  # "system" keeps the C library's malloc
ENV_PATH = "CDCSIM_JEMALLOC"  # an explicit libjemalloc path
_ENV_DONE = "_CDCSIM_MALLOC_REEXEC"  # set in the re-executed process: never exec twice

# Where distributions put the shared library (Debian multiarch first).
_CANDIDATES = [
    "/usr/lib/*-linux-gnu/libjemalloc.so.2",
    "/usr/lib64/libjemalloc.so.2",
    "/usr/lib/libjemalloc.so.2",
    "/usr/local/lib/libjemalloc.so.2",
]
_KNOWN = {"libjemalloc": "jemalloc", "libmimalloc": "mimalloc", "libtcmalloc": "tcmalloc"}


def library(env: Mapping[str, str] | None = None) -> str | None:
    """The jemalloc shared library to preload, or None (not installed, or switched off)."""
    env = os.environ if env is None else env
    if env.get(ENV_CHOICE, "jemalloc").lower() == "system" or not sys.platform.startswith("linux"):
        return None
    explicit = env.get(ENV_PATH)
    if explicit:
        return explicit if os.path.isfile(explicit) else None
    for pattern in _CANDIDATES:
        for path in sorted(glob.glob(pattern)):
            if os.path.isfile(path):
                return path
    return None


def in_use() -> str:
    """The allocator this process runs on: ``jemalloc``, ``mimalloc``, ``tcmalloc`` or ``system``
    (read from the libraries mapped into the process)."""
    try:
        with open("/proc/self/maps") as f:
            maps = f.read()
    except OSError:
        return "system"
    for lib, name in _KNOWN.items():
        if "/" + lib in maps:
            return name
    return "system"


def child_env(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """A copy of ``env`` (default: this process's) that starts a child process under jemalloc,
    when it is installed and wanted; otherwise an unchanged copy."""
    out = dict(os.environ if env is None else env)
    lib = library(out)
    preload = out.get("LD_PRELOAD", "")
    if lib is None or any(k in preload for k in _KNOWN):
        return out
    out["LD_PRELOAD"] = f"{lib} {preload}".strip()
    return out


def reexec() -> None:
    """Replace this process with the same command line under jemalloc, once. Returns (and the
    process carries on, on whatever allocator it has) when jemalloc is missing or switched off,
    already in use, or this process is the re-executed one."""
    if os.environ.get(_ENV_DONE) or in_use() != "system":
        return
    env = child_env()
    if env.get("LD_PRELOAD") == os.environ.get("LD_PRELOAD"):
        return  # nothing to preload
    env[_ENV_DONE] = "1"
    sys.stdout.flush()
    sys.stderr.flush()
    os.execve(sys.executable, list(sys.orig_argv), env)
