# nghttp2's declarations the http2 wing uses (vendor/nghttp2, compiled into
# pyuvnet._uv). The session is driven by memory: the bytes a socket read
# go to nghttp2_session_mem_recv2, what nghttp2 frames comes back from
# nghttp2_session_mem_send2 and is written by the socket.
from libc.stdint cimport uint8_t, int32_t, uint32_t

cdef extern from "nghttp2/nghttp2.h":
    ctypedef ptrdiff_t nghttp2_ssize
    ctypedef struct nghttp2_session
    ctypedef struct nghttp2_session_callbacks
    ctypedef struct nghttp2_option
    ctypedef struct nghttp2_rcbuf
    ctypedef struct nghttp2_stream
    ctypedef struct nghttp2_info:
        const char* version_str

    ctypedef struct nghttp2_vec:
        uint8_t* base
        size_t len

    ctypedef struct nghttp2_nv:
        uint8_t* name
        uint8_t* value
        size_t namelen
        size_t valuelen
        uint8_t flags

    ctypedef struct nghttp2_frame_hd:
        size_t length
        int32_t stream_id
        uint8_t type
        uint8_t flags

    ctypedef struct nghttp2_priority_spec:
        int32_t stream_id

    ctypedef struct nghttp2_headers:
        nghttp2_frame_hd hd
        nghttp2_priority_spec pri_spec
        int cat

    ctypedef struct nghttp2_rst_stream:
        nghttp2_frame_hd hd
        uint32_t error_code

    ctypedef struct nghttp2_settings_entry:
        int32_t settings_id
        uint32_t value

    ctypedef struct nghttp2_settings:
        nghttp2_frame_hd hd
        size_t niv
        nghttp2_settings_entry* iv

    ctypedef struct nghttp2_ping:
        nghttp2_frame_hd hd
        uint8_t opaque_data[8]

    ctypedef struct nghttp2_goaway:
        nghttp2_frame_hd hd
        int32_t last_stream_id
        uint32_t error_code
        uint8_t* opaque_data
        size_t opaque_data_len

    ctypedef struct nghttp2_push_promise:
        nghttp2_frame_hd hd
        int32_t promised_stream_id

    ctypedef struct nghttp2_extension:
        nghttp2_frame_hd hd
        void* payload

    ctypedef struct nghttp2_ext_altsvc:
        uint8_t* origin
        size_t origin_len
        uint8_t* field_value
        size_t field_value_len

    ctypedef struct nghttp2_origin_entry:
        uint8_t* origin
        size_t origin_len

    ctypedef struct nghttp2_ext_origin:
        size_t nov
        nghttp2_origin_entry* ov

    ctypedef struct nghttp2_data:
        nghttp2_frame_hd hd
        size_t padlen

    ctypedef union nghttp2_frame:
        nghttp2_frame_hd hd
        nghttp2_data data
        nghttp2_headers headers
        nghttp2_rst_stream rst_stream
        nghttp2_settings settings
        nghttp2_ping ping
        nghttp2_goaway goaway
        nghttp2_push_promise push_promise
        nghttp2_extension ext

    ctypedef union nghttp2_data_source:
        int fd
        void* ptr

    ctypedef nghttp2_ssize (*nghttp2_data_source_read_callback2)(
        nghttp2_session* session, int32_t stream_id, uint8_t* buf, size_t length,
        uint32_t* data_flags, nghttp2_data_source* source, void* user_data) noexcept

    ctypedef struct nghttp2_data_provider2:
        nghttp2_data_source source
        nghttp2_data_source_read_callback2 read_callback

    enum:
        NGHTTP2_ERR_DEFERRED
        NGHTTP2_ERR_CALLBACK_FAILURE
        NGHTTP2_ERR_TEMPORAL_CALLBACK_FAILURE
        NGHTTP2_ERR_NOMEM
        NGHTTP2_ERR_FLOODED
        NGHTTP2_ERR_BAD_CLIENT_MAGIC
        NGHTTP2_ERR_INVALID_ARGUMENT
        NGHTTP2_ERR_STREAM_ID_NOT_AVAILABLE
        NGHTTP2_ERR_INVALID_STATE
        NGHTTP2_ERR_PROTO
        NGHTTP2_ERR_STREAM_CLOSED
        NGHTTP2_ERR_STREAM_CLOSING
        NGHTTP2_ERR_SESSION_CLOSING
        NGHTTP2_ERR_FLOW_CONTROL
        NGHTTP2_ERR_SETTINGS_EXPECTED
        NGHTTP2_ERR_FATAL
        NGHTTP2_ERR_PUSH_DISABLED
        NGHTTP2_ERR_HEADER_COMP
        NGHTTP2_ERR_FRAME_SIZE_ERROR
        NGHTTP2_ERR_REFUSED_STREAM
        NGHTTP2_ERR_HTTP_HEADER
        NGHTTP2_ERR_HTTP_MESSAGING
        NGHTTP2_DATA_FLAG_EOF
        NGHTTP2_DATA_FLAG_NO_END_STREAM
        NGHTTP2_DATA_FLAG_NO_COPY
        NGHTTP2_ERR_PAUSE
        NGHTTP2_NV_FLAG_NONE
        NGHTTP2_NV_FLAG_NO_INDEX
        NGHTTP2_FLAG_NONE
        NGHTTP2_FLAG_END_STREAM
        NGHTTP2_FLAG_END_HEADERS
        NGHTTP2_FLAG_ACK
        NGHTTP2_DATA
        NGHTTP2_HEADERS
        NGHTTP2_PRIORITY
        NGHTTP2_RST_STREAM
        NGHTTP2_SETTINGS
        NGHTTP2_PUSH_PROMISE
        NGHTTP2_PING
        NGHTTP2_GOAWAY
        NGHTTP2_WINDOW_UPDATE
        NGHTTP2_ALTSVC
        NGHTTP2_ORIGIN
        NGHTTP2_HCAT_REQUEST
        NGHTTP2_HCAT_RESPONSE
        NGHTTP2_HCAT_PUSH_RESPONSE
        NGHTTP2_HCAT_HEADERS
        NGHTTP2_NO_ERROR
        NGHTTP2_PROTOCOL_ERROR
        NGHTTP2_INTERNAL_ERROR
        NGHTTP2_FLOW_CONTROL_ERROR
        NGHTTP2_STREAM_CLOSED
        NGHTTP2_FRAME_SIZE_ERROR
        NGHTTP2_REFUSED_STREAM
        NGHTTP2_COMPRESSION_ERROR
        NGHTTP2_ENHANCE_YOUR_CALM
        NGHTTP2_SETTINGS_HEADER_TABLE_SIZE
        NGHTTP2_SETTINGS_ENABLE_PUSH
        NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS
        NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE
        NGHTTP2_SETTINGS_MAX_FRAME_SIZE
        NGHTTP2_SETTINGS_MAX_HEADER_LIST_SIZE
        NGHTTP2_SETTINGS_ENABLE_CONNECT_PROTOCOL

    ctypedef int (*on_frame_recv_cb)(nghttp2_session*, const nghttp2_frame*, void*) noexcept
    ctypedef int (*on_begin_headers_cb)(nghttp2_session*, const nghttp2_frame*, void*) noexcept
    ctypedef int (*on_header_cb)(nghttp2_session*, const nghttp2_frame*, nghttp2_rcbuf*,
                                 nghttp2_rcbuf*, uint8_t, void*) noexcept
    ctypedef int (*on_data_chunk_recv_cb)(nghttp2_session*, uint8_t, int32_t, const uint8_t*,
                                          size_t, void*) noexcept
    ctypedef int (*on_stream_close_cb)(nghttp2_session*, int32_t, uint32_t, void*) noexcept
    ctypedef int (*on_frame_not_send_cb)(nghttp2_session*, const nghttp2_frame*, int, void*) noexcept
    ctypedef int (*on_invalid_frame_recv_cb)(nghttp2_session*, const nghttp2_frame*, int, void*) noexcept
    ctypedef int (*error_cb2)(nghttp2_session*, int, const char*, size_t, void*) noexcept
    ctypedef int (*send_data_cb)(nghttp2_session*, nghttp2_frame*, const uint8_t*, size_t,
                                 nghttp2_data_source*, void*) noexcept
    ctypedef nghttp2_ssize (*select_padding_cb2)(nghttp2_session*, const nghttp2_frame*, size_t,
                                                 void*) noexcept

    const char* nghttp2_strerror(int lib_error_code)
    const char* nghttp2_http2_strerror(uint32_t error_code)
    nghttp2_info* nghttp2_version(int least_version)

    int nghttp2_session_callbacks_new(nghttp2_session_callbacks** callbacks_ptr)
    void nghttp2_session_callbacks_del(nghttp2_session_callbacks* callbacks)
    void nghttp2_session_callbacks_set_on_frame_recv_callback(nghttp2_session_callbacks*, on_frame_recv_cb)
    void nghttp2_session_callbacks_set_on_begin_headers_callback(nghttp2_session_callbacks*, on_begin_headers_cb)
    void nghttp2_session_callbacks_set_on_header_callback2(nghttp2_session_callbacks*, on_header_cb)
    void nghttp2_session_callbacks_set_on_data_chunk_recv_callback(nghttp2_session_callbacks*, on_data_chunk_recv_cb)
    void nghttp2_session_callbacks_set_on_stream_close_callback(nghttp2_session_callbacks*, on_stream_close_cb)
    void nghttp2_session_callbacks_set_on_frame_not_send_callback(nghttp2_session_callbacks*, on_frame_not_send_cb)
    void nghttp2_session_callbacks_set_on_invalid_frame_recv_callback(nghttp2_session_callbacks*, on_invalid_frame_recv_cb)
    void nghttp2_session_callbacks_set_error_callback2(nghttp2_session_callbacks*, error_cb2)
    void nghttp2_session_callbacks_set_send_data_callback(nghttp2_session_callbacks*, send_data_cb)
    void nghttp2_session_callbacks_set_select_padding_callback2(nghttp2_session_callbacks*,
                                                                select_padding_cb2)

    int nghttp2_option_new(nghttp2_option** option_ptr)
    void nghttp2_option_del(nghttp2_option* option)
    void nghttp2_option_set_no_auto_window_update(nghttp2_option* option, int val)
    void nghttp2_option_set_peer_max_concurrent_streams(nghttp2_option* option, uint32_t val)
    void nghttp2_option_set_max_reserved_remote_streams(nghttp2_option* option, uint32_t val)
    void nghttp2_option_set_max_outbound_ack(nghttp2_option* option, size_t val)
    void nghttp2_option_set_max_settings(nghttp2_option* option, size_t val)
    void nghttp2_option_set_max_send_header_block_length(nghttp2_option* option, size_t val)
    void nghttp2_option_set_max_deflate_dynamic_table_size(nghttp2_option* option, size_t val)
    void nghttp2_option_set_builtin_recv_extension_type(nghttp2_option* option, uint8_t type)

    ctypedef struct nghttp2_mem:
        void* mem_user_data
        void* (*malloc)(size_t, void*) noexcept
        void (*free)(void*, void*) noexcept
        void* (*calloc)(size_t, size_t, void*) noexcept
        void* (*realloc)(void*, size_t, void*) noexcept

    int nghttp2_session_server_new3(nghttp2_session** session_ptr, const nghttp2_session_callbacks* callbacks,
                                    void* user_data, const nghttp2_option* option, nghttp2_mem* mem)
    int nghttp2_session_client_new3(nghttp2_session** session_ptr, const nghttp2_session_callbacks* callbacks,
                                    void* user_data, const nghttp2_option* option, nghttp2_mem* mem)
    void nghttp2_session_del(nghttp2_session* session)

    nghttp2_ssize nghttp2_session_mem_recv2(nghttp2_session* session, const uint8_t* data, size_t inlen)
    nghttp2_ssize nghttp2_session_mem_send2(nghttp2_session* session, const uint8_t** data_ptr)
    int nghttp2_session_want_read(nghttp2_session* session)
    int nghttp2_session_want_write(nghttp2_session* session)
    int nghttp2_session_resume_data(nghttp2_session* session, int32_t stream_id)
    int nghttp2_session_consume_connection(nghttp2_session* session, size_t size)
    int nghttp2_session_consume_stream(nghttp2_session* session, int32_t stream_id, size_t size)
    int nghttp2_session_terminate_session(nghttp2_session* session, uint32_t error_code)

    int nghttp2_submit_settings(nghttp2_session* session, uint8_t flags, const nghttp2_settings_entry* iv, size_t niv)
    int nghttp2_submit_ping(nghttp2_session* session, uint8_t flags, const uint8_t* opaque_data)
    int nghttp2_submit_goaway(nghttp2_session* session, uint8_t flags, int32_t last_stream_id,
                              uint32_t error_code, const uint8_t* opaque_data, size_t opaque_data_len)
    int nghttp2_submit_shutdown_notice(nghttp2_session* session)
    int32_t nghttp2_submit_request2(nghttp2_session* session, const void* pri_spec, const nghttp2_nv* nva,
                                    size_t nvlen, const nghttp2_data_provider2* data_prd, void* stream_user_data)
    int nghttp2_submit_response2(nghttp2_session* session, int32_t stream_id, const nghttp2_nv* nva,
                                 size_t nvlen, const nghttp2_data_provider2* data_prd)
    int32_t nghttp2_submit_headers(nghttp2_session* session, uint8_t flags, int32_t stream_id,
                                   const void* pri_spec, const nghttp2_nv* nva, size_t nvlen,
                                   void* stream_user_data)
    int nghttp2_submit_data2(nghttp2_session* session, uint8_t flags, int32_t stream_id,
                             const nghttp2_data_provider2* data_prd)
    int nghttp2_submit_trailer(nghttp2_session* session, int32_t stream_id, const nghttp2_nv* nva, size_t nvlen)
    int32_t nghttp2_submit_push_promise(nghttp2_session* session, uint8_t flags, int32_t stream_id,
                                        const nghttp2_nv* nva, size_t nvlen, void* promised_stream_user_data)
    int nghttp2_submit_altsvc(nghttp2_session* session, uint8_t flags, int32_t stream_id,
                              const uint8_t* origin, size_t origin_len,
                              const uint8_t* field_value, size_t field_value_len)
    int nghttp2_submit_origin(nghttp2_session* session, uint8_t flags, const nghttp2_origin_entry* ov,
                              size_t nov)
    int nghttp2_submit_rst_stream(nghttp2_session* session, uint8_t flags, int32_t stream_id, uint32_t error_code)

    uint32_t nghttp2_session_get_local_settings(nghttp2_session* session, int id)
    uint32_t nghttp2_session_get_remote_settings(nghttp2_session* session, int id)
    int32_t nghttp2_session_get_effective_local_window_size(nghttp2_session* session)
    int32_t nghttp2_session_get_effective_recv_data_length(nghttp2_session* session)
    int32_t nghttp2_session_get_remote_window_size(nghttp2_session* session)
    int32_t nghttp2_session_get_local_window_size(nghttp2_session* session)
    int nghttp2_session_set_local_window_size(nghttp2_session* session, uint8_t flags, int32_t stream_id,
                                              int32_t window_size)
    size_t nghttp2_session_get_outbound_queue_size(nghttp2_session* session)
    int32_t nghttp2_session_get_last_proc_stream_id(nghttp2_session* session)
    uint32_t nghttp2_session_get_next_stream_id(nghttp2_session* session)
    int nghttp2_session_set_next_stream_id(nghttp2_session* session, int32_t next_stream_id)
    size_t nghttp2_session_get_hd_deflate_dynamic_table_size(nghttp2_session* session)
    size_t nghttp2_session_get_hd_inflate_dynamic_table_size(nghttp2_session* session)
    int32_t nghttp2_session_get_stream_local_window_size(nghttp2_session* session, int32_t stream_id)
    int32_t nghttp2_session_get_stream_remote_window_size(nghttp2_session* session, int32_t stream_id)
    int32_t nghttp2_session_get_stream_effective_local_window_size(nghttp2_session* session, int32_t stream_id)
    int32_t nghttp2_session_get_stream_effective_recv_data_length(nghttp2_session* session, int32_t stream_id)
    nghttp2_stream* nghttp2_session_find_stream(nghttp2_session* session, int32_t stream_id)
    int nghttp2_stream_get_state(nghttp2_stream* stream)
    int32_t nghttp2_stream_get_weight(nghttp2_stream* stream)
    int32_t nghttp2_stream_get_sum_dependency_weight(nghttp2_stream* stream)
    int nghttp2_session_get_stream_local_close(nghttp2_session* session, int32_t stream_id)
    int nghttp2_session_get_stream_remote_close(nghttp2_session* session, int32_t stream_id)

    nghttp2_vec nghttp2_rcbuf_get_buf(nghttp2_rcbuf* rcbuf)
    int nghttp2_rcbuf_is_static(const nghttp2_rcbuf* rcbuf)
