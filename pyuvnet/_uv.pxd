# pyuvnet._uv's declared seams, one .pxd per room that offers one (as
# uvloop's loop.pxd includes its handles' .pxd files): what a wing above
# implements, so that no wing below calls one above by name.
include "uv/http2/request_sink.pxd"
include "uv/stream/node_writes.pxd"
include "uv/stream/node_reads.pxd"
