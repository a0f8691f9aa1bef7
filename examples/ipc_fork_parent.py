"""Parent and child talking over fork()'s IPC channel: the two fork
examples of Node's IPC guide, spelled in Python (with ipc_fork_child.py).
The messages printed are the guide's own, in Chinese, as its example has
them; each has its English in a comment beside it.

    python examples/ipc_fork_parent.py              # the first example
    python examples/ipc_fork_parent.py --control    # the second: commands, stdio inherited
    python examples/ipc_fork_parent.py --child child.js --exec-path node

The first example sends ``{'hello': 'world'}`` and prints what the child
answers; the second sends the command ``{'cmd': 'sayHello'}`` with the
child's stdio shared with ours (``['inherit', 'inherit', 'inherit',
'ipc']``).  The child may be a Node script written for Node's ``fork()``
(``--child child.js --exec-path node``): the channel speaks Node's format.

As in Node, both processes keep running while they listen for messages;
stop with Ctrl-C, or pass ``--once`` to disconnect after the first answer
(then both end by themselves).
"""
from __future__ import annotations

import argparse
import os
import signal
import sys
from typing import TYPE_CHECKING, Any

import pyuvnet
from pyuvnet import child_process

if TYPE_CHECKING:
    from pyuvnet.child_process import ChildProcess, ForkOptions

HERE = os.path.dirname(os.path.abspath(__file__))


def first_example(child_path: str, options: 'ForkOptions', once: bool) -> 'ChildProcess':
    child = child_process.fork(child_path, [], options)

    # Send a message to the child.
    child.send({'hello': 'world'})

    # Listen for messages from the child.
    def on_message(message: Any) -> None:
        # English: "Message received from the child:"
        print('收到来自子进程的消息:', message, flush=True)
        if once:
            child.disconnect()
    child.on('message', on_message)
    return child


def control_example(child_path: str, options: 'ForkOptions', once: bool) -> 'ChildProcess':
    child = child_process.fork(child_path, ['control'], {
        **options, 'stdio': ['inherit', 'inherit', 'inherit', 'ipc']})  # open the IPC channel

    child.send({'cmd': 'sayHello'})

    def on_message(message: Any) -> None:
        # English: "Message from the child:"
        print('来自子进程的消息:', message, flush=True)
        if once:
            child.disconnect()
    child.on('message', on_message)
    return child


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or '').split('\n\n')[0])
    parser.add_argument('--control', action='store_true',
                        help='run the second example (commands, inherited stdio)')
    parser.add_argument('--child', default=os.path.join(HERE, 'ipc_fork_child.py'),
                        help='the child program (default: ipc_fork_child.py)')
    parser.add_argument('--exec-path', help='the interpreter for the child (default: this Python)')
    parser.add_argument('--once', action='store_true',
                        help='disconnect after the first answer, so both processes end')
    args = parser.parse_args(argv)
    options: ForkOptions = {'execPath': args.exec_path} if args.exec_path else {}
    example = control_example if args.control else first_example
    child = example(args.child, options, args.once)
    # Ctrl-C: disconnect, so that the child ends; run() returns once it has
    # exited and the program ends with status 0 (in a terminal the child
    # gets the Ctrl-C too and ends at once).
    signal.signal(signal.SIGINT, lambda *_: child.disconnect() if child.connected else None)
    pyuvnet.run()


if __name__ == '__main__':
    main()
