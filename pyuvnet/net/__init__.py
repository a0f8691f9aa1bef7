"""Node's ``net``: its rooms.  The family's face is ``pyuvnet`` itself
(``import pyuvnet as net``), which re-exports what is public here:
``_socket`` (Socket), ``_server`` (Server), ``_connecting`` (lookup, Happy
Eyeballs), and the rest, one concept a room (docs/DESIGN.md)."""
