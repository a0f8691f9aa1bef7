"""Child programs for the child_process tests, written to a tmp dir.

``script(tmp_path, name)`` writes the program ``name`` and returns its path.
The pyuvnet child (``worker.py``) obeys commands; every other message is
echoed back as ``{'echo': message}``.
"""
import textwrap

PROGRAMS = {
    'worker.py': '''
        import os, signal, sys
        import pyuvnet
        from pyuvnet import process

        servers = []

        def on_message(message, handle=None):
            cmd = message.get('cmd') if isinstance(message, dict) else None
            if handle is not None and message == 'server':
                servers.append(handle)
                handle.on('connection', lambda sock: sock.end('served by %d\\n' % os.getpid()))
                process.send({'listening': handle.listening})
            elif handle is not None and message == 'socket':
                handle.on('data', lambda data: handle.end(b'child read ' + data))
                process.send('socket taken')
            elif cmd == 'disconnect':
                for server in servers:
                    server.close()
                process.disconnect()
            elif cmd == 'quiet':
                pass                    # a message that needs no answer
            elif cmd == 'crash':
                os.kill(os.getpid(), signal.SIGSEGV)
            elif cmd == 'exit':
                sys.exit(message['code'])
            elif cmd == 'burst':
                for i in range(message['count']):
                    process.send(i)
            elif cmd == 'big':
                process.send('x' * message['size'])
            elif cmd == 'env':
                process.send({'fd': os.environ.get('NODE_CHANNEL_FD'), 'cwd': os.getcwd(),
                              'argv': sys.argv[1:], 'extra': os.environ.get('EXTRA')})
            else:
                process.send({'echo': message})

        process.on('message', on_message)
        process.on('disconnect', lambda: print('child disconnect', flush=True))
        pyuvnet.run()
        print('child done', flush=True)
    ''',
    'idle.py': '''
        # Stays alive only through the channel's 'message' listener.
        import pyuvnet
        from pyuvnet import process
        process.on('message', lambda message: None)
        process.on('disconnect', lambda: print('child disconnect', flush=True))
        pyuvnet.run()
        print('child done', flush=True)
    ''',
    'exit.py': '''
        pass
    ''',
    'no_listener.py': '''
        import pyuvnet
        from pyuvnet import process
        print('connected', process.connected, 'channel', process.channel is not None, flush=True)
        pyuvnet.run()
        print('child done', flush=True)
    ''',
    'echo.js': '''
        const net = require('net');
        let server = null;
        process.on('message', (message, handle) => {
          if (message === 'server') {
            server = handle;
            handle.on('connection', (sock) => sock.end('served by node\\n'));
            process.send({ listening: handle.listening });
          } else if (message === 'socket') {
            handle.on('data', (data) => handle.end('node read ' + data));
            process.send('socket taken');
          } else if (message === 'hand me a connection') {
            const own = net.createServer((sock) => { process.send('yours', sock); own.close(); });
            own.listen(0, '127.0.0.1', () => process.send({ port: own.address().port }));
          } else if (message && message.cmd === 'disconnect') {
            if (server) server.close();
            process.disconnect();
          } else {
            process.send({ echo: message });
          }
        });
    ''',
}


def script(tmp_path, name):
    path = tmp_path / name
    path.write_text(textwrap.dedent(PROGRAMS[name]))
    return str(path)
