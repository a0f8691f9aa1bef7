# cython: language_level=3, freethreading_compatible=False
"""pyuvnet._uv: the libuv binding.

This module is one compilation unit made of the files under ``pyuvnet/uv/``
(one per concept; see docs/DESIGN.md).  They are included, not imported, so
that cdef classes call each other through C without module boundaries.
"""
cimport cython
from libc.stdint cimport uint64_t, int64_t, intptr_t
from libc.string cimport memcpy, memset
from cpython.bytes cimport PyBytes_FromStringAndSize, PyBytes_AS_STRING, PyBytes_GET_SIZE
from cpython.mem cimport PyMem_RawMalloc, PyMem_RawFree, PyMem_Malloc, PyMem_Free
from cpython.ref cimport Py_INCREF, Py_DECREF, Py_XDECREF
from cpython.pycapsule cimport PyCapsule_New, PyCapsule_GetPointer
from cpython.object cimport PyObject, PyTypeObject, Py_TYPE, Py_SIZE
from cpython.method cimport PyMethod_Check, PyMethod_GET_FUNCTION, PyMethod_GET_SELF

cdef extern from "Python.h":
    # The cyclic GC's bookkeeping of one object (http/exchange.pyx: the
    # exchange's messages, untracked until their 'close').  Track must not
    # be given an object already tracked: CPython aborts.
    int PyObject_GC_IsTracked(object op)
    void PyObject_GC_Track(object op)
    void PyObject_GC_UnTrack(object op)

from pyuvnet.uv cimport libuv as uv
from pyuvnet.events._emitter cimport EventEmitter, unheard

import os
import threading
from collections import deque

from pyuvnet import errors
from pyuvnet._internal.encodings import encode, node_utf8

cdef class WriteFlusher
cdef class StreamWrites
cdef class StreamReadable
cdef class Stream
cdef class ServerCore
cdef class PipeLink
cdef class ImmediateHandle
cdef class ServerSettings
cdef class ServerExchange
cdef class ResponseCore
cdef class IncomingCore
cdef class MessageCore
cdef class H2DataSend

# The public names (those typed in _uv.pyi); the binding's helpers
# (tcp_bind, pipe_connect, ...) are pyuvnet's own.
__all__ = [
    'Loop', 'get_loop', 'run', 'stop', 'setTimeout', 'setInterval', 'setImmediate',
    'clearTimeout', 'clearInterval', 'clearImmediate', 'nextTick', 'queueMicrotask',
    'Timeout', 'Immediate', 'libuv_version', 'Handle', 'Stream', 'TimerHandle',
    'ImmediateHandle',
]

include "uv/loop/loop.pyx"
include "uv/loop/flush.pyx"
include "uv/loop/threads.pyx"
include "uv/loop/immediates.pyx"
include "uv/loop/signals.pyx"
include "uv/handles/handle.pyx"
include "uv/loop/timers.pyx"
include "uv/stream/node_writes.pyx"
include "uv/stream/node_reads.pyx"
include "uv/stream/write_queue.pyx"
include "uv/stream/writable.pyx"
include "uv/stream/taken_writes.pyx"
include "uv/stream/held_writes.pyx"
include "uv/stream/readable.pyx"
include "uv/stream/c_methods.pyx"
include "uv/stream/stream.pyx"
include "uv/stream/read_callbacks.pyx"
include "uv/stream/pipe_link.pyx"
include "uv/stream/write_requests.pyx"
include "uv/stream/discarded_writes.pyx"
include "uv/handles/tcp.pyx"
include "uv/handles/pipe.pyx"
include "uv/handles/listener.pyx"
include "uv/handles/getaddrinfo.pyx"
include "uv/dns/channel.pyx"
include "uv/dns/answers.pyx"
include "uv/dns/queries.pyx"
include "uv/dns/nameinfo.pyx"
include "uv/handles/process.pyx"
include "uv/handles/ipc.pyx"
include "uv/handles/udp_socket.pyx"
include "uv/handles/udp.pyx"
include "uv/tls/openssl.pyx"
include "uv/tls/openssl_x509.pyx"
include "uv/tls/ocsp.pyx"
include "uv/tls/sessions.pyx"
include "uv/tls/renegotiation.pyx"
include "uv/tls/trace.pyx"
include "uv/tls/pkcs12.pyx"
include "uv/tls/bio.pyx"
include "uv/tls/pump_data.pyx"
include "uv/tls/pump.pyx"
include "uv/tls/acceptor.pyx"
include "uv/http/llhttp_tables.pyx"
include "uv/http/parser.pyx"
include "uv/http/parser_head.pyx"
include "uv/http/parser_sink.pyx"
include "uv/http/parser_callbacks.pyx"
include "uv/http/parser_memo.pyx"
include "uv/http/head.pyx"
include "uv/http/incoming.pyx"
include "uv/http/outgoing.pyx"
include "uv/http/exchange.pyx"
include "uv/ws/frames.pyx"
include "uv/ws/receiver.pyx"
include "uv/wsgi/input.pyx"
include "uv/wsgi/environ.pyx"
include "uv/wsgi/start_response.pyx"
include "uv/wsgi/call.pyx"
include "uv/http2/frame_watch.pyx"
include "uv/http2/closed_streams.pyx"
include "uv/http2/request_sink.pyx"
include "uv/http2/session.pyx"
include "uv/http2/head_block.pyx"
include "uv/http2/callbacks.pyx"
include "uv/http2/server_streams.pyx"
include "uv/http2/data_send.pyx"
include "uv/http2/limits.pyx"
include "uv/http2/extensions.pyx"
include "uv/http2/request_stream.pyx"
include "uv/asgi/cycle.pyx"
include "uv/asgi/http1_cycle.pyx"
include "uv/asgi/handler.pyx"
include "uv/asgi/app_run.pyx"
include "uv/asgi/h2_cycle.pyx"
include "uv/wsgi/h2_call.pyx"


def libuv_version():
    """The version of the libuv pyuvnet was built with, e.g. '1.44.2'."""
    return uv.uv_version_string().decode()
