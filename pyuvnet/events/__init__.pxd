# The events family's C face: EventEmitter's declaration for the extensions
# below the families (the stream machine, pyuvnet/_internal/streams/), which
# cimport the public class from here rather than from the family's room.
from pyuvnet.events._emitter cimport EventEmitter
