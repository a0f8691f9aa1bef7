# c-ares, Node's DNS resolver (vendor/c-ares, compiled into pyuvnet._uv):
# the declarations pyuvnet's resolver (uv/dns/*.pyx) uses.  The legacy
# query and parse calls are Node's own choice (its cares_wrap.cc); their
# deprecation marks are off (setup.py defines CARES_NO_DEPRECATED).

cdef extern from "netdb.h":
    struct hostent:
        char* h_name
        char** h_aliases
        int h_addrtype
        int h_length
        char** h_addr_list

cdef extern from "ares.h":
    ctypedef struct ares_channel_t:
        pass
    ctypedef int ares_socket_t
    int ARES_SOCKET_BAD

    ctypedef void (*ares_sock_state_cb)(void* data, ares_socket_t fd, int readable,
                                        int writable) noexcept
    ctypedef void (*ares_callback)(void* arg, int status, int timeouts,
                                   unsigned char* abuf, int alen) noexcept
    ctypedef void (*ares_host_callback)(void* arg, int status, int timeouts,
                                        hostent* host) noexcept
    # The parsed answer's form (c-ares >= 1.28): A and AAAA questions take
    # it, so that their answer is parsed once (queries.pyx).
    ctypedef int ares_status_t
    ctypedef struct ares_dns_record_t:
        pass
    ctypedef void (*ares_callback_dnsrec)(void* arg, ares_status_t status, size_t timeouts,
                                          const ares_dns_record_t* dnsrec) noexcept

    struct ares_options:
        int flags
        int timeout
        int tries
        ares_sock_state_cb sock_state_cb
        void* sock_state_cb_data
        unsigned int qcache_max_ttl

    int ARES_SUCCESS, ARES_ENODATA, ARES_ENOTFOUND, ARES_EBADNAME, ARES_ECANCELLED
    int ARES_EDESTRUCTION, ARES_ENOMEM, ARES_EBADRESP
    int ARES_OPT_FLAGS, ARES_OPT_TIMEOUTMS, ARES_OPT_TRIES, ARES_OPT_SOCK_STATE_CB
    int ARES_OPT_QUERY_CACHE
    int ARES_FLAG_NOCHECKRESP
    int ARES_LIB_INIT_ALL

    int ares_library_init(int flags)
    int ares_init_options(ares_channel_t** channel, ares_options* options, int optmask)
    void ares_destroy(ares_channel_t* channel)
    void ares_cancel(ares_channel_t* channel)
    void ares_set_local_ip4(ares_channel_t* channel, unsigned int local_ip)
    void ares_set_local_ip6(ares_channel_t* channel, const unsigned char* local_ip6)
    char* ares_get_servers_csv(const ares_channel_t* channel)
    void ares_free_string(void* str)
    const char* ares_strerror(int code)

    void ares_query(ares_channel_t* channel, const char* name, int dnsclass, int type,
                    ares_callback callback, void* arg)
    void ares_gethostbyaddr(ares_channel_t* channel, const void* addr, int addrlen,
                            int family, ares_host_callback callback, void* arg)
    void ares_process_fd(ares_channel_t* channel, ares_socket_t read_fd,
                         ares_socket_t write_fd) nogil

    struct ares_addrttl:
        unsigned char ipaddr[4]
        int ttl
    struct ares_addr6ttl:
        unsigned char ip6addr[16]
        int ttl

    struct ares_caa_reply:
        ares_caa_reply* next
        int critical
        unsigned char* property
        size_t plength
        unsigned char* value
        size_t length
    struct ares_srv_reply:
        ares_srv_reply* next
        char* host
        unsigned short priority
        unsigned short weight
        unsigned short port
    struct ares_mx_reply:
        ares_mx_reply* next
        char* host
        unsigned short priority
    struct ares_txt_ext:
        ares_txt_ext* next
        unsigned char* txt
        size_t length
        unsigned char record_start
    struct ares_naptr_reply:
        ares_naptr_reply* next
        unsigned char* flags
        unsigned char* service
        unsigned char* regexp
        char* replacement
        unsigned short order
        unsigned short preference
    struct ares_soa_reply:
        char* nsname
        char* hostmaster
        unsigned int serial
        unsigned int refresh
        unsigned int retry
        unsigned int expire
        unsigned int minttl

    int ares_parse_a_reply(const unsigned char* abuf, int alen, hostent** host,
                           ares_addrttl* addrttls, int* naddrttls)
    int ares_parse_aaaa_reply(const unsigned char* abuf, int alen, hostent** host,
                              ares_addr6ttl* addrttls, int* naddrttls)
    int ares_parse_caa_reply(const unsigned char* abuf, int alen, ares_caa_reply** out)
    int ares_parse_ptr_reply(const unsigned char* abuf, int alen, const void* addr,
                             int addrlen, int family, hostent** host)
    int ares_parse_ns_reply(const unsigned char* abuf, int alen, hostent** host)
    int ares_parse_srv_reply(const unsigned char* abuf, int alen, ares_srv_reply** out)
    int ares_parse_mx_reply(const unsigned char* abuf, int alen, ares_mx_reply** out)
    int ares_parse_txt_reply_ext(const unsigned char* abuf, int alen, ares_txt_ext** out)
    int ares_parse_naptr_reply(const unsigned char* abuf, int alen, ares_naptr_reply** out)
    int ares_parse_soa_reply(const unsigned char* abuf, int alen, ares_soa_reply** out)
    void ares_free_hostent(hostent* host)
    void ares_free_data(void* dataptr)

    ares_status_t ares_query_dnsrec(ares_channel_t* channel, const char* name, int dnsclass,
                                    int type, ares_callback_dnsrec callback, void* arg,
                                    unsigned short* qid)
    struct ares_addrinfo_cname:
        char* alias
        ares_addrinfo_cname* next
    struct ares_addrinfo_node:
        int ai_ttl
        int ai_family
        const void* ai_addr         # a struct sockaddr of ai_family
        ares_addrinfo_node* ai_next
    struct ares_addrinfo:
        ares_addrinfo_cname* cnames
        ares_addrinfo_node* nodes
        char* name


cdef extern from *:
    """
    /* ares_parse_a_reply's and ares_parse_aaaa_reply's own steps, after
       their parse of the answer: c-ares internals (src/lib/ares_private.h),
       in the module with the rest of the vendored, pinned c-ares.  With
       them an A or AAAA answer c-ares parsed is read as those calls read
       it, with no write of it back to bytes and no second parse. */
    ares_status_t ares_parse_into_addrinfo(const ares_dns_record_t *dnsrec,
                                           ares_bool_t cname_only_is_enodata,
                                           unsigned short port, struct ares_addrinfo *ai);
    ares_status_t ares_addrinfo2addrttl(const struct ares_addrinfo *ai, int family,
                                        size_t req_naddrttls, struct ares_addrttl *addrttls,
                                        struct ares_addr6ttl *addr6ttls, size_t *naddrttls);
    void ares_freeaddrinfo_nodes(struct ares_addrinfo_node *ai_node);
    void ares_freeaddrinfo_cnames(struct ares_addrinfo_cname *ai_cname);
    """
    ares_status_t ares_parse_into_addrinfo(const ares_dns_record_t* dnsrec, int cname_only_is_enodata,
                                           unsigned short port, ares_addrinfo* ai)
    ares_status_t ares_addrinfo2addrttl(const ares_addrinfo* ai, int family, size_t req_naddrttls,
                                        ares_addrttl* addrttls, ares_addr6ttl* addr6ttls,
                                        size_t* naddrttls)
    void ares_freeaddrinfo_nodes(ares_addrinfo_node* ai_node)
    void ares_freeaddrinfo_cnames(ares_addrinfo_cname* ai_cname)
