"""A connection's first bytes, read before the reader that serves it is
chosen (the PROXY protocol's header, HTTP/2's preface): held until they
tell, then handed over with the connection."""

__all__ = ['FirstBytes']


class FirstBytes:
    """Reads ``socket``'s first bytes into ``pending`` (the subclass's
    ``on_data`` decides); a connection silent for ``timeout`` ms is
    destroyed, and one that fails meanwhile (a peer's reset: HAProxy
    resets a server connection whose client left before it) is let go
    with its error, as the reader it would be handed to does."""

    def __init__(self, socket, timeout):
        self.socket = socket
        self.pending = b''
        socket.on('data', self.on_data)
        socket.on('error', self.on_error)
        socket.setTimeout(timeout, self.on_timeout)

    def on_data(self, chunk):
        raise NotImplementedError

    def hand_over(self, attach, rest):
        """Stops reading; ``attach(socket)`` sets up the connection's reader,
        which then gets ``rest``, the bytes read and not used here."""
        socket = self.socket
        socket.removeListener('data', self.on_data)
        socket.removeListener('error', self.on_error)
        socket.removeListener('timeout', self.on_timeout)
        socket.setTimeout(0)
        self.pending = b''
        attach(socket)
        if rest and not socket.destroyed:
            for listener in socket.listeners('data'):
                listener(rest)

    def on_timeout(self):
        self.refuse()

    def on_error(self, error):
        # (The socket is destroyed with its error: 'close' follows.)
        self.pending = b''

    def refuse(self):
        self.pending = b''
        self.socket.destroy()
