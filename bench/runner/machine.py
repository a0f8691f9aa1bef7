"""What the results were measured on: machine, versions, settings."""
from __future__ import annotations

import importlib.metadata
import os
import platform
import socket
import subprocess
import sys
import time

from .systems import pyuvnet_tree


def command_output(argv):
    try:
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return (proc.stdout.strip() or None) if proc.returncode == 0 else None


def cpu_model():
    try:
        with open('/proc/cpuinfo') as info:
            for line in info:
                if line.startswith('model name'):
                    return line.split(':', 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


# The Python web servers and framework of --asgi's cells.
WEB_PACKAGES = ('uvicorn', 'granian', 'fastpysgi', 'fastapi')


def package_version(name):
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def pyuvnet_libuv(repo):
    """The libuv the benchmarked pyuvnet has (compiled in or linked), as
    its servers import it: the checkout's first."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(filter(None, (str(repo),
                                                                   os.environ.get('PYTHONPATH')))))
    try:
        proc = subprocess.run([sys.executable, '-c', 'import pyuvnet; print(pyuvnet.libuv_version())'],
                              capture_output=True, text=True, timeout=30, env=env)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return proc.stdout.strip() or None if proc.returncode == 0 else None


def describe(plan, settings, tree=None):
    """The run's record header; ``tree``: the checkout whose pyuvnet ran."""
    repo = pyuvnet_tree(tree)
    return {
        'date': time.strftime('%Y-%m-%d %H:%M:%S %z'),
        'host': socket.gethostname().split('.')[0],
        'cpu': cpu_model(),
        'cpus': os.cpu_count(),
        'kernel': platform.release(),
        'python': sys.version.split()[0],
        'node': command_output(['node', '--version']),
        'uvloop': package_version('uvloop'),
        'httptools': package_version('httptools'),
        **{name: package_version(name) for name in WEB_PACKAGES},
        'libuv': command_output(['pkg-config', '--modversion', 'libuv']),
        'pyuvnet_libuv': pyuvnet_libuv(repo),
        'pyuvnet_commit': command_output(['git', '-C', repo, 'describe', '--always', '--dirty']),
        'pinning': plan.note,
        'settings': settings,
    }
