# Shared C helpers of the compiled record twins (_framing, _nonce, _aead).
# Inline, so each extension module gets its own copy and no module imports another at C level.

from libc.stdint cimport uint8_t, uint16_t, uint64_t

cdef extern from *:
    """
    #define FASTTLS_MAX_SEQUENCE 0xFFFFFFFFFFFFFFFFULL
    #ifndef FASTTLS_SOURCE_DIGEST
    #define FASTTLS_SOURCE_DIGEST ""
    #endif
    """
    uint64_t FASTTLS_MAX_SEQUENCE
    # The digest of the module's source, from setup.py (see sources.py); "" without it.
    const char* FASTTLS_SOURCE_DIGEST


cdef inline uint16_t load_be16(const uint8_t* p) noexcept nogil:
    return (<uint16_t>p[0] << 8) | p[1]


cdef inline void store_be16(uint8_t* p, uint16_t v) noexcept nogil:
    p[0] = <uint8_t>(v >> 8)
    p[1] = <uint8_t>v


cdef inline void store_be64(uint8_t* p, uint64_t v) noexcept nogil:
    cdef int i
    for i in range(8):
        p[7 - i] = <uint8_t>(v >> (8 * i))


cdef inline void write_header(uint8_t* p, uint8_t content_type, uint16_t version, uint16_t length) noexcept nogil:
    p[0] = content_type
    p[1] = <uint8_t>(version >> 8)
    p[2] = <uint8_t>version
    p[3] = <uint8_t>(length >> 8)
    p[4] = <uint8_t>length


cdef inline void xor_nonce_into(uint8_t* out, const uint8_t* iv, uint64_t seq) noexcept nogil:
    """RFC 8446 section 5.3: the sequence number, left-padded to 12 bytes, XOR the IV."""
    cdef int i
    for i in range(4):
        out[i] = iv[i]
    for i in range(8):
        out[11 - i] = iv[11 - i] ^ <uint8_t>(seq >> (8 * i))
