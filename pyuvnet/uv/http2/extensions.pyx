# What the http2 wing adds to H2Core (session.pyx) beside requests and
# responses: server push (PUSH_PROMISE out, and in on a client), the ALTSVC
# and ORIGIN frames (RFC 7838, RFC 8336: a server's, read by a client), and
# RFC 7540's PRIORITY frames, which nghttp2 1.70 neither sends nor reports
# (its nghttp2_submit_priority does nothing): the core writes them itself
# between nghttp2's frames and finds the received ones with its H2FrameWatch.
# Each submit function is given the live core its owner holds. Also the
# settings past Node's table (its customSettings) a SETTINGS frame carries,
# and the next stream id a session sets.


cdef inline int32_t h2_block_id(const ng.nghttp2_frame* frame) noexcept:
    """The stream a header block is for: a PUSH_PROMISE's is the promised one."""
    if frame.hd.type == ng.NGHTTP2_PUSH_PROMISE:
        return frame.push_promise.promised_stream_id
    return frame.hd.stream_id


cdef str h2_text(const uint8_t* data, size_t length):
    return (<const char*>data)[:length].decode('latin-1') if length else ''


cdef int h2_on_extra_frame(H2Core core, const ng.nghttp2_frame* frame) except -1:
    """A PUSH_PROMISE, ALTSVC or ORIGIN received (h2_on_frame_recv's)."""
    cdef ng.nghttp2_ext_altsvc* altsvc
    cdef ng.nghttp2_ext_origin* origin
    cdef H2HeaderBlock block
    cdef size_t i
    if frame.hd.type == ng.NGHTTP2_PUSH_PROMISE:
        block = core.receiving.pop(frame.push_promise.promised_stream_id, None)
        if block is not None:
            core.owner._h2_push_promise(frame.hd.stream_id, frame.push_promise.promised_stream_id,
                                        block.fields, block.sensitive)
    elif frame.hd.type == ng.NGHTTP2_ALTSVC:
        altsvc = <ng.nghttp2_ext_altsvc*>frame.ext.payload
        core.owner._h2_altsvc(h2_text(altsvc.field_value, altsvc.field_value_len),
                              h2_text(altsvc.origin, altsvc.origin_len), frame.hd.stream_id)
    else:
        origin = <ng.nghttp2_ext_origin*>frame.ext.payload
        core.owner._h2_origin([h2_text(origin.ov[i].origin, origin.ov[i].origin_len)
                               for i in range(origin.nov)])
    return 0


cdef tuple h2_custom_settings(const ng.nghttp2_frame* frame):
    """A SETTINGS frame's (id, value) pairs of ids 7 and up: the ones
    past Node's table, which nghttp2 keeps no value of (Node reports those
    a session's remoteCustomSettings names). Mostly none: the empty tuple."""
    cdef size_t i
    cdef list found = None
    for i in range(frame.settings.niv):
        if frame.settings.iv[i].settings_id >= 7:
            if found is None:
                found = []
            found.append((frame.settings.iv[i].settings_id, frame.settings.iv[i].value))
    return () if found is None else tuple(found)


cdef bint h2_receive_priorities(H2Core core, const uint8_t[:] data) except -1:
    """receive()'s first step: False when the watch found nothing in
    ``data`` (receive() goes on with all of it); else the bytes go to
    receive() in pieces: the owner's _h2_priority after each PRIORITY
    frame, and a stream's WINDOW_UPDATE, a frame on a stream nghttp2 has
    closed, or a DATA frame that may overrun its stream's window, checked
    before nghttp2 reads it."""
    cdef H2FrameWatch watch = core.watch
    cdef int held = watch.head_len
    cdef list found
    cdef Py_ssize_t start = 0, end, frame_start, stop
    cdef int32_t stream_id
    if held:
        # The last read ended inside a frame header, whose bytes were held
        # back from nghttp2 (below): that frame is read again whole here,
        # so that it is looked at before nghttp2 reads it. (Rare: one copy.)
        watch.head_len = 0
        data = (<const char*>watch.head)[:held] + bytes(data)
    found = watch.scan(&data[0], data.shape[0])
    # A header cut by the read's end waits for the next read.
    stop = data.shape[0] - watch.head_len
    if core.dropping:
        # The rest of a dropped DATA frame's payload.
        start = min(core.dropping, <size_t>data.shape[0])
        core.dropping -= start
    elif found is None and stop == data.shape[0] and not held:
        return False
    core.watched = True
    try:
        for kind, end, stream_id, parent, weight, exclusive in found or ():
            if kind != H2_FOUND_PRIORITY:
                # Looked at before nghttp2 reads the frame (one begun in an
                # earlier read is nghttp2's already).
                frame_start = end - (H2_WINDOW_UPDATE_LEN if kind == H2_FOUND_WINDOW
                                     else H2_FRAME_HEAD_LEN)
                if frame_start >= start:
                    core.receive(data[start:frame_start])
                    start = frame_start
                    if core.owner is None:
                        return True
                    if kind == H2_FOUND_WINDOW:
                        if h2_window_overflows(core, stream_id, parent):
                            start = end
                    elif h2_answer_closed_stream(core, stream_id, parent):
                        return True
                    elif parent == ng.NGHTTP2_DATA and h2_drop_overrun(core, stream_id, weight):
                        start = end + weight
                        if start > data.shape[0]:
                            core.dropping = start - data.shape[0]
                            start = data.shape[0]
                continue
            core.receive(data[start:end])
            start = end
            if core.owner is None or core.session is NULL:
                return True
            if stream_id == 0:
                # As Node 20's nghttp2: a connection error, which Node
                # answers as the other protocol errors.
                h2_end_as_node(core, core.session, ng.NGHTTP2_ERR_PROTO)
                core.raise_pending()
            if parent == <uint32_t>stream_id:
                # As Node 20's nghttp2: GOAWAY PROTOCOL_ERROR, no 'priority'.
                core.terminated = True
                ng.nghttp2_session_terminate_session(core.session, ng.NGHTTP2_PROTOCOL_ERROR)
                return True
            core.owner._h2_priority(stream_id, parent, weight, exclusive)
        if core.owner is not None and start < stop:
            core.receive(data[start:stop])
    finally:
        core.watched = False
    return True


cdef bint h2_answer_closed_stream(H2Core core, int32_t stream_id, uint8_t kind) except -1:
    """A DATA or HEADERS frame on a stream of the client's that nghttp2
    holds no more, answered as closed_streams.pyx says: True when the
    session ends for it (nghttp2 ignores what follows)."""
    cdef int answer
    if core.session is NULL:
        return False
    answer = h2_closed_answer(&core.closed, core.session, stream_id, kind)
    if answer == H2_ANSWER_RESET:
        # Counted as Node counts invalid frames: a flood of them ends.
        if h2_count_invalid(core):
            h2_end_as_node(core, core.session, ng.NGHTTP2_ERR_PROTO)
            core.raise_pending()
            return True
        # (nghttp2 sends no RST_STREAM for a stream it does not hold.)
        h2_reset_ahead(core, stream_id, ng.NGHTTP2_STREAM_CLOSED)
        return False
    if answer == H2_ANSWER_END:
        core.terminated = True
        ng.nghttp2_session_terminate_session(core.session, ng.NGHTTP2_STREAM_CLOSED)
        return True
    if answer == H2_ANSWER_NONE:
        return False
    h2_end_as_node(core, core.session, ng.NGHTTP2_ERR_STREAM_CLOSED
                   if answer == H2_ANSWER_INVALID_CLOSED else ng.NGHTTP2_ERR_PROTO)
    core.raise_pending()
    return True


cdef bint h2_drop_overrun(H2Core core, int32_t stream_id, size_t length) except -1:
    """Whether a DATA frame of ``length`` overruns its open stream's
    receive window: then, as Node 20's nghttp2 does (RFC 9113 6.9), the
    stream is reset with FLOW_CONTROL_ERROR and the connection goes on;
    nghttp2 never reads the frame (1.70 would end the connection), so the
    connection's window it took is given back here."""
    cdef int32_t window
    if core.session is NULL or ng.nghttp2_session_get_stream_remote_close(
            core.session, stream_id) != 0:
        return False
    window = ng.nghttp2_session_get_stream_local_window_size(core.session, stream_id)
    if window < 0 or length <= <size_t>window:
        return False
    ng.nghttp2_submit_rst_stream(core.session, ng.NGHTTP2_FLAG_NONE, stream_id,
                                 ng.NGHTTP2_FLOW_CONTROL_ERROR)
    core.raw_frames.append(b'\x00\x00\x04\x08\x00\x00\x00\x00\x00' + length.to_bytes(4, 'big'))
    return True


cdef bint h2_window_overflows(H2Core core, int32_t stream_id, uint32_t increment) except -1:
    """Whether a stream's WINDOW_UPDATE takes its window past 2^31-1: then,
    as RFC 9113 6.9.1 and Node 20's nghttp2 do, the stream is reset with
    FLOW_CONTROL_ERROR and nghttp2 never sees the frame (1.70 would end
    the connection)."""
    cdef int32_t window
    if core.session is NULL:
        return False
    window = ng.nghttp2_session_get_stream_remote_window_size(core.session, stream_id)
    if window < 0 or increment <= <uint32_t>(0x7FFFFFFF - window):
        return False
    ng.nghttp2_submit_rst_stream(core.session, ng.NGHTTP2_FLAG_NONE, stream_id,
                                 ng.NGHTTP2_FLOW_CONTROL_ERROR)
    return True


def h2_push_promise(H2Core core, int32_t stream_id, list headers):
    """A PUSH_PROMISE of ``headers`` on the peer's stream ``stream_id``;
    gives back the promised stream's id, whose response follows with
    submit_response()."""
    cdef int32_t promised
    core.check(0)
    promised = with_nv(headers, core.session, 4, stream_id, NULL)
    core.check(promised)
    return promised


def h2_altsvc(H2Core core, int32_t stream_id, bytes origin, bytes value):
    """An ALTSVC frame: for ``origin`` on stream 0, or for a stream's own."""
    core.check(0)
    core.check(ng.nghttp2_submit_altsvc(core.session, ng.NGHTTP2_FLAG_NONE, stream_id,
                                        <const uint8_t*>PyBytes_AS_STRING(origin), len(origin),
                                        <const uint8_t*>PyBytes_AS_STRING(value), len(value)))


def h2_origin(H2Core core, list origins):
    """An ORIGIN frame of ``origins`` (bytes each)."""
    cdef Py_ssize_t n = len(origins), i
    cdef ng.nghttp2_origin_entry* ov
    cdef bytes origin
    core.check(0)
    ov = <ng.nghttp2_origin_entry*>malloc(sizeof(ng.nghttp2_origin_entry) * (n or 1))
    if ov is NULL:
        raise MemoryError()
    try:
        for i in range(n):
            origin = origins[i]
            ov[i].origin = <uint8_t*>PyBytes_AS_STRING(origin)
            ov[i].origin_len = PyBytes_GET_SIZE(origin)
        # nghttp2 copies the origins before it returns.
        core.check(ng.nghttp2_submit_origin(core.session, ng.NGHTTP2_FLAG_NONE, ov, n))
    finally:
        free(ov)


def h2_priority(H2Core core, int32_t stream_id, uint32_t parent, int weight, bint exclusive):
    """A PRIORITY frame for ``stream_id`` (weight 1-256), written once
    nghttp2 has no frame under way (H2Core.send())."""
    core.check(0)
    core.raw_frames.append(
        b'\x00\x00\x05\x02\x00' + (stream_id & 0x7FFFFFFF).to_bytes(4, 'big')
        + ((parent & 0x7FFFFFFF) | (0x80000000 if exclusive else 0)).to_bytes(4, 'big')
        + bytes([weight - 1]))


def h2_reset_ahead(H2Core core, int32_t stream_id, uint32_t code):
    """A RST_STREAM of ``code`` written as the PRIORITY frames are, ahead
    of nghttp2's frames: for a stream nghttp2 holds no more, or once it was
    terminated (which refuses the RST_STREAM frames queued in it)."""
    core.check(0)
    core.raw_frames.append(b'\x00\x00\x04\x03\x00' + (stream_id & 0x7FFFFFFF).to_bytes(4, 'big')
                           + code.to_bytes(4, 'big'))


def h2_set_local_window_size(H2Core core, int32_t size):
    """The connection's receive window set to ``size`` (nghttp2 sends the
    WINDOW_UPDATE it takes, Node's setLocalWindowSize)."""
    core.check(0)
    core.check(ng.nghttp2_session_set_local_window_size(core.session, ng.NGHTTP2_FLAG_NONE, 0, size))


def h2_set_next_stream_id(H2Core core, int32_t stream_id):
    """The id of the session's next stream (Node's setNextStreamID(), which
    hands nghttp2 the id as an int32): False when nghttp2 refuses it (not
    above the ids used, of the other side's parity, or not positive), as
    Node ignores that."""
    core.check(0)
    return ng.nghttp2_session_set_next_stream_id(core.session, stream_id) == 0
