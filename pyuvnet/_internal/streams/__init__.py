"""The stream machine below every family that streams (Node's
lib/internal/streams/): ReadableState and WritableState as C structs and
the sequences over them (``_core``), the state module's Python names
(``state``), and how a C stream takes the Readable API (``native``)."""
