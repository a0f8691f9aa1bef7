/* The bytes objects a loop's reads are delivered as: its chunk pool
 * (pyuvnet_chunk), the 64 KiB read chunk of a stream whose reads fill
 * them, and the pooled bytes a short read lands in (pyuvnet_read_guess).
 * Included by pyuvnet_compat.h, after pyuvnet_loop_t. */
#ifndef PYUVNET_CHUNKS_H
#define PYUVNET_CHUNKS_H

/* A bytes object of the pool (slot i) that now holds the n bytes at data
 * (NULL: filled later, by a read): cut to them, the NUL after them
 * written, its cached hash dropped.  A bytes with slack is a valid one;
 * its memory goes back to the allocator whole. */
static inline PyObject* pyuvnet_pool_fill(pyuvnet_loop_t* loop, int i, const char* data,
                                          Py_ssize_t n) {
    PyObject* chunk = loop->chunk_pool[i];
    Py_SET_SIZE(chunk, n);
    PyBytes_AS_STRING(chunk)[n] = 0;
    if (data != NULL)
        pyuvnet_copy(PyBytes_AS_STRING(chunk), data, (size_t)n);
    pyuvnet_bytes_forget_hash(chunk);
    Py_INCREF(chunk);
    loop->chunk_next = (i + 1) & (PYUVNET_CHUNK_POOL - 1);
    return chunk;
}

/* The pool's slot of a bytes object nothing else references (refcount 1,
 * the pool's, so no Python code can see that it changes: a view or a
 * buffer export would hold a reference) with room for n bytes, at least
 * half of it used; or -1, and *free_slot is where a new one may go (an
 * empty slot, or one whose bytes are unused but of another size), or -1.
 * Looked for from the slot after the last one used: the chunks a turn's
 * reads still hold (writes held to the end of the poll's reads,
 * uv/write_at_once.pyx) are those before it, in the order made. */
static int pyuvnet_pool_find(pyuvnet_loop_t* loop, Py_ssize_t n, int* free_slot) {
    PyObject* chunk;
    int k, i;
    *free_slot = -1;
    for (k = 0; k < PYUVNET_CHUNK_POOL; k++) {
        i = (loop->chunk_next + k) & (PYUVNET_CHUNK_POOL - 1);
        chunk = loop->chunk_pool[i];
        if (chunk == NULL) {
            if (*free_slot < 0)
                *free_slot = i;
        } else if (Py_REFCNT(chunk) == 1) {
            if (loop->chunk_cap[i] >= n && loop->chunk_cap[i] < 2 * n)
                return i;
            if (*free_slot < 0)
                *free_slot = i;
        }
    }
    return -1;
}

/* A new bytes object of capacity n put in the pool's slot (-1: none),
 * replacing what was there. */
static void pyuvnet_pool_put(pyuvnet_loop_t* loop, int slot, PyObject* chunk, Py_ssize_t n) {
    if (slot < 0)
        return;
    Py_XDECREF(loop->chunk_pool[slot]);
    Py_INCREF(chunk);
    loop->chunk_pool[slot] = chunk;
    loop->chunk_cap[slot] = n;
    loop->chunk_next = (slot + 1) & (PYUVNET_CHUNK_POOL - 1);
}

/* The bytes a read delivers (see "Chunk reuse" in uv/stream_readable.pyx).  A
 * chunk above pymalloc's sizes costs glibc a malloc and a free outside
 * its tcache (1 KiB + the header is past tcache's 1,032 bytes), about a
 * quarter of an echoed message's instructions.  So the loop keeps the
 * chunks it made in a small pool, and a read of about the same size
 * refills one that nothing else references any more (pyuvnet_pool_find).
 * Returns a new reference, NULL with an exception set. */
static PyObject* pyuvnet_chunk(pyuvnet_loop_t* loop, const char* data, Py_ssize_t n) {
    PyObject* chunk;
    int i, slot = -1;
    if (n >= PYUVNET_CHUNK_POOLED_MIN) {
        i = pyuvnet_pool_find(loop, n, &slot);
        if (i >= 0)
            return pyuvnet_pool_fill(loop, i, data, n);
    }
    if (slot < 0)
        return pyuvnet_bytes_copy(data, n);
    /* A byte to spare: the next read of this size lands in it
     * (pyuvnet_read_guess offers the last read's size and one). */
    chunk = PyBytes_FromStringAndSize(NULL, n + 1);
    if (chunk != NULL) {
        pyuvnet_pool_put(loop, slot, chunk, n + 1);
        pyuvnet_pool_fill(loop, slot, data, n);
        Py_DECREF(chunk);   /* pyuvnet_pool_fill's; the caller has chunk's own */
    }
    return chunk;
}

/* Where a flowing socket's next read lands when its reads fill chunks
 * (Stream.big_reads): straight in a chunk-sized bytes object, the 'data'
 * chunk itself, so that 64 KiB are not copied out of the loop's buffer.
 * The loop keeps it, and fills it again once nothing else references it
 * (refcount 1, as pyuvnet_chunk's pool); else it makes a new one.  Its
 * bytes are uninitialised until the read fills them, and it is seen by
 * Python code only through pyuvnet_read_chunk_take.  NULL, with no error
 * set, if it cannot be made: the read then lands in the loop's buffer. */
static char* pyuvnet_read_chunk(pyuvnet_loop_t* loop) {
    PyObject* chunk = loop->read_chunk;
    if (chunk != NULL && Py_REFCNT(chunk) == 1 && Py_SIZE(chunk) == PYUVNET_CHUNK_SIZE) {
        pyuvnet_bytes_forget_hash(chunk);
        return PyBytes_AS_STRING(chunk);
    }
    Py_CLEAR(loop->read_chunk);
    chunk = PyBytes_FromStringAndSize(NULL, PYUVNET_CHUNK_SIZE);
    if (chunk == NULL) {
        PyErr_Clear();
        return NULL;
    }
    loop->read_chunk = chunk;
    return PyBytes_AS_STRING(chunk);
}

/* Whether a read landed in the loop's read chunk. */
static inline int pyuvnet_in_read_chunk(pyuvnet_loop_t* loop, const char* base) {
    return loop->read_chunk != NULL && base == PyBytes_AS_STRING(loop->read_chunk);
}

/* The read chunk, its first n bytes filled, to deliver: a new reference.
 * A full one stays the loop's too, for a later read once nothing else
 * holds it; a shorter one is cut in place (nothing else holds it) and
 * handed over.  NULL with an exception set. */
static PyObject* pyuvnet_read_chunk_take(pyuvnet_loop_t* loop, Py_ssize_t n) {
    if (n == Py_SIZE(loop->read_chunk)) {
        Py_INCREF(loop->read_chunk);
        return loop->read_chunk;
    }
    return pyuvnet_bytes_handover(&loop->read_chunk, n);
}

/* Where a small read for Python lands (guess_lands in
 * uv/stream_reads.pyx): straight in the bytes object it is delivered as,
 * with room for n bytes, so that it is not copied out of the loop's
 * buffer.  Called without the GIL, so only a pooled one nothing else
 * references (pyuvnet_pool_find): no Python code can reach it, and the
 * pool's reference keeps it alive (its refcount goes to 2, never to 0).
 * Its bytes are uninitialised until the read fills them; Python code sees
 * it only through pyuvnet_read_guess_take or _join.  NULL if none is
 * free: the read then lands in the loop's buffer, and pyuvnet_chunk's
 * copy makes one with a byte to spare for the next. */
static char* pyuvnet_read_guess(pyuvnet_loop_t* loop, Py_ssize_t n) {
    int i = loop->chunk_next, slot;
    PyObject* chunk = loop->chunk_pool[i];
    if (n < PYUVNET_CHUNK_POOLED_MIN || loop->read_guess != NULL)
        return NULL;
    /* The slot after the last one used first: the one a poll's reads
     * find free, the chunks of the poll before having been written. */
    if (chunk == NULL || Py_REFCNT(chunk) != 1 || loop->chunk_cap[i] < n
            || loop->chunk_cap[i] >= 2 * n) {
        i = pyuvnet_pool_find(loop, n, &slot);
        if (i < 0)
            return NULL;
        chunk = loop->chunk_pool[i];
    }
    /* Its size, NUL and hash are set when it is taken. */
    Py_INCREF(chunk);
    loop->chunk_next = (i + 1) & (PYUVNET_CHUNK_POOL - 1);
    loop->read_guess = chunk;
    loop->read_guess_len = n;
    return PyBytes_AS_STRING(chunk);
}

/* The offered bytes back to the pool only (a read of nothing or the end
 * landed there).  With the GIL. */
static inline void pyuvnet_read_guess_drop(pyuvnet_loop_t* loop) {
    Py_CLEAR(loop->read_guess);
}

/* Whether a read landed in the bytes pyuvnet_read_guess offered. */
static inline int pyuvnet_in_read_guess(pyuvnet_loop_t* loop, const char* base) {
    return loop->read_guess != NULL && base == PyBytes_AS_STRING(loop->read_guess);
}

/* The offered bytes, cut to the n a read filled, handed over: a new
 * reference.  A read that used less than half of them is copied out
 * instead (a chunk the listener keeps holds no more than twice its size),
 * and they stay the pool's.  NULL with an exception set. */
static PyObject* pyuvnet_read_guess_take(pyuvnet_loop_t* loop, Py_ssize_t n) {
    PyObject* guess = loop->read_guess;
    PyObject* chunk;
    loop->read_guess = NULL;
    if (2 * n < loop->read_guess_len) {
        chunk = pyuvnet_chunk(loop, PyBytes_AS_STRING(guess), n);
        Py_DECREF(guess);
        return chunk;
    }
    Py_SET_SIZE(guess, n);
    PyBytes_AS_STRING(guess)[n] = 0;
    pyuvnet_bytes_forget_hash(guess);
    return guess;
}

/* A read that filled the offered bytes, joined with the n bytes at rest
 * that libuv read next at once (n = 0: it found nothing more): one
 * chunk, as Node's one read of up to PYUVNET_CHUNK_SIZE would be.  A new
 * reference, NULL with an exception set. */
static PyObject* pyuvnet_read_guess_join(pyuvnet_loop_t* loop, const char* rest, Py_ssize_t n) {
    Py_ssize_t first = loop->read_guess_len;
    PyObject* chunk;
    if (n == 0)
        return pyuvnet_read_guess_take(loop, first);
    chunk = PyBytes_FromStringAndSize(NULL, first + n);
    if (chunk != NULL) {
        pyuvnet_copy(PyBytes_AS_STRING(chunk), PyBytes_AS_STRING(loop->read_guess), (size_t)first);
        pyuvnet_copy(PyBytes_AS_STRING(chunk) + first, rest, (size_t)n);
    }
    Py_CLEAR(loop->read_guess);
    return chunk;
}

/* Drop the pool's references (the loop is being freed). */
static void pyuvnet_chunk_pool_clear(pyuvnet_loop_t* loop) {
    int i;
    for (i = 0; i < PYUVNET_CHUNK_POOL; i++)
        Py_CLEAR(loop->chunk_pool[i]);
    Py_CLEAR(loop->read_chunk);
    Py_CLEAR(loop->read_guess);
}

#endif
