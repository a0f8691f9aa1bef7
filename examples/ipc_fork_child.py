"""The child of ipc_fork_parent.py (or of Node's ``fork()``): it answers
its parent over the IPC channel with ``pyuvnet.process``. Its messages
are those of the example in Node's IPC guide (in Chinese, as the guide
has them), each with its English in a comment beside it.

    python examples/ipc_fork_parent.py      # forks this file

Without arguments it is the first example's child: it prints each message
and answers ``{'received': True}``.  With the argument ``control`` it is
the second example's: it obeys ``{'cmd': 'sayHello'}`` and answers
``{'cmd': 'received'}``.  It ends when the parent disconnects or exits.
"""
from __future__ import annotations

import argparse
import signal
from typing import Any

import pyuvnet
from pyuvnet import process


def first_example() -> None:
    def on_message(message: Any) -> None:
        # English: "Message received from the parent:"
        print('收到来自父进程的消息:', message, flush=True)
        # Answer the parent.
        process.send({'received': True})
    process.on('message', on_message)


def control_example() -> None:
    def on_message(message: Any) -> None:
        if isinstance(message, dict) and message.get('cmd') == 'sayHello':
            # English: "Hello, a message from the parent!"
            print('你好，来自父进程的消息!', flush=True)
            process.send({'cmd': 'received'})
    process.on('message', on_message)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or '').split('\n\n')[0])
    parser.add_argument('example', nargs='?', choices=['control'],
                        help="'control' for the second example's child")
    args = parser.parse_args(argv)
    if not process.connected:
        parser.error('run me with fork(): there is no IPC channel (NODE_CHANNEL_FD)')
    if args.example == 'control':
        control_example()
    else:
        first_example()
    # Ctrl-C (a terminal sends it to the parent and to this child): end
    # quietly with status 0; the parent sees the channel close.
    signal.signal(signal.SIGINT, lambda *_: pyuvnet.stop())
    pyuvnet.run()


if __name__ == '__main__':
    main()
