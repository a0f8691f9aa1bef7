# Duplex's init from a template of states (Duplex._states_template()):
# what a stream made often (each HTTP/2 stream) does instead of reading its
# options again. stream/_duplex.py's Duplex binds it as _init_duplex_as.

def duplex_init_as(self, tuple template):
    """_init_duplex() of the options a _states_template() was made of,
    without reading them again (once per stream of that kind)."""
    readable, writable, self._allow_half_open = template
    # New states with the template's fields and buffers of their own.
    self._readableState = (<ReadableState?>readable).clone()
    self._writableState = (<WritableState?>writable).clone()
    if self._construct is not None:
        # Both sides wait for the class's _construct(), as _init_duplex's.
        self._init_base()
        construct(self, self._read_constructed)
        construct(self, self._write_constructed)
