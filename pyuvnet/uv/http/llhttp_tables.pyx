# llhttp's tables and switches that pyuvnet.http uses beside the parser's
# callbacks (uv/http/parser.pyx): its method names by number, and the
# lenient flags of Node's insecureHTTPParser.

from pyuvnet.uv.http cimport llhttp as ll

cdef extern from *:
    """
    /* llhttp's method names by number (llhttp_method_name() aborts on a
       number it does not know, so the table is made from its own map). */
    static const char* pyuvnet_http_method_names[256];
    static void pyuvnet_http_fill_method_names(void) {
    #define PYUVNET_METHOD(NUM, NAME, STRING) pyuvnet_http_method_names[NUM] = #STRING;
        HTTP_ALL_METHOD_MAP(PYUVNET_METHOD)
    #undef PYUVNET_METHOD
    }
    """
    const char* pyuvnet_http_method_names[256]
    void pyuvnet_http_fill_method_names()

# The method names llhttp knows, by its method number, as str.
pyuvnet_http_fill_method_names()
cdef list HTTP_METHOD_NAMES = [
    None if pyuvnet_http_method_names[_code] == NULL
    else pyuvnet_http_method_names[_code].decode('ascii') for _code in range(256)]


cdef void set_lenient(ll.llhttp_t* p) noexcept:
    """Node's kLenientAll, what insecureHTTPParser turns on."""
    ll.llhttp_set_lenient_headers(p, 1)
    ll.llhttp_set_lenient_chunked_length(p, 1)
    ll.llhttp_set_lenient_keep_alive(p, 1)
    ll.llhttp_set_lenient_transfer_encoding(p, 1)
    ll.llhttp_set_lenient_version(p, 1)
    ll.llhttp_set_lenient_data_after_close(p, 1)
    ll.llhttp_set_lenient_optional_lf_after_cr(p, 1)
    ll.llhttp_set_lenient_optional_cr_before_lf(p, 1)
    ll.llhttp_set_lenient_optional_crlf_after_chunk(p, 1)
    ll.llhttp_set_lenient_spaces_after_chunk_size(p, 1)
