"""The HTTP/2 conformance audit: every case of tests/http2/
h2_conformance_support.py (RFC 9113 and RFC 7541 in h2spec's groups) sent
as raw bytes to Node 20's http2 server, pyuvnet's http2 server and
``pyuvnet serve`` over h2c, each answer compared with Node's.

Prints each case whose answer differs from Node's (KNOWN: one of the
differences h2_conformance_support.py lists with its reason), then
``findings: N``, the differences not known (exit status 1 if N > 0). With ``--pin`` it writes Node's
answers to tests/http2/h2_conformance_node.json, which the suite's
tests/http2/test_http2_conformance.py holds pyuvnet to.

    python tools/audits/h2_conformance.py [--pin] [--only GROUP] [-v]
"""
import argparse
import concurrent.futures
import json
import os
import pathlib
import re
import select
import shutil
import subprocess
import sys
import tempfile
import time

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path[:0] = [str(ROOT / 'tests' / 'http2'), str(ROOT / 'tests')]
from h2_conformance_support import CASES, expected, probe  # noqa: E402  (tests/ is not a package)

PINNED = ROOT / 'tests' / 'http2' / 'h2_conformance_node.json'

# Each server answers a request with 200 once its body ended; a broken
# session or stream is only reported, as the suite's server does, and so is
# an answer to a stream the peer closed meanwhile (ERR_HTTP2_INVALID_STREAM)
# so that one case cannot end the server under the others.
NODE_SERVER = r"""
const http2 = require('http2');
const server = http2.createServer();
server.on('stream', (stream) => {
  stream.on('error', () => {});
  stream.resume();
  stream.on('end', () => {
    try { stream.respond({':status': 200}); stream.end('ok'); } catch (e) { console.error(e.code); }
  });
});
server.on('sessionError', () => {});
server.listen(0, '127.0.0.1', () => console.log('port ' + server.address().port));
"""

PYUVNET_SERVER = r"""
import sys
import pyuvnet as net
from pyuvnet import http2

def on_stream(stream, headers, flags, raw):
    stream.on('error', lambda error: None)
    stream.resume()
    def answer():
        try:
            stream.respond({':status': 200})
            stream.end(b'ok')
        except Exception as error:
            print(error.code, file=sys.stderr)
    stream.on('end', answer)

server = http2.createServer()
server.on('stream', on_stream)
server.on('sessionError', lambda error, session: None)
server.listen(0, '127.0.0.1', lambda: print('port', server.address()['port'], flush=True))
net.run()
"""

ASGI_APP = r"""
async def app(scope, receive, send):
    if scope['type'] != 'http':
        return
    while (await receive()).get('more_body'):
        pass
    await send({'type': 'http.response.start', 'status': 200, 'headers': []})
    await send({'type': 'http.response.body', 'body': b'ok'})
"""


def wait_for_port(proc, seconds=60):
    """The port ``proc`` announces on stdout or stderr ('port N' or uvicorn's
    'on http://host:N')."""
    deadline = time.monotonic() + seconds
    seen = {proc.stdout.fileno(): b'', proc.stderr.fileno(): b''}
    while time.monotonic() < deadline:
        ready, _, _ = select.select(list(seen), [], [], max(0.0, deadline - time.monotonic()))
        for fd in ready:
            chunk = os.read(fd, 4096)
            if not chunk:
                raise RuntimeError('the server exited: %r' % seen)
            seen[fd] += chunk
            found = re.search(r'(?:port |http://[\d.]+:)(\d+)', seen[fd].decode(errors='replace'))
            if found:
                return int(found.group(1))
    raise RuntimeError('no port announced: %r' % seen)


def servers(folder):
    """{name: argv} of the servers under test."""
    app = pathlib.Path(folder, 'h2_conformance_app.py')
    app.write_text(ASGI_APP)
    found = {}
    node = shutil.which('node')
    if node:
        found['node'] = [node, '-e', NODE_SERVER]
    found['pyuvnet'] = [sys.executable, '-c', PYUVNET_SERVER]
    found['serve'] = [sys.executable, '-m', 'pyuvnet', 'serve', '--port', '0', '--no-access-log',
                      '--lifespan', 'off', '--app-dir', folder, 'h2_conformance_app:app']
    return found


def run_cases(argv, cases, folder, expect=None):
    """{case id: outcome} of ``cases`` sent to the server ``argv`` starts;
    ``expect(case)``, the answer owed, lets a late response be waited for."""
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=folder)
    try:
        port = wait_for_port(proc)
        # The cases run side by side, each on its own connection; an answer
        # may follow the fence's ACK by up to a second (an ASGI app's, on a
        # loaded machine).
        with concurrent.futures.ThreadPoolExecutor(8) as pool:
            answers = pool.map(lambda case: probe(('127.0.0.1', port), case, settle=1.0,
                                                  expect=expect and expect(case)), cases)
            return {case.id: answer for case, answer in zip(cases, answers)}
    finally:
        proc.kill()
        proc.communicate()


def main():
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n')[0])
    parser.add_argument('--pin', action='store_true', help="write Node's answers to " + str(PINNED))
    parser.add_argument('--only', help='the cases of one group (e.g. 6.5.2)')
    parser.add_argument('-v', '--verbose', action='store_true', help='print every case')
    args = parser.parse_args()
    cases = [case for case in CASES if not args.only or case.group == args.only]
    with tempfile.TemporaryDirectory() as folder:
        commands = servers(folder)
        if 'node' in commands:
            reference = run_cases(commands.pop('node'), cases, folder)
        elif args.pin:
            sys.exit('--pin needs node (v20) on PATH')
        else:
            reference = json.loads(PINNED.read_text())
            print("node is not installed: Node's pinned answers (%s)" % PINNED.name)
        if args.pin:
            PINNED.write_text(json.dumps({case.id: reference[case.id] for case in cases},
                                         indent=1, sort_keys=True) + '\n')
            print('pinned %d cases to %s' % (len(cases), PINNED))
        findings = known = 0
        for name, argv in commands.items():
            answers = run_cases(argv, cases, folder, lambda case, serve=name == 'serve':
                                expected(case, reference, serve))
            for case in cases:
                answer = answers[case.id]
                if answer == reference[case.id]:
                    verdict = 'ok'
                elif answer == expected(case, reference, serve=name == 'serve'):
                    verdict, known = 'KNOWN', known + 1
                else:
                    verdict, findings = 'DIFF', findings + 1
                if args.verbose or verdict != 'ok':
                    print('%-8s %-5s %s\n         node:    %s\n         %-8s %s' % (
                        name, verdict, case.id, reference[case.id], name + ':', answer))
    print('cases: %d, servers: %s' % (len(cases), ', '.join(commands)))
    # A known difference (h2_conformance_support.KNOWN_DIFFERENCES, with its
    # reason) is listed, and is no finding.
    print('known differences: %d' % known)
    print('findings: %d' % findings)
    return 1 if findings else 0


if __name__ == '__main__':
    sys.exit(main())
