"""``HandleRefs``: Node's ref()/unref() for a facade whose libuv handle is
made later than the facade (a net.Server's listener, a dgram socket's
UDP handle): the choice is kept and given to the handle once it exists."""

__all__ = ['HandleRefs']


class HandleRefs:
    """ref()/unref() over ``self._handle`` (None until made) and
    ``self._refed`` (what a handle made later starts with)."""

    def ref(self):
        """Let this object's handle keep run() going (the default); returns
        the object."""
        self._refed = True
        if self._handle is not None:
            self._handle.ref()
        return self

    def unref(self):
        """Let run() return while this object's handle is all that is left;
        returns the object."""
        self._refed = False
        if self._handle is not None:
            self._handle.unref()
        return self
