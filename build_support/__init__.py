"""setup.py's helpers: the libuv choice (libuv.py) and the vendored
libraries' checks and compilation (vendored.py)."""
