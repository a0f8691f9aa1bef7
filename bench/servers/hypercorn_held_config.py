"""hypercorn's settings for bench/h2_held_streams.py (``--config
python:hypercorn_held_config``): one connection may hold the bench's
11,000 streams (hypercorn's default bound is 100, pyuvnet serve's
``--h2-max-concurrent-streams`` is raised the same way), and a session
serves them all rather than close after 1,000 (keep_alive_max_requests)."""
h2_max_concurrent_streams = 2 ** 31 - 1
keep_alive_max_requests = 2 ** 31
