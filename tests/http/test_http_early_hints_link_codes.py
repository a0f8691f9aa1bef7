"""writeEarlyHints() as Node 20's: its ``link`` is checked against Node's
Link pattern (ERR_INVALID_ARG_VALUE, Node's message), a list is one Link
line joined with ', ', and without a link nothing is sent.  Pinned with
/usr/bin/node: {link: '</a>; rel=preload\\r\\nInjected: 1'}, 5 and 'x' are
ERR_INVALID_ARG_VALUE; {'x-a': '1'}, {link: None} and {link: []} send
nothing; a string for hints is ERR_INVALID_ARG_TYPE."""
import re

import pytest

import pyuvnet as net
import pyuvnet.http as http
from http_server_support import listen, raw_client

FORMAT = ('The argument \'hints\' must be an array or string of format '
          '"</styles.css>; rel=preload; as=style". Received ')


def hints_exchange(run_loop, hints):
    """(the error writeEarlyHints raised or None, what went out before the 200)."""
    errors = []
    got = []
    server = http.createServer()

    def on_request(req, res):
        try:
            res.writeEarlyHints(hints)
        except Exception as error:  # noqa: BLE001
            errors.append(error)
        res.end('x')
        net.setTimeout(lambda: (server.closeAllConnections(), server.close()), 100)
    server.on('request', on_request)
    listen(server, lambda: got.append(raw_client(server)))
    run_loop()
    return (errors[0] if errors else None), b''.join(got[0][0]).split(b'HTTP/1.1 200')[0]


@pytest.mark.parametrize('link, shown', [
    ('</a>; rel=preload\r\nInjected: 1', "'</a>; rel=preload\\r\\nInjected: 1'"),
    (5, '5'), ('x', "'x'"), (['</a>', 'x'], "'x'"), ('<\r\nInjected: 1>', None),
])
def test_a_bad_link_is_err_invalid_arg_value_and_nothing_is_sent(run_loop, link, shown):
    error, sent = hints_exchange(run_loop, {'link': link})
    assert error.code == 'ERR_INVALID_ARG_VALUE'
    if shown is not None:
        assert str(error) == FORMAT + shown
    assert sent == b''


@pytest.mark.parametrize('hints', [{'x-a': '1'}, {'link': None}, {'link': []}])
def test_no_link_sends_nothing(run_loop, hints):
    assert hints_exchange(run_loop, hints) == (None, b'')


def test_a_list_is_one_link_line_and_the_other_hints_follow(run_loop):
    error, sent = hints_exchange(run_loop, {
        'link': ['</a.css>; rel=preload', '</b.js>; rel=preload; as=script'], 'x-b': '2'})
    assert error is None
    assert sent == (b'HTTP/1.1 103 Early Hints\r\nLink: </a.css>; rel=preload, '
                    b'</b.js>; rel=preload; as=script\r\nx-b: 2\r\n\r\n')


def test_hints_that_are_not_a_mapping_are_err_invalid_arg_type(run_loop):
    error, sent = hints_exchange(run_loop, 'str')
    assert error.code == 'ERR_INVALID_ARG_TYPE'
    assert re.match(r'The "hints" argument must be of type object', str(error))
    assert sent == b''
