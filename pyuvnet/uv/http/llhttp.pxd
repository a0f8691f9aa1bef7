# llhttp, Node's HTTP/1.1 parser (vendor/llhttp, compiled into pyuvnet._uv):
# the declarations pyuvnet's binding (uv/http/parser.pyx) uses.
from libc.stdint cimport uint8_t, uint16_t, uint64_t

# Called with the GIL held (the callbacks run Python), so not nogil.
cdef extern from "llhttp.h":
    ctypedef struct llhttp_t:
        void* data
        uint64_t content_length
        uint8_t type
        uint8_t method
        uint8_t http_major
        uint8_t http_minor
        uint8_t header_state        # llhttp's: 2 while in a Content-Length's value
        uint8_t upgrade
        uint16_t flags
        uint16_t status_code

    ctypedef int (*llhttp_data_cb)(llhttp_t*, const char* at, size_t length) noexcept
    ctypedef int (*llhttp_cb)(llhttp_t*) noexcept

    ctypedef struct llhttp_settings_t:
        llhttp_cb on_message_begin
        llhttp_data_cb on_url
        llhttp_data_cb on_status
        llhttp_data_cb on_header_field
        llhttp_data_cb on_header_value
        llhttp_data_cb on_chunk_extension_name
        llhttp_data_cb on_chunk_extension_value
        llhttp_cb on_headers_complete
        llhttp_data_cb on_body
        llhttp_cb on_message_complete
        llhttp_cb on_header_field_complete
        llhttp_cb on_header_value_complete
        llhttp_cb on_chunk_header
        llhttp_cb on_chunk_complete

    ctypedef enum llhttp_type_t:
        HTTP_REQUEST
        HTTP_RESPONSE

    ctypedef enum llhttp_errno_t:
        HPE_OK
        HPE_USER
        HPE_PAUSED
        HPE_PAUSED_UPGRADE

    ctypedef int llhttp_method_t
    enum:
        HTTP_CONNECT

    # llhttp_t.flags
    enum:
        F_CHUNKED
        F_CONTENT_LENGTH
        F_TRANSFER_ENCODING

    void llhttp_init(llhttp_t* parser, llhttp_type_t type, const llhttp_settings_t* settings)
    void llhttp_settings_init(llhttp_settings_t* settings)
    llhttp_errno_t llhttp_execute(llhttp_t* parser, const char* data, size_t len)
    llhttp_errno_t llhttp_finish(llhttp_t* parser)
    int llhttp_message_needs_eof(const llhttp_t* parser)
    int llhttp_should_keep_alive(const llhttp_t* parser)
    void llhttp_pause(llhttp_t* parser)
    void llhttp_resume(llhttp_t* parser)
    void llhttp_resume_after_upgrade(llhttp_t* parser)
    llhttp_errno_t llhttp_get_errno(const llhttp_t* parser)
    const char* llhttp_get_error_reason(const llhttp_t* parser)
    void llhttp_set_error_reason(llhttp_t* parser, const char* reason)
    const char* llhttp_get_error_pos(const llhttp_t* parser)
    const char* llhttp_errno_name(llhttp_errno_t err)
    const char* llhttp_method_name(llhttp_method_t method)
    # What Node's insecureHTTPParser turns on (its kLenientAll).
    void llhttp_set_lenient_headers(llhttp_t* parser, int enabled)
    void llhttp_set_lenient_chunked_length(llhttp_t* parser, int enabled)
    void llhttp_set_lenient_keep_alive(llhttp_t* parser, int enabled)
    void llhttp_set_lenient_transfer_encoding(llhttp_t* parser, int enabled)
    void llhttp_set_lenient_version(llhttp_t* parser, int enabled)
    void llhttp_set_lenient_data_after_close(llhttp_t* parser, int enabled)
    void llhttp_set_lenient_optional_lf_after_cr(llhttp_t* parser, int enabled)
    void llhttp_set_lenient_optional_cr_before_lf(llhttp_t* parser, int enabled)
    void llhttp_set_lenient_optional_crlf_after_chunk(llhttp_t* parser, int enabled)
    void llhttp_set_lenient_spaces_after_chunk_size(llhttp_t* parser, int enabled)
