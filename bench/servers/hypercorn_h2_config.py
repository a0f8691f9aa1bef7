"""hypercorn's settings in bench/h2load_serve.py's hello cell
(``--config python:hypercorn_h2_config``): its sessions serve every
request h2load sends, as Node's and granian's do, rather than close after
hypercorn's default 1,000 (keep_alive_max_requests)."""
keep_alive_max_requests = 2 ** 31
