"""``--reload``: the primary's watch on the app's files.

A thread watches ``--reload-dir``s (watchfiles where it is installed,
else a walk every ``--reload-delay`` seconds comparing modification
times) for a change to a file the patterns take, and tells the primary
with a SIGHUP to itself: the loop of the primary wakes for signals, and a
reload is what SIGHUP does anyway (a fresh set of workers; the old drain).

The patterns are uvicorn's (uvicorn/supervisors/watchfilesreload.py's
rules): ``*.py`` and the ``--reload-include`` globs are watched,
``.*``, ``.py[cod]``, ``.sw.*``, ``~*`` and the ``--reload-exclude`` globs
are not (a default named on the other side is dropped), and an exclude
that is a directory leaves out what is below it.  Unlike uvicorn's
fallback, the polling watcher follows the patterns too.

The primary drops the cached bytecode of the changed ``.py`` files
before it forks the new workers (``drop_changed_bytecode``): a ``.pyc``
is trusted by its source's mtime in whole seconds and its size, and the
primary imported the app (writing one), so an edit within the same second
that keeps the size would otherwise be served stale by the new worker (as
it is by uvicorn 0.54's reloader).
"""
import importlib.machinery
import importlib.util
import os
import signal
import threading
from pathlib import Path

__all__ = ['FileFilter', 'Watcher', 'drop_bytecode']

DEFAULT_INCLUDES = ('*.py',)
DEFAULT_EXCLUDES = ('.*', '.py[cod]', '.sw.*', '~*')


class FileFilter:
    """Whether a changed path is one to reload for."""

    def __init__(self, includes, excludes):
        self.includes = set(d for d in DEFAULT_INCLUDES if d not in excludes) | set(includes)
        self.excludes = set(d for d in DEFAULT_EXCLUDES if d not in includes)
        self.exclude_dirs = []
        for pattern in excludes:
            path = Path(pattern)
            if path.is_dir():
                self.exclude_dirs.append(path.resolve())
            else:
                self.excludes.add(pattern)

    def __call__(self, path):
        path = Path(path)
        if not any(path.match(pattern) for pattern in self.includes):
            return False
        if any(excluded in path.parents for excluded in self.exclude_dirs):
            return False
        # A file named exactly as an include pattern is watched whatever
        # the excludes say (uvicorn's rule, for e.g. an include '.env').
        if any(str(path).endswith(pattern) for pattern in self.includes):
            return True
        return not any(path.match(pattern) for pattern in self.excludes)


def drop_bytecode(paths):
    """Remove the cached bytecode of the Python sources among ``paths``
    (at every optimisation level: a worker may run with -O)."""
    for path in paths:
        if not str(path).endswith(tuple(importlib.machinery.SOURCE_SUFFIXES)):
            continue
        for level in ('', 1, 2):
            try:
                os.unlink(importlib.util.cache_from_source(path, optimization=level))
            except (OSError, NotImplementedError):
                # None cached, or no cache on this implementation.
                pass


class Watcher:
    """A thread that sends this process a SIGHUP after each change;
    ``stop()`` ends it (within ``--reload-delay``)."""

    def __init__(self, config):
        # uvicorn's: the working directory unless --reload-dir says.
        self.dirs = [Path(d).resolve() for d in config.reload_dirs or ['.']]
        self.filter = FileFilter(config.reload_includes, config.reload_excludes)
        self.delay = config.reload_delay
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.changed = set()        # paths changed since the last reload
        self.thread = threading.Thread(target=self._watch, name='pyuvnet-reload', daemon=True)

    def start(self):
        """Start watching; returns what is watched, and how, in words."""
        self.thread.start()
        return 'watching %s for changes (%s)' % (
            ', '.join(str(d) for d in self.dirs),
            'watchfiles' if self._watchfiles() is not None else 'polling every %gs' % self.delay)

    @staticmethod
    def _watchfiles():
        try:
            import watchfiles
        except ImportError:
            return None
        return watchfiles

    def stop(self):
        self.stopped.set()

    def has_changes(self):
        """Whether a file changed since the last drop_changed_bytecode()."""
        with self.lock:
            return bool(self.changed)

    def drop_changed_bytecode(self):
        """Drop the cached bytecode of the files changed since the last
        call (the primary's, right before it forks the new workers)."""
        with self.lock:
            changed, self.changed = self.changed, set()
        drop_bytecode(changed)

    def _watch(self):
        watchfiles = self._watchfiles()
        if watchfiles is None:
            self._poll()
            return
        for changes in watchfiles.watch(*self.dirs, watch_filter=None, stop_event=self.stopped,
                                        yield_on_timeout=True, ignore_permission_denied=True,
                                        debounce=int(self.delay * 1000), step=50):
            changed = [path for _, path in changes if self.filter(path)]
            if changed:
                self._tell(changed)

    def _poll(self):
        seen = self._mtimes()
        while not self.stopped.wait(self.delay):
            now = self._mtimes()
            if now != seen:
                changed = [path for path in now.keys() | seen.keys()
                           if now.get(path) != seen.get(path)]
                seen = now
                self._tell(changed)

    def _mtimes(self):
        found = {}
        for top in self.dirs:
            for folder, subdirs, files in os.walk(top):
                # Hidden directories (.git, .venv) are the excludes' '.*'.
                subdirs[:] = [d for d in subdirs if not d.startswith('.')]
                for name in files:
                    path = os.path.join(folder, name)
                    if self.filter(path):
                        try:
                            found[path] = os.stat(path).st_mtime_ns
                        except OSError:
                            pass
        return found

    def _tell(self, changed):
        if not self.stopped.is_set():
            with self.lock:
                self.changed.update(changed)
            os.kill(os.getpid(), signal.SIGHUP)
